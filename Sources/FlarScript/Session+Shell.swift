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
      return (
        partial.count,
        Array(Set(completions(prefix: partial) + keywords)).sorted()
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
