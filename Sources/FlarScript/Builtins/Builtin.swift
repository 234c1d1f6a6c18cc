/// A builtin function: its name, signature, documentation and implementation.
///
/// Builtins are values in a table (Wren's and Lua's way): `help()`, `?name`,
/// tab completion and argument checking all read the same entry. The body
/// receives arguments already bound to parameters and checked against their
/// declared types, so it only converts and calls into the numerics layer.
public struct Builtin {
  /// The implementation: bound arguments in, a value out.
  ///
  /// Throw `BuiltinError` for a bad argument (the interpreter points at that
  /// argument) or any other error (the interpreter points at the call and
  /// prints the error's description).
  public typealias Body = (Arguments, BuiltinContext) throws -> Value

  /// The name the language calls it by.
  public let name: String
  /// Its parameters.
  public let signature: Signature
  /// One line: what it returns or does.
  public let abstract: String
  /// A paragraph or more: conventions, edge cases, what it matches.
  public let discussion: String
  /// One or two lines of flar that use it.
  public let examples: [String]
  /// The implementation.
  public let body: Body

  /// Creates a builtin.
  public init(
    _ name: String, _ signature: Signature, abstract: String,
    discussion: String = "",
    examples: [String] = [], body: @escaping Body
  ) {
    self.name = name
    self.signature = signature
    self.abstract = abstract
    self.discussion = discussion
    self.examples = examples
    self.body = body
  }

  /// `name(a, b=1, rest…, key=nil)`, as `help` prints it.
  public var synopsis: String { "\(name)(\(signature))" }
}

/// The parameters of a builtin.
///
/// `parameters` may be passed by position or by name, in order; `variadic`
/// collects the positional arguments after them (`print(a, b, …)`); `options`
/// can only be passed by name (`plot(y1, y2, …, log=true)`).
public struct Signature: CustomStringConvertible {
  /// Positional-or-named parameters, in order.
  public var parameters: [BuiltinParameter]
  /// The parameter that collects further positional arguments.
  public var variadic: BuiltinParameter?
  /// Named-only parameters.
  public var options: [BuiltinParameter]

  /// Creates a signature.
  public init(
    _ parameters: [BuiltinParameter] = [], variadic: BuiltinParameter? = nil,
    options: [BuiltinParameter] = []
  ) {
    self.parameters = parameters
    self.variadic = variadic
    self.options = options
  }

  /// Every parameter that can be named.
  public var namedParameters: [BuiltinParameter] { parameters + options }

  /// `a, b=1, rest…, key=nil`.
  public var description: String {
    var parts = parameters.map(\.synopsis)
    if let variadic { parts.append("\(variadic.name)…") }
    parts += options.map(\.synopsis)
    return parts.joined(separator: ", ")
  }
}

/// One parameter of a builtin: a name, a type and an optional default.
public struct BuiltinParameter {
  /// The name, usable as a named argument.
  public var name: String
  /// What values it accepts.
  public var type: ParameterType
  /// The default; nil means the argument is required.
  public var defaultValue: Value?

  /// A required parameter.
  public static func required(_ name: String, _ type: ParameterType)
    -> BuiltinParameter
  {
    BuiltinParameter(name: name, type: type, defaultValue: nil)
  }

  /// An optional parameter with a default.
  public static func optional(
    _ name: String, _ type: ParameterType, default value: Value
  ) -> BuiltinParameter {
    BuiltinParameter(name: name, type: type, defaultValue: value)
  }

  /// `name` or `name=default`.
  public var synopsis: String {
    defaultValue.map { "\(name)=\(ValueFormatter.repr($0))" } ?? name
  }
}

/// The kinds of value a parameter accepts; the shared validators check them.
public indirect enum ParameterType {
  /// Anything.
  case any
  /// A number.
  case number
  /// A number with no fraction.
  case integer
  /// A string.
  case string
  /// `true` or `false`.
  case bool
  /// A matrix, a handle that stands for one, a number, or a (nested) list of numbers.
  case matrix
  /// A number, a list of numbers, a range or a matrix: what reductions take.
  case numeric
  /// A list, or a range (read as the list of its values).
  case list
  /// A function, user-defined or builtin.
  case function
  /// One of the given strings.
  case choice([String])
  /// One of the given strings, or a number (`shrink(method=0.1)`).
  case choiceOrNumber([String])
  /// One of several types.
  case either([ParameterType])
  /// A handle whose `typeName` is the given one (`"model"`, `"svd"`).
  case handle(String)

  /// `a number`, `"lw", "oas" or "reference"`: what messages say is expected.
  public var expectation: String {
    switch self {
    case .any: return "any value"
    case .number: return "a number"
    case .integer: return "an integer"
    case .string: return "a string"
    case .bool: return "true or false"
    case .matrix: return "a matrix"
    case .numeric: return "a number, a list of numbers or a matrix"
    case .list: return "a list"
    case .function: return "a function"
    case .choice(let names): return Self.alternatives(names.map { "\"\($0)\"" })
    case .choiceOrNumber(let names):
      return Self.alternatives(names.map { "\"\($0)\"" } + ["a number"])
    case .either(let types): return Self.alternatives(types.map(\.expectation))
    case .handle(let typeName):
      let vowel = typeName.first.map { "aeiou".contains($0) } ?? false
      return (vowel ? "an " : "a ") + typeName
    }
  }

  /// `a, b or c`.
  static func alternatives(_ items: [String]) -> String {
    guard items.count > 1 else { return items.first ?? "" }
    return items.dropLast().joined(separator: ", ") + " or " + items.last!
  }
}
