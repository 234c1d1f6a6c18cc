import FlarCore

/// The kinds of token the lexer produces.
public enum TokenKind: Hashable, Sendable {
  /// A number literal, already converted.
  case number(Double)
  /// A string literal with its escapes resolved.
  case string(String)
  /// An identifier.
  case name(String)
  /// A reserved word.
  case keyword(Keyword)
  /// An operator or punctuation mark.
  case symbol(Symbol)
  /// The statement separator: a newline outside brackets.
  case newline
  /// The end of the input.
  case endOfInput
}

/// The reserved words of the language.
public enum Keyword: String, CaseIterable, Sendable {
  case ifKeyword = "if"
  case then, elif
  case elseKeyword = "else"
  case end
  case forKeyword = "for"
  case inKeyword = "in"
  case doKeyword = "do"
  case whileKeyword = "while"
  case breakKeyword = "break"
  case def
  case returnKeyword = "return"
  case and, or, not
  case trueKeyword = "true"
  case falseKeyword = "false"
  case nilKeyword = "nil"
}

/// Operators and punctuation, spelled as in source.
public enum Symbol: String, CaseIterable, Sendable {
  case plus = "+"
  case minus = "-"
  case star = "*"
  case slash = "/"
  /// `**`, Python's power: the same operator as `^`.
  case starStar = "**"
  /// `//`, floor division as Python's.
  case slashSlash = "//"
  case plusEqual = "+="
  case minusEqual = "-="
  case starEqual = "*="
  case slashEqual = "/="
  /// `?name` and `name?`, IPython's help.
  case question = "?"
  case percent = "%"
  case caret = "^"
  case at = "@"
  case pipe = "|>"
  case equalEqual = "=="
  case bangEqual = "!="
  case less = "<"
  case lessEqual = "<="
  case greater = ">"
  case greaterEqual = ">="
  case equal = "="
  case dot = "."
  case comma = ","
  case colon = ":"
  case semicolon = ";"
  case leftParen = "("
  case rightParen = ")"
  case leftBracket = "["
  case rightBracket = "]"
  case leftBrace = "{"
  case rightBrace = "}"
}

/// One token with the range of source it came from.
public struct Token: Sendable, Equatable {
  /// What the token is.
  public var kind: TokenKind
  /// Where it is.
  public var range: SourceRange

  /// Creates a token.
  public init(_ kind: TokenKind, _ range: SourceRange) {
    self.kind = kind
    self.range = range
  }

  /// True when the token is the symbol `symbol`.
  public func isSymbol(_ symbol: Symbol) -> Bool { kind == .symbol(symbol) }

  /// True when the token is the keyword `keyword`.
  public func isKeyword(_ keyword: Keyword) -> Bool {
    kind == .keyword(keyword)
  }
}

extension TokenKind: CustomStringConvertible {
  /// How messages quote a token: `')'`, `'end'`, `name "x"`, `end of input`.
  public var description: String {
    switch self {
    case .number(let value): return "number \(NumberFormat.shortest(value))"
    case .string: return "string"
    case .name(let name): return "name \"\(name)\""
    case .keyword(let keyword): return "'\(keyword.rawValue)'"
    case .symbol(let symbol): return "'\(symbol.rawValue)'"
    case .newline: return "end of line"
    case .endOfInput: return "end of input"
    }
  }
}
