/// Problems found while splitting source into tokens.
public enum LexError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A character that starts no token.
  case unexpectedCharacter(Character)
  /// A string literal with no closing quote on its line.
  case unterminatedString
  /// A backslash followed by a character that is not `n t " \`.
  case invalidEscape(Character)
  /// A number such as `1e` or `2.5e+` without exponent digits.
  case malformedNumber(String)
  /// `!` not followed by `=`.
  case loneBang

  /// The message, lower-case and without a full stop.
  public var description: String {
    switch self {
    case .unexpectedCharacter(let c): return "unexpected character '\(c)'"
    case .unterminatedString: return "unterminated string"
    case .invalidEscape(let c):
      return "invalid escape '\\\(c)' in string (use \\n, \\t, \\\" or \\\\)"
    case .malformedNumber(let text): return "malformed number '\(text)'"
    case .loneBang:
      return "unexpected '!' (use 'not' for negation, '!=' for inequality)"
    }
  }
}
