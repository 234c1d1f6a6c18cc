/// Binds call arguments to a builtin's signature and checks their types.
///
/// This is the single shared validator: arity, unknown and repeated named
/// arguments, missing arguments and each argument's declared type are checked
/// here, once, so every builtin's messages have the same form.
struct ArgumentBinder {
  /// A binding failure with the range it should point at.
  struct Failure: Error {
    var error: BuiltinError
    var range: SourceRange
  }

  /// Bound arguments plus where each was written.
  struct Bound {
    var arguments: Arguments
    var ranges: [String: SourceRange]
    var positionalRanges: [SourceRange]

    /// Where the argument a `BuiltinError` names was written.
    func range(of name: BuiltinError.ArgumentName) -> SourceRange? {
      switch name {
      case .named(let parameter): return ranges[parameter]
      case .position(let index):
        return index >= 1 && index <= positionalRanges.count
          ? positionalRanges[index - 1] : nil
      }
    }
  }

  let builtin: Builtin

  /// Binds `(name, value, range)` triples written in a call at `callRange`.
  ///
  /// Long because binding is one pass in Python's order (positionals, then
  /// names, then defaults and type checks), each step a few lines that share
  /// the bound table; the checks' texts live in `BuiltinError`.
  func bind(
    _ arguments: [(String?, Value, SourceRange)], callRange: SourceRange
  ) throws -> Bound {
    let signature = builtin.signature
    var values: [String: Value] = [:]
    var ranges: [String: SourceRange] = [:]
    var rest: [Value] = []
    let positional = arguments.filter { $0.0 == nil }
    for (index, argument) in positional.enumerated() {
      if index < signature.parameters.count {
        let parameter = signature.parameters[index]
        try check(
          argument.1, against: parameter, as: .named(parameter.name),
          at: argument.2)
        values[parameter.name] = argument.1
        ranges[parameter.name] = argument.2
      } else if let variadic = signature.variadic {
        try check(
          argument.1, against: variadic, as: .position(index + 1),
          at: argument.2)
        rest.append(argument.1)
      } else {
        throw Failure(
          error: .tooManyArguments(
            expected: signature.parameters.count, got: positional.count),
          range: argument.2)
      }
    }
    for case (let name?, let value, let range) in arguments {
      guard
        let parameter = signature.namedParameters.first(where: {
          $0.name == name
        })
      else {
        let suggestion = Suggestion.closest(
          to: name, among: signature.namedParameters.map(\.name))
        throw Failure(
          error: .unknownNamedArgument(name, suggestion: suggestion),
          range: range)
      }
      guard values[name] == nil else {
        throw Failure(error: .duplicateArgument(name), range: range)
      }
      try check(value, against: parameter, as: .named(name), at: range)
      values[name] = value
      ranges[name] = range
    }
    for parameter in signature.namedParameters
    where values[parameter.name] == nil {
      guard let defaultValue = parameter.defaultValue else {
        throw Failure(error: .missingArgument(parameter.name), range: callRange)
      }
      values[parameter.name] = defaultValue
    }
    let arguments = Arguments(
      builtinName: builtin.name, values: values, rest: rest,
      restOffset: signature.parameters.count + 1)
    return Bound(
      arguments: arguments, ranges: ranges,
      positionalRanges: positional.map(\.2))
  }

  /// Checks one value against a parameter's type; nil passes where nil is the default.
  private func check(
    _ value: Value, against parameter: BuiltinParameter,
    as name: BuiltinError.ArgumentName,
    at range: SourceRange
  ) throws {
    if case .null = value, case .null? = parameter.defaultValue { return }
    guard !parameter.type.accepts(value) else { return }
    var suggestion: String?
    if case .string(let given) = value {
      switch parameter.type {
      case .choice(let names), .choiceOrNumber(let names):
        suggestion = Suggestion.closest(to: given, among: names)
      default: break
      }
    }
    throw Failure(
      error: .badArgument(
        name, expected: parameter.type.expectation,
        got: ValueFormatter.culprit(value),
        suggestion: suggestion),
      range: range)
  }
}

extension ParameterType {
  /// True when `value` is of this type.
  public func accepts(_ value: Value) -> Bool {
    switch (self, value) {
    case (.any, _): return true
    case (.number, .number), (.string, .string), (.bool, .bool),
      (.function, .function):
      return true
    case (.integer, .number(let x)): return x == x.rounded() && abs(x) < 1e15
    case (.matrix, _):
      return MatrixConversion.matrix(from: value) != nil && !value.isString
    case (.numeric, .number), (.numeric, .range): return true
    case (.numeric, _):
      return MatrixConversion.matrix(from: value) != nil && !value.isString
    case (.list, .list), (.list, .range): return true
    case (.choice(let names), .string(let s)): return names.contains(s)
    case (.choiceOrNumber(let names), .string(let s)): return names.contains(s)
    case (.choiceOrNumber, .number): return true
    case (.either(let types), _): return types.contains { $0.accepts(value) }
    case (.handle(let typeName), .handle(let handle)):
      return handle.typeName == typeName
    default: return false
    }
  }
}
