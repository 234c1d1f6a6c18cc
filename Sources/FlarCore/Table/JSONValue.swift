/// A JSON value, for manifests and table rows, written without Foundation
/// so that key order and number text are under flar's control.
public enum JSONValue: Sendable, Equatable {
  case null
  case bool(Bool)
  /// Written in the shortest round-trip notation; NaN and infinities, which
  /// JSON cannot hold, are written as `null`.
  case number(Double)
  case string(String)
  case array([JSONValue])
  /// Written with its keys sorted, so the same object gives the same text.
  case object([String: JSONValue])

  /// The compact JSON text: `{"a": 1, "b": [true, null]}`.
  public var text: String {
    switch self {
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .number(let v): return v.isFinite ? NumberFormat.shortest(v) : "null"
    case .string(let s): return Self.quoted(s)
    case .array(let items):
      return "[" + items.map(\.text).joined(separator: ", ") + "]"
    case .object(let members):
      let body = members.keys.sorted().map {
        Self.quoted($0) + ": " + members[$0]!.text
      }
      return "{" + body.joined(separator: ", ") + "}"
    }
  }

  /// The JSON text with one member per line at the top level, indented by
  /// `indent` spaces; nested values stay compact.
  func lines(indent: Int) -> String {
    guard case .object(let members) = self, !members.isEmpty else {
      return text
    }
    let pad = String(repeating: " ", count: indent + 2)
    let body = members.keys.sorted().map {
      pad + Self.quoted($0) + ": " + members[$0]!.text
    }
    return "{\n" + body.joined(separator: ",\n") + "\n"
      + String(repeating: " ", count: indent) + "}"
  }

  /// `s` as a JSON string literal (RFC 8259 §7): quote, backslash and
  /// control characters escaped, everything else kept as UTF-8.
  static func quoted(_ s: String) -> String {
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
