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
  /// Python written where flar spells it differently; the message shows flar's way.
  case pythonHabit(PythonHabit)
  /// A compound assignment (`+=`) to something other than a name, `.field` or `[index]`.
  case invalidCompoundTarget(String)
  /// More names before `in` than a loop or comprehension can bind.
  case tooManyLoopVariables

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
    case .pythonHabit(let habit): return habit.description
    case .invalidCompoundTarget(let op):
      return "cannot use '\(op)' on this expression (a name, a .field or an [index])"
    case .tooManyLoopVariables:
      return "a loop binds one name or two (for k, v in record)"
    }
  }

  /// True for the error that means "the input is not finished yet".
  public var isIncompleteInput: Bool {
    if case .unexpectedEndOfInput = self { return true }
    return false
  }
}

/// Python spelled where flar has its own spelling, or nothing.
///
/// Each message says what to write instead; the parser reports these at
/// once, never by waiting for more input.
public enum PythonHabit: Equatable, Sendable, CustomStringConvertible {
  /// `import numpy`, `from x import y`.
  case importStatement
  /// `True`, `False`, `None`.
  case capitalized(String)
  /// `lambda x: …`.
  case lambda
  /// `del x`.
  case del
  /// `f"…{x}"`.
  case formatString
  /// `x is None`, `x is not y`.
  case isOperator
  /// `if c:`, `else:`, `def f(x):`: a colon where flar opens a block with
  /// `then` or `do` (or nothing, after `def`) and closes it with `end`.
  case colonBlock(String)

  /// The message, lower-case and without a full stop.
  public var description: String {
    switch self {
    case .importStatement:
      return "flar has no modules: every builtin is global, see help()"
    case .capitalized(let word):
      let flar = ["True": "true", "False": "false", "None": "nil"][word] ?? word.lowercased()
      return "flar spells \(word) as \(flar): use true / false / nil"
    case .lambda:
      return "flar has no lambda: define a function, def f(x) return x * 2 end"
    case .del:
      return "flar has no del: bind the name to nil (x = nil) or build a new list or record"
    case .formatString:
      return "flar has no f-strings: join with + and str(), as \"rank \" + str(r)"
    case .isOperator:
      return "flar has no 'is': compare with == or != (x == nil)"
    case .colonBlock(let keyword):
      let shape: String
      switch keyword {
      case "while": shape = "while c do … end"
      case "for": shape = "for x in xs do … end"
      case "def": shape = "def f(x) … end"
      case "else": shape = "if c then … else … end"
      case "elif": shape = "if c then … elif d then … end"
      default: shape = "if c then … end"
      }
      return "':' does not open a block in flar; blocks end with 'end': \(shape)"
    }
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
