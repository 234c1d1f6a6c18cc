// A strict RFC 8259 JSON parser over UTF-8 bytes.
//
// Foundation's JSONSerialization keeps the last of two equal keys without a
// word; the safetensors format forbids duplicates, so flar parses with its
// own code and reports the key and where it sits. Positions are byte offsets
// into the parsed text.

/// Why a JSON text could not be parsed; `offset` is a byte offset.
public enum JSONError: Error, Equatable, CustomStringConvertible {
  case unexpectedEnd(expected: String)
  case unexpectedByte(offset: Int, found: String, expected: String)
  case duplicateKey(key: String, offset: Int)
  case invalidNumber(offset: Int)
  case invalidEscape(offset: Int)
  case invalidUTF8(offset: Int)
  case trailingContent(offset: Int)
  case tooDeep(offset: Int)

  public var description: String {
    switch self {
    case .unexpectedEnd(let e): return "unexpected end of text, expected \(e)"
    case .unexpectedByte(let o, let f, let e):
      return "unexpected \(f) at byte \(o), expected \(e)"
    case .duplicateKey(let k, let o): return "duplicate key \"\(k)\" at byte \(o)"
    case .invalidNumber(let o): return "malformed number at byte \(o)"
    case .invalidEscape(let o): return "malformed escape sequence at byte \(o)"
    case .invalidUTF8(let o): return "invalid UTF-8 in string at byte \(o)"
    case .trailingContent(let o): return "content after the value at byte \(o)"
    case .tooDeep(let o): return "nesting deeper than 512 levels at byte \(o)"
    }
  }
}

/// Parses JSON text held in `bytes`; whitespace may surround the value.
///
/// Reached as `JSONValue.parse(_:)`, and as `parseJSON(_:)` from FlarModels.
///
/// - Throws: `JSONError` with the byte offset of the problem.
func parseJSONText<C: Collection<UInt8>>(_ bytes: C) throws -> JSONValue {
  let buffer = Array(bytes)
  var parser = JSONParser(bytes: buffer)
  parser.skipWhitespace()
  let value = try parser.parseValue(depth: 0)
  parser.skipWhitespace()
  if parser.position < buffer.count {
    throw JSONError.trailingContent(offset: parser.position)
  }
  return value
}

private struct JSONParser {
  let bytes: [UInt8]
  var position = 0

  init(bytes: [UInt8]) { self.bytes = bytes }

  mutating func skipWhitespace() {
    while position < bytes.count,
      [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position])
    {
      position += 1
    }
  }

  func describe(_ b: UInt8) -> String {
    (0x21...0x7E).contains(b)
      ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16))"
  }

  mutating func expect(_ byte: UInt8, _ what: String) throws {
    guard position < bytes.count else { throw JSONError.unexpectedEnd(expected: what) }
    guard bytes[position] == byte else {
      throw JSONError.unexpectedByte(
        offset: position, found: describe(bytes[position]), expected: what)
    }
    position += 1
  }

  // value -> object | array | string | number | 'true' | 'false' | 'null'
  mutating func parseValue(depth: Int) throws -> JSONValue {
    guard depth < 512 else { throw JSONError.tooDeep(offset: position) }
    guard position < bytes.count else { throw JSONError.unexpectedEnd(expected: "a value") }
    switch bytes[position] {
    case UInt8(ascii: "{"): return try parseObject(depth: depth)
    case UInt8(ascii: "["): return try parseArray(depth: depth)
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"):
      try literal("true")
      return .bool(true)
    case UInt8(ascii: "f"):
      try literal("false")
      return .bool(false)
    case UInt8(ascii: "n"):
      try literal("null")
      return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      return .number(try parseNumber())
    default:
      throw JSONError.unexpectedByte(
        offset: position, found: describe(bytes[position]), expected: "a value")
    }
  }

  mutating func literal(_ word: String) throws {
    for b in word.utf8 { try expect(b, "'\(word)'") }
  }

  // object -> '{' (string ':' value (',' string ':' value)*)? '}'
  mutating func parseObject(depth: Int) throws -> JSONValue {
    position += 1
    var pairs: [(String, JSONValue)] = []
    var seen = Set<String>()
    skipWhitespace()
    if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
      position += 1
      return .object(pairs)
    }
    while true {
      skipWhitespace()
      let keyOffset = position
      guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
        if position >= bytes.count { throw JSONError.unexpectedEnd(expected: "a key") }
        throw JSONError.unexpectedByte(
          offset: position, found: describe(bytes[position]), expected: "a key")
      }
      let key = try parseString()
      guard seen.insert(key).inserted else {
        throw JSONError.duplicateKey(key: key, offset: keyOffset)
      }
      skipWhitespace()
      try expect(UInt8(ascii: ":"), "':'")
      skipWhitespace()
      pairs.append((key, try parseValue(depth: depth + 1)))
      skipWhitespace()
      guard position < bytes.count else { throw JSONError.unexpectedEnd(expected: "',' or '}'") }
      if bytes[position] == UInt8(ascii: ",") {
        position += 1
        continue
      }
      try expect(UInt8(ascii: "}"), "',' or '}'")
      return .object(pairs)
    }
  }

  // array -> '[' (value (',' value)*)? ']'
  mutating func parseArray(depth: Int) throws -> JSONValue {
    position += 1
    var items: [JSONValue] = []
    skipWhitespace()
    if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
      position += 1
      return .array(items)
    }
    while true {
      skipWhitespace()
      items.append(try parseValue(depth: depth + 1))
      skipWhitespace()
      guard position < bytes.count else { throw JSONError.unexpectedEnd(expected: "',' or ']'") }
      if bytes[position] == UInt8(ascii: ",") {
        position += 1
        continue
      }
      try expect(UInt8(ascii: "]"), "',' or ']'")
      return .array(items)
    }
  }

  // number -> '-'? int frac? exp?   (RFC 8259 §6)
  mutating func parseNumber() throws -> String {
    let start = position
    func digits() -> Int {
      let s = position
      while position < bytes.count, (0x30...0x39).contains(bytes[position]) { position += 1 }
      return position - s
    }
    if bytes[position] == UInt8(ascii: "-") { position += 1 }
    let intStart = position
    let n = digits()
    guard n > 0, !(n > 1 && bytes[intStart] == 0x30) else {
      throw JSONError.invalidNumber(offset: start)
    }
    if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
      position += 1
      guard digits() > 0 else { throw JSONError.invalidNumber(offset: start) }
    }
    if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
      position += 1
      if position < bytes.count, bytes[position] == 0x2B || bytes[position] == 0x2D {
        position += 1
      }
      guard digits() > 0 else { throw JSONError.invalidNumber(offset: start) }
    }
    return String(decoding: bytes[start..<position], as: UTF8.self)
  }

  // string -> '"' (char | escape)* '"'
  mutating func parseString() throws -> String {
    let open = position
    position += 1
    var out: [UInt8] = []
    while true {
      guard position < bytes.count else { throw JSONError.unexpectedEnd(expected: "'\"'") }
      let b = bytes[position]
      if b == UInt8(ascii: "\"") {
        position += 1
        break
      }
      if b < 0x20 {
        throw JSONError.unexpectedByte(
          offset: position, found: describe(b), expected: "a string character")
      }
      if b != UInt8(ascii: "\\") {
        out.append(b)
        position += 1
        continue
      }
      try parseEscape(into: &out)
    }
    guard let s = String(validating: out, as: UTF8.self) else {
      throw JSONError.invalidUTF8(offset: open)
    }
    return s
  }

  mutating func parseEscape(into out: inout [UInt8]) throws {
    let at = position
    guard position + 1 < bytes.count else { throw JSONError.invalidEscape(offset: at) }
    let c = bytes[position + 1]
    position += 2
    let simple: [UInt8: UInt8] = [
      0x22: 0x22, 0x5C: 0x5C, 0x2F: 0x2F, 0x62: 0x08, 0x66: 0x0C, 0x6E: 0x0A,
      0x72: 0x0D, 0x74: 0x09,
    ]
    if let v = simple[c] {
      out.append(v)
      return
    }
    guard c == UInt8(ascii: "u") else { throw JSONError.invalidEscape(offset: at) }
    var code = try hex4(at: at)
    if (0xD800..<0xDC00).contains(code) {
      // A high surrogate must be followed by an escaped low surrogate.
      guard position + 1 < bytes.count, bytes[position] == 0x5C,
        bytes[position + 1] == UInt8(ascii: "u")
      else { throw JSONError.invalidEscape(offset: at) }
      position += 2
      let low = try hex4(at: at)
      guard (0xDC00..<0xE000).contains(low) else { throw JSONError.invalidEscape(offset: at) }
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
    }
    guard let scalar = Unicode.Scalar(code) else { throw JSONError.invalidEscape(offset: at) }
    out.append(contentsOf: Array(String(Character(scalar)).utf8))
  }

  mutating func hex4(at: Int) throws -> UInt32 {
    guard position + 4 <= bytes.count,
      let v = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16)
    else { throw JSONError.invalidEscape(offset: at) }
    position += 4
    return v
  }
}
