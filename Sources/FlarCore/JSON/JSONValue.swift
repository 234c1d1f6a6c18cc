// flar's one JSON value: the small JSON files of a model directory
// (config.json, tokenizer_config.json, a safetensors header), run manifests
// and table rows. Written and parsed without Foundation, so that key order
// and number text are under flar's control.
//
// Goals, in order: reject what the safetensors format forbids (duplicate
// keys, trailing garbage), keep key order so that a saved config.json reads
// like the original, and stay small. Numbers keep their source text so that
// integers such as byte offsets are read exactly, not through a Double.

/// A parsed JSON value; objects keep their keys in source order.
///
/// Not `indirect`: arrays and objects already hold their elements on the
/// heap, so a box per value would only add an allocation each. An indirect
/// enum's box pointer also carries the case in its high bits, where
/// LeakSanitizer's scan does not see a pointer, so JSON held in a static
/// (a test fixture, a cache) read as leaked (RELIABILITY.md).
public enum JSONValue: Sendable, Equatable {
  case null
  case bool(Bool)
  /// A number as written in the source (or produced by `init(integer:)`).
  case number(String)
  case string(String)
  case array([JSONValue])
  /// Key–value pairs in source order; keys are unique (the parser checks).
  case object([(String, JSONValue)])

  public static func == (a: JSONValue, b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.number(let x), .number(let y)): return x == y
    case (.string(let x), .string(let y)): return x == y
    case (.array(let x), .array(let y)): return x == y
    case (.object(let x), .object(let y)):
      return x.count == y.count
        && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    default: return false
    }
  }

  /// A number value holding an integer.
  public init(integer: Int) { self = .number(String(integer)) }

  /// A number value holding a double in the shortest text that reads back
  /// to it (`NumberFormat.shortest`); NaN and infinities, which JSON cannot
  /// hold, become `null`.
  public init(double: Double) {
    self = double.isFinite ? .number(NumberFormat.shortest(double)) : .null
  }

  /// A number value holding `value`, as `init(double:)` writes it.
  public static func number(_ value: Double) -> JSONValue { JSONValue(double: value) }

  /// An object holding `members` with its keys sorted, so that the same
  /// dictionary always gives the same text.
  public static func object(_ members: [String: JSONValue]) -> JSONValue {
    .object(members.keys.sorted().map { ($0, members[$0]!) })
  }

  /// Parses JSON text held in `bytes`, as `parseJSON(_:)` in FlarModels.
  ///
  /// - Throws: `JSONError` with the byte offset of the problem.
  public static func parse<C: Collection<UInt8>>(_ bytes: C) throws -> JSONValue {
    try parseJSONText(bytes)
  }

  /// The member `key` of an object, or nil.
  public subscript(key: String) -> JSONValue? {
    guard case .object(let pairs) = self else { return nil }
    return pairs.first { $0.0 == key }?.1
  }

  /// The string, when this is a string.
  public var stringValue: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  /// The boolean, when this is a boolean.
  public var boolValue: Bool? {
    if case .bool(let b) = self { return b }
    return nil
  }

  /// The number as a `Double`, when this is a number.
  public var doubleValue: Double? {
    if case .number(let s) = self { return Double(s) }
    return nil
  }

  /// The number as an `Int`, when it is written as an integer that fits.
  public var intValue: Int? {
    guard case .number(let s) = self else { return nil }
    if let i = Int(s) { return i }
    // `1.0` or `1e3` are integers too when they are exact.
    if let d = Double(s), d.rounded() == d, abs(d) < 9.0e15 { return Int(d) }
    return nil
  }

  /// The elements, when this is an array.
  public var arrayValue: [JSONValue]? {
    if case .array(let a) = self { return a }
    return nil
  }

  /// The pairs, when this is an object.
  public var objectValue: [(String, JSONValue)]? {
    if case .object(let o) = self { return o }
    return nil
  }

  /// This object with `key` set to `value` (replaced in place or appended).
  public func setting(_ key: String, to value: JSONValue) -> JSONValue {
    guard case .object(var pairs) = self else { return self }
    if let i = pairs.firstIndex(where: { $0.0 == key }) {
      pairs[i].1 = value
    } else {
      pairs.append((key, value))
    }
    return .object(pairs)
  }

  /// The value written as JSON text, indented by two spaces per level.
  public func serialized(indent: Int = 0) -> String {
    var out = ""
    write(into: &out, level: 0, pretty: indent > 0)
    return out
  }

  private func write(into out: inout String, level: Int, pretty: Bool) {
    let pad = pretty ? String(repeating: "  ", count: level + 1) : ""
    let closePad = pretty ? String(repeating: "  ", count: level) : ""
    let newline = pretty ? "\n" : ""
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .number(let s): out += s
    case .string(let s): out += JSONValue.quoted(s)
    case .array(let items):
      if items.isEmpty {
        out += "[]"
        return
      }
      out += "[" + newline
      for (i, item) in items.enumerated() {
        out += pad
        item.write(into: &out, level: level + 1, pretty: pretty)
        out += (i + 1 < items.count ? "," : "") + newline
      }
      out += closePad + "]"
    case .object(let pairs):
      if pairs.isEmpty {
        out += "{}"
        return
      }
      out += "{" + newline
      for (i, (key, value)) in pairs.enumerated() {
        out += pad
        out += JSONValue.quoted(key)
        out += pretty ? ": " : ":"
        value.write(into: &out, level: level + 1, pretty: pretty)
        out += (i + 1 < pairs.count ? "," : "") + newline
      }
      out += closePad + "}"
    }
  }

  /// The compact JSON text on one line, with a space after each `,` and
  /// `:` as manifests print it: `{"a": 1, "b": [true, null]}`.
  public var text: String {
    switch self {
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .number(let s): return s
    case .string(let s): return Self.quoted(s)
    case .array(let items): return "[" + items.map(\.text).joined(separator: ", ") + "]"
    case .object(let pairs):
      return "{" + pairs.map { Self.quoted($0.0) + ": " + $0.1.text }.joined(separator: ", ") + "}"
    }
  }

  /// The JSON text with one member per line at the top level, indented by
  /// `indent` spaces; nested values stay compact (`text`).
  public func lines(indent: Int) -> String {
    guard case .object(let pairs) = self, !pairs.isEmpty else { return text }
    let pad = String(repeating: " ", count: indent + 2)
    let body = pairs.map { pad + Self.quoted($0.0) + ": " + $0.1.text }
    return "{\n" + body.joined(separator: ",\n") + "\n"
      + String(repeating: " ", count: indent) + "}"
  }

  /// `s` as a JSON string literal (RFC 8259 §7): quote, backslash and
  /// control characters escaped, everything else kept as UTF-8.
  public static func quoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}
