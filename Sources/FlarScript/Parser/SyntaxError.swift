/// A construct still open where the input ended or broke off.
public struct Opener: Sendable, Equatable {
  /// The opening token as written: `(`, `for`, `def`.
  public var text: String
  /// The token that closes it: `)`, `end`.
  public var closer: String
  /// Where the opener is.
  public var range: SourceRange
  /// The opener's line and column, for messages.
  public var location: SourceLocation
}

/// Problems found by the lexer and parser.
public enum SyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A token-level problem.
  case lexical(LexError)
  /// An operand is missing: `expected expression after '+'`.
  case expectedExpression(after: String?)
  /// A specific token is missing: `expected 'then' after the condition of 'if', found 'do'`.
  case expectedToken(String, context: String, found: String)
  /// A bracket or block is not closed where it should be.
  case unclosed(Opener, found: String)
  /// The input ended inside brackets or a block; the REPL reads another line.
  case unexpectedEndOfInput(openers: [Opener])
  /// A token that cannot start a statement or an expression.
  case unexpectedToken(String)
  /// Two statements on one line without `;`.
  case expectedSeparator(found: String)
  /// The left side of `=` is not a name, a `.field` or an `[index]`.
  case invalidAssignmentTarget
  /// `break` outside `for` and `while`.
  case breakOutsideLoop
  /// `return` outside `def`.
  case returnOutsideFunction
  /// A `def` names the same parameter twice.
  case duplicateParameter(String)
  /// A parameter without default after one with a default.
  case requiredParameterAfterDefault(String)
  /// A positional argument after a named one.
  case positionalAfterNamed
  /// A range with a missing part outside index brackets.
  case openRangeOutsideIndex
  /// Parentheses, brackets or prefix operators nested too deeply.
  case nestedTooDeeply(Int)

  /// The message, lower-case and without a full stop.
  public var description: String {
    switch self {
    case .lexical(let error): return error.description
    case .expectedExpression(let after):
      return after.map { "expected expression after \($0)" }
        ?? "expected expression"
    case .expectedToken(let expected, let context, let found):
      return "expected \(expected) \(context), found \(found)"
    case .unclosed(let opener, let found):
      return
        "expected '\(opener.closer)' to close '\(opener.text)' at \(opener.location), found \(found)"
    case .unexpectedEndOfInput(let openers):
      guard let last = openers.last else { return "unexpected end of input" }
      return
        "unexpected end of input: expected '\(last.closer)' to close '\(last.text)' at \(last.location)"
    case .unexpectedToken(let found): return "unexpected \(found)"
    case .expectedSeparator(let found):
      return "expected end of line or ';' after statement, found \(found)"
    case .invalidAssignmentTarget:
      return
        "cannot assign to this expression (assign to a name, a .field or an [index])"
    case .breakOutsideLoop: return "'break' outside a loop"
    case .returnOutsideFunction: return "'return' outside a function"
    case .duplicateParameter(let name): return "duplicate parameter \"\(name)\""
    case .requiredParameterAfterDefault(let name):
      return
        "parameter \"\(name)\" without a default follows one with a default"
    case .positionalAfterNamed:
      return "positional argument after a named argument"
    case .nestedTooDeeply(let limit):
      return "expression nested more than \(limit) levels deep"
    case .openRangeOutsideIndex:
      return "a range needs a start and an end outside index brackets"
    }
  }

  /// True for the error that means "the input is not finished yet".
  public var isIncompleteInput: Bool {
    if case .unexpectedEndOfInput = self { return true }
    return false
  }
}

/// A syntax error with where it happened; what `Parser` collects.
public struct LocatedSyntaxError: Error, Equatable, Sendable {
  /// What is wrong.
  public var error: SyntaxError
  /// Where.
  public var range: SourceRange

  /// The error as a renderable diagnostic (with a note at an opener).
  public var diagnostic: Diagnostic {
    var notes: [Diagnostic.Note] = []
    if case .unclosed(let opener, _) = error {
      notes.append(
        .init(
          "'\(opener.text)' opened at \(opener.location)", range: opener.range))
    }
    return Diagnostic(error.description, at: range, notes: notes)
  }
}
