/// Splits source text into tokens with byte ranges.
///
/// Newlines are statement separators, except inside `()`, `[]` and `{}`,
/// where an expression may span lines. `#` starts a comment that runs to the
/// end of the line. The lexer never stops at a bad character: it records an
/// error and goes on, so that one pass reports every problem.
public struct Lexer {
  private let bytes: [UInt8]
  private var position = 0
  private var bracketDepth = 0
  /// Errors found so far, with their ranges.
  public private(set) var errors: [(error: LexError, range: SourceRange)] = []

  /// Creates a lexer over a source file.
  public init(_ file: SourceFile) {
    self.bytes = file.bytes
  }

  /// Tokenises the whole input; the last token is always `.endOfInput`.
  public mutating func tokenize() -> [Token] {
    var tokens: [Token] = []
    while true {
      let token = nextToken()
      // Collapse runs of separators: blank lines carry no meaning.
      if token.kind == .newline, tokens.last?.kind == .newline { continue }
      tokens.append(token)
      if token.kind == .endOfInput { return tokens }
    }
  }

  private func peek(_ ahead: Int = 0) -> UInt8? {
    position + ahead < bytes.count ? bytes[position + ahead] : nil
  }

  private mutating func nextToken() -> Token {
    skipSpaceAndComments()
    let start = position
    guard let byte = peek() else { return Token(.endOfInput, .point(start)) }
    if byte == UInt8(ascii: "\n") {
      position += 1
      return Token(.newline, SourceRange(start: start, end: position))
    }
    if isDigit(byte) { return number() }
    if isNameStart(byte) { return name() }
    if byte == UInt8(ascii: "\"") { return string() }
    if let symbol = symbol() {
      switch symbol {
      case .leftParen, .leftBracket, .leftBrace: bracketDepth += 1
      case .rightParen, .rightBracket, .rightBrace:
        bracketDepth = max(0, bracketDepth - 1)
      default: break
      }
      return Token(.symbol(symbol), SourceRange(start: start, end: position))
    }
    if byte == UInt8(ascii: "!") {
      position += 1
      errors.append((.loneBang, SourceRange(start: start, end: position)))
      return nextToken()
    }
    let character = characterAtPosition()
    errors.append(
      (
        .unexpectedCharacter(character),
        SourceRange(start: start, end: position)
      ))
    return nextToken()
  }

  /// Skips blanks, comments, and newlines that sit inside brackets.
  private mutating func skipSpaceAndComments() {
    while let byte = peek() {
      switch byte {
      case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
        position += 1
      case UInt8(ascii: "\n") where bracketDepth > 0:
        position += 1
      case UInt8(ascii: "#"):
        while let next = peek(), next != UInt8(ascii: "\n") { position += 1 }
      default:
        return
      }
    }
  }

  // number -> DIGITS ('.' DIGITS)? (('e' | 'E') ('+' | '-')? DIGITS)?
  private mutating func number() -> Token {
    let start = position
    while let b = peek(), isDigit(b) { position += 1 }
    if peek() == UInt8(ascii: "."), let next = peek(1), isDigit(next) {
      position += 1
      while let b = peek(), isDigit(b) { position += 1 }
    }
    if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
      position += 1
      if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") {
        position += 1
      }
      let digitsStart = position
      while let b = peek(), isDigit(b) { position += 1 }
      if position == digitsStart {
        let range = SourceRange(start: start, end: position)
        errors.append((.malformedNumber(text(range)), range))
        return Token(.number(0), range)
      }
    }
    let range = SourceRange(start: start, end: position)
    return Token(.number(Double(text(range)) ?? 0), range)
  }

  // name -> (LETTER | '_') (LETTER | DIGIT | '_')*
  private mutating func name() -> Token {
    let start = position
    while let b = peek(), isNameStart(b) || isDigit(b) { position += 1 }
    let range = SourceRange(start: start, end: position)
    let word = text(range)
    if let keyword = Keyword(rawValue: word) {
      return Token(.keyword(keyword), range)
    }
    return Token(.name(word), range)
  }

  // string -> '"' (CHAR | '\' ('n' | 't' | '"' | '\'))* '"'
  private mutating func string() -> Token {
    let start = position
    position += 1
    var content: [UInt8] = []
    while let b = peek(), b != UInt8(ascii: "\"") {
      if b == UInt8(ascii: "\n") { break }
      if b == UInt8(ascii: "\\") {
        let escapeStart = position
        position += 1
        guard peek() != nil, peek() != UInt8(ascii: "\n") else { break }
        let escaped = characterAtPosition()
        switch escaped {
        case "n": content.append(UInt8(ascii: "\n"))
        case "t": content.append(UInt8(ascii: "\t"))
        case "\"": content.append(UInt8(ascii: "\""))
        case "\\": content.append(UInt8(ascii: "\\"))
        default:
          errors.append(
            (
              .invalidEscape(escaped),
              SourceRange(start: escapeStart, end: position)
            ))
        }
        continue
      }
      content.append(b)
      position += 1
    }
    let value = String(decoding: content, as: UTF8.self)
    guard peek() == UInt8(ascii: "\"") else {
      let range = SourceRange(start: start, end: position)
      errors.append((.unterminatedString, range))
      return Token(.string(value), range)
    }
    position += 1
    return Token(.string(value), SourceRange(start: start, end: position))
  }

  /// The longest operator at the current position, consumed.
  private mutating func symbol() -> Symbol? {
    if let a = peek(), let b = peek(1),
      let two = Symbol(rawValue: String(decoding: [a, b], as: UTF8.self))
    {
      position += 2
      return two
    }
    if let a = peek(),
      let one = Symbol(rawValue: String(decoding: [a], as: UTF8.self))
    {
      position += 1
      return one
    }
    return nil
  }

  /// Decodes and consumes one whole `Character` (which may be several bytes).
  private mutating func characterAtPosition() -> Character {
    var end = position + 1
    while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
    let scalarText = String(decoding: bytes[position..<end], as: UTF8.self)
    position = end
    return scalarText.first ?? "?"
  }

  private func text(_ range: SourceRange) -> String {
    String(decoding: bytes[range.start..<range.end], as: UTF8.self)
  }

  private func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }

  private func isNameStart(_ b: UInt8) -> Bool {
    (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == UInt8(ascii: "_")
  }
}
