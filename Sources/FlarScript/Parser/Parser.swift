/// Recursive-descent parser for statements; expressions use the Pratt table.
///
/// The parser collects every syntax error: after an error it skips to the
/// next statement boundary (`synchronize()`) and goes on, so a script reports
/// all of its mistakes at once. Running off the end of the input inside a
/// bracket or a block is reported as `unexpectedEndOfInput` and stops the
/// parse, since nothing after it can be checked and the REPL wants to know.
public struct Parser {
  let file: SourceFile
  var tokens: [Token]
  var current = 0
  /// Brackets and blocks open at the current token, innermost last.
  var openers: [Opener] = []
  var loopDepth = 0
  var functionDepth = 0
  /// How many prefix forms are open (parentheses, unary operators, operands
  /// of `^`); bounded by `maximumNesting`.
  var nesting = 0
  /// Deeper nesting is a syntax error rather than a stack overflow, as
  /// CPython's "too many nested parentheses".
  static let maximumNesting = 100
  /// True while parsing index brackets, where `:` and `2:` are allowed.
  var allowOpenRange = false
  /// The block keyword whose header (condition or iterable) is being parsed,
  /// with the opener depth of that header: a `:` there is Python's block
  /// opener, reported at once rather than read as a range.
  var blockHeader: (keyword: String, depth: Int)?
  /// Errors collected so far.
  public private(set) var errors: [LocatedSyntaxError] = []

  /// Creates a parser over a source file (lexing it at once).
  public init(_ file: SourceFile) {
    self.file = file
    var lexer = Lexer(file)
    self.tokens = lexer.tokenize()
    self.errors = lexer.errors.map {
      LocatedSyntaxError(error: .lexical($0.error), range: $0.range)
    }
  }

  /// Parses a whole program; check `errors` afterwards.
  ///
  ///     program -> separator* (statement separator+)* EOF
  public mutating func parseProgram() -> [Stmt] {
    var statements: [Stmt] = []
    do {
      while true {
        skipSeparators()
        if peek.kind == .endOfInput { break }
        let before = current
        if let statement = try parseRecovering(terminators: []) {
          statements.append(statement)
        }
        // Recovery must make progress; never loop on one token.
        if current == before { advance() }
      }
    } catch {
      errors.append(error)
    }
    dropErrorsOnLinesWithLexicalErrors()
    return statements
  }

  /// Removes parse errors on a line that already has a lexical error: the
  /// bad character was skipped, so what the parser then saw is an artefact
  /// (`x = 1 $ 2` would also report "expected end of line" at `2`).
  mutating func dropErrorsOnLinesWithLexicalErrors() {
    let lexicalLines = Set(
      errors.compactMap { error -> Int? in
        guard case .lexical = error.error else { return nil }
        return file.location(of: error.range.start).line
      })
    guard !lexicalLines.isEmpty else { return }
    errors.removeAll { error in
      if case .lexical = error.error { return false }
      return lexicalLines.contains(file.location(of: error.range.start).line)
    }
  }

  /// Parses one statement, or records its error and synchronises.
  ///
  /// Incomplete input is rethrown: it ends the whole parse.
  mutating func parseRecovering(terminators: Set<Keyword>)
    throws(LocatedSyntaxError) -> Stmt?
  {
    let openerDepth = openers.count
    do {
      let statement = try parseStatement()
      try expectSeparator(terminators: terminators)
      return statement
    } catch {
      if error.error.isIncompleteInput { throw error }
      errors.append(error)
      openers.removeLast(openers.count - openerDepth)
      synchronize()
      return nil
    }
  }

  /// Skips to the next statement boundary after an error.
  ///
  /// Stops after a newline or `;`. Inside a block it also stops before a
  /// keyword that ends a block, so that the block still finds its `end`; at
  /// the top level such a keyword most likely closes the statement that
  /// failed, and is skipped (stopping there would never make progress).
  mutating func synchronize() {
    while true {
      switch peek.kind {
      case .endOfInput: return
      case .newline, .symbol(.semicolon):
        advance()
        return
      case .keyword(.end), .keyword(.elif), .keyword(.elseKeyword):
        if openers.isEmpty {
          advance()
        } else {
          return
        }
      default: advance()
      }
    }
  }

  /// Requires a separator (or a block terminator, or the end) after a statement.
  ///
  /// A statement closed by `end` needs none, so that
  /// `def f(n) if n < 2 then return n end return f(n - 1) end` reads as it looks.
  mutating func expectSeparator(terminators: Set<Keyword>)
    throws(LocatedSyntaxError)
  {
    if previous.isKeyword(.end) { return }
    switch peek.kind {
    case .newline, .symbol(.semicolon): advance()
    case .endOfInput: return
    case .keyword(let keyword) where terminators.contains(keyword): return
    case .name("is"):
      throw LocatedSyntaxError(error: .pythonHabit(.isOperator), range: peek.range)
    default:
      throw fail(
        .expectedSeparator(found: peek.kind.description), at: peek.range)
    }
  }

  mutating func skipSeparators() {
    while peek.kind == .newline || peek.isSymbol(.semicolon) { advance() }
  }

  // MARK: Token access

  var peek: Token { tokens[current] }

  var previous: Token { tokens[max(0, current - 1)] }

  func peek(_ ahead: Int) -> Token {
    tokens[min(current + ahead, tokens.count - 1)]
  }

  @discardableResult
  mutating func advance() -> Token {
    let token = tokens[current]
    if token.kind != .endOfInput { current += 1 }
    return token
  }

  mutating func match(_ symbol: Symbol) -> Bool {
    guard peek.isSymbol(symbol) else { return false }
    advance()
    return true
  }

  mutating func match(_ keyword: Keyword) -> Bool {
    guard peek.isKeyword(keyword) else { return false }
    advance()
    return true
  }

  /// An error at `range`, or the incomplete-input error when the parser
  /// stands at the end of the input inside an opener.
  func fail(_ error: SyntaxError, at range: SourceRange) -> LocatedSyntaxError {
    if peek.kind == .endOfInput, !openers.isEmpty {
      return LocatedSyntaxError(
        error: .unexpectedEndOfInput(openers: openers), range: peek.range)
    }
    return LocatedSyntaxError(error: error, range: range)
  }

  /// Consumes `symbol` or fails with "expected 'x' context, found y".
  mutating func expect(_ symbol: Symbol, _ context: String)
    throws(LocatedSyntaxError)
  {
    guard match(symbol) else {
      throw fail(
        .expectedToken(
          "'\(symbol.rawValue)'", context: context, found: peek.kind.description
        ),
        at: peek.range)
    }
  }

  /// Consumes `keyword` or fails with "expected 'x' context, found y".
  mutating func expect(_ keyword: Keyword, _ context: String)
    throws(LocatedSyntaxError)
  {
    if case .name("is") = peek.kind {
      throw LocatedSyntaxError(error: .pythonHabit(.isOperator), range: peek.range)
    }
    guard match(keyword) else {
      throw fail(
        .expectedToken(
          "'\(keyword.rawValue)'", context: context,
          found: peek.kind.description),
        at: peek.range)
    }
  }

  /// Consumes a name or fails.
  mutating func expectName(_ context: String) throws(LocatedSyntaxError) -> (
    String, SourceRange
  ) {
    guard case .name(let name) = peek.kind else {
      throw fail(
        .expectedToken(
          "a name", context: context, found: peek.kind.description),
        at: peek.range)
    }
    return (name, advance().range)
  }

  /// Pushes an opener for the token just consumed.
  mutating func open(_ text: String, closer: String, at range: SourceRange) {
    openers.append(
      Opener(
        text: text, closer: closer, range: range,
        location: file.location(of: range.start)))
  }

  /// Consumes the closer of the innermost opener and pops it, or fails with
  /// "expected ')' to close '(' at 3:14".
  mutating func close(_ symbol: Symbol) throws(LocatedSyntaxError)
    -> SourceRange
  {
    let opener = openers[openers.count - 1]
    guard peek.isSymbol(symbol) else {
      throw fail(
        .unclosed(opener, found: peek.kind.description), at: peek.range)
    }
    openers.removeLast()
    return advance().range
  }
}
