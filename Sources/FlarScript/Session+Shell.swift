/// What the shell asks of a session besides running code: completion and `:vars`.
extension Session {
  /// Completion candidates for the text before the cursor.
  ///
  /// After `name.` or `name.field.` the candidates are the fields of that
  /// value (records and handles, looked up without running any call); after
  /// a bare prefix they are variables, builtins and keywords. Inside a string
  /// there are none here (the shell completes layer names and paths itself).
  ///
  /// - Returns: how many characters before the cursor the candidates replace,
  ///   and the sorted candidates.
  public func completions(before text: String) -> (
    replacing: Int, candidates: [String]
  ) {
    guard !Self.isInsideString(text) else { return (0, []) }
    let word = String(
      text.reversed().prefix {
        $0.isLetter || $0.isNumber || $0 == "_" || $0 == "."
      }.reversed())
    var parts = word.split(separator: ".", omittingEmptySubsequences: false)
      .map(String.init)
    let partial = parts.removeLast()
    guard !parts.isEmpty else {
      let keywords = Keyword.allCases.map(\.rawValue).filter {
        $0.hasPrefix(partial)
      }
      // Inside a call, at an argument's start: its parameter names first,
      // as `name=`, then the variables and builtins an argument may be.
      var arguments: [String] = []
      if let call = Self.openCall(before: text), call.argument == nil {
        arguments = parameterNames(of: call.callee).map { $0 + "=" }.filter {
          $0.hasPrefix(partial)
        }
      }
      return (
        partial.count,
        arguments + Array(Set(completions(prefix: partial) + keywords)).sorted()
      )
    }
    guard var value = interpreter.global(parts[0]) else {
      return (partial.count, [])
    }
    for name in parts.dropFirst() {
      guard let next = Self.field(name, of: value) else {
        return (partial.count, [])
      }
      value = next
    }
    return (
      partial.count,
      Self.fieldNames(of: value).filter { $0.hasPrefix(partial) }.sorted()
    )
  }

  /// The allowed values of the string argument being typed before the
  /// cursor (`compress(m, method="` → the methods), or nil when the
  /// argument takes no fixed set of strings.
  ///
  /// - Parameter partial: the text typed so far inside the string.
  public func choiceCompletions(before text: String, partial: String) -> [String]? {
    guard let call = Self.openCall(before: text), let argument = call.argument,
      case .function(.builtin(let builtin))? = callee(call.callee)
    else { return nil }
    let parameter: BuiltinParameter?
    if argument.hasPrefix("#") {
      parameter = Int(argument.dropFirst()).flatMap {
        builtin.signature.parameters.indices.contains($0) ? builtin.signature.parameters[$0] : nil
      }
    } else {
      parameter = builtin.signature.namedParameters.first { $0.name == argument }
    }
    switch parameter?.type {
    case .choice(let names)?, .choiceOrNumber(let names)?:
      return names.filter { $0.hasPrefix(partial) }.sorted()
    default: return nil
    }
  }

  /// The function a call's callee name stands for: a variable, else a builtin.
  private func callee(_ name: String) -> Value? {
    if let value = interpreter.global(name) { return value }
    return registry[name].map { .function(.builtin($0)) }
  }

  /// The parameter names a call of `name` accepts.
  private func parameterNames(of name: String) -> [String] {
    switch callee(name) {
    case .function(.builtin(let builtin))?: return builtin.signature.namedParameters.map(\.name)
    case .function(.user(let function))?: return function.declaration.parameters.map(\.name)
    default: return []
    }
  }

  /// The innermost call left open before the cursor: its callee's name, and
  /// the argument being typed — its name after `name=`, `#i` for the i-th
  /// positional one once something is typed, nil at an argument's start.
  static func openCall(before text: String) -> (callee: String, argument: String?)? {
    let characters = Array(text)
    var opens: [Int] = []
    var inside = false
    var escaped = false
    for (i, c) in characters.enumerated() {
      if escaped {
        escaped = false
        continue
      }
      if inside {
        if c == "\\" { escaped = true } else if c == "\"" { inside = false }
        continue
      }
      switch c {
      case "\"": inside = true
      case "#": return nil
      case "(", "[", "{": opens.append(i)
      case ")", "]", "}": _ = opens.popLast()
      default: break
      }
    }
    guard let open = opens.last, characters[open] == "(" else { return nil }
    let name = String(
      characters[..<open].reversed().prefix { $0.isLetter || $0.isNumber || $0 == "_" }.reversed())
    guard let first = name.first, first.isLetter || first == "_" else { return nil }
    // The arguments typed so far, split at top-level commas.
    var arguments: [String] = [""]
    var depth = 0
    inside = false
    escaped = false
    for c in characters[(open + 1)...] {
      if escaped {
        escaped = false
      } else if inside {
        if c == "\\" { escaped = true } else if c == "\"" { inside = false }
      } else if c == "\"" {
        inside = true
      } else if "([{".contains(c) {
        depth += 1
      } else if ")]}".contains(c) {
        depth -= 1
      } else if c == ",", depth == 0 {
        arguments.append("")
        continue
      }
      arguments[arguments.count - 1].append(c)
    }
    let current = arguments.last!.trimmingWhitespace()
    if let equals = current.firstIndex(of: "="),
      current[..<equals].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == " " })
    {
      return (name, current[..<equals].trimmingWhitespace())
    }
    let isBareWord = current.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    return (name, isBareWord ? nil : "#\(arguments.count - 1)")
  }

  /// One `(name, type, summary)` per global variable, for `:vars`; the
  /// summary is the first line of the value's text, cut to 60 characters.
  public func variableSummaries() -> [(
    name: String, type: String, summary: String
  )] {
    variableNames.compactMap { name in
      guard let value = interpreter.global(name) else { return nil }
      let firstLine =
        ValueFormatter.repr(value).split(separator: "\n").first.map(String.init)
        ?? ""
      let summary =
        firstLine.count > 60 ? String(firstLine.prefix(57)) + "..." : firstLine
      return (name, value.typeName, summary)
    }
  }

  /// True when the text ends inside an unclosed string literal.
  static func isInsideString(_ text: String) -> Bool {
    var inside = false
    var escaped = false
    for c in text {
      if escaped {
        escaped = false
      } else if c == "\\" && inside {
        escaped = true
      } else if c == "\"" {
        inside.toggle()
      } else if c == "#" && !inside {
        return false
      }
    }
    return inside
  }

  private static func field(_ name: String, of value: Value) -> Value? {
    switch value {
    case .record(let box): return box[name]
    case .handle(let handle): return handle.field(named: name)
    default: return nil
    }
  }

  private static func fieldNames(of value: Value) -> [String] {
    switch value {
    case .record(let box): return box.keys
    case .handle(let handle): return handle.fieldNames
    case .matrix: return ["T", "shape"]
    default: return []
    }
  }
}
