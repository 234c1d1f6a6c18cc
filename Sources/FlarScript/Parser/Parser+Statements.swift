/// Statement productions.
extension Parser {
  // statement -> ifStmt | forStmt | whileStmt | defStmt | 'break' | returnStmt
  //            | expr ('=' expr)?
  mutating func parseStatement() throws(LocatedSyntaxError) -> Stmt {
    let start = peek.range
    switch peek.kind {
    case .symbol(.question):
      // `?name`, `??name`: IPython's help, as `help(name)`.
      let mark = advance()
      _ = match(.question)
      let subject = try parseExpression(after: mark)
      return helpStatement(subject, from: start)
    case .name("import"), .name("from"):
      if case .name = peek(1).kind {
        throw LocatedSyntaxError(error: .pythonHabit(.importStatement), range: start)
      }
      return try parseExpressionStatement()
    case .name("del"):
      if case .name = peek(1).kind {
        throw LocatedSyntaxError(error: .pythonHabit(.del), range: start)
      }
      return try parseExpressionStatement()
    case .keyword(.ifKeyword): return try parseIf()
    case .keyword(.forKeyword): return try parseFor()
    case .keyword(.whileKeyword): return try parseWhile()
    case .keyword(.def): return try parseDef()
    case .keyword(.breakKeyword):
      advance()
      guard loopDepth > 0 else { throw fail(.breakOutsideLoop, at: start) }
      return Stmt(.breakStatement, start)
    case .keyword(.returnKeyword): return try parseReturn()
    case .keyword(.end), .keyword(.elif), .keyword(.elseKeyword),
      .keyword(.then),
      .keyword(.doKeyword), .symbol(.rightParen), .symbol(.rightBracket),
      .symbol(.rightBrace):
      // Consumed, so that recovery always makes progress.
      throw fail(.unexpectedToken(advance().kind.description), at: start)
    default: return try parseExpressionStatement()
    }
  }

  // exprStmt -> expr (('=' | '+=' | '-=' | '*=' | '/=') expr | '?')?
  mutating func parseExpressionStatement() throws(LocatedSyntaxError) -> Stmt {
    let target = try parseExpression()
    if peek.isSymbol(.question) {
      // `name?`, `name??`: IPython's help.
      advance()
      _ = match(.question)
      return helpStatement(target, from: target.range)
    }
    if let op = compoundOperator(peek.kind) {
      let token = advance()
      switch target.kind {
      case .name, .field, .index: break
      default:
        throw fail(.invalidCompoundTarget(token.kind.description), at: target.range)
      }
      let value = try parseExpression(after: token)
      // `x += v` is `x = x + v`; an indexed target is evaluated twice.
      let combined = Expr(
        .binary(op, target, value, operatorRange: token.range),
        target.range.merged(with: value.range))
      return Stmt(.assign(target: target, value: combined), combined.range)
    }
    guard peek.isSymbol(.equal) else {
      return Stmt(.expression(target), target.range)
    }
    let equals = advance()
    switch target.kind {
    case .name, .field, .index: break
    default: throw fail(.invalidAssignmentTarget, at: target.range)
    }
    let value = try parseExpression(after: equals)
    return Stmt(
      .assign(target: target, value: value),
      target.range.merged(with: value.range))
  }

  /// The operator a compound assignment token applies.
  func compoundOperator(_ kind: TokenKind) -> BinaryOperator? {
    switch kind {
    case .symbol(.plusEqual): return .add
    case .symbol(.minusEqual): return .subtract
    case .symbol(.starEqual): return .multiply
    case .symbol(.slashEqual): return .divide
    default: return nil
    }
  }

  /// `help(subject)` as a statement, for `?subject` and `subject?`.
  func helpStatement(_ subject: Expr, from start: SourceRange) -> Stmt {
    let range = start.merged(with: previous.range)
    let callee = Expr(.name("help"), start)
    return Stmt(.expression(Expr(.call(callee, [Expr.Argument(value: subject)]), range)), range)
  }

  /// Parses the condition or iterable of a block header, where a `:` is
  /// Python's block opener (`if c:`), reported at once.
  mutating func parseHeader(_ keyword: String, after token: Token)
    throws(LocatedSyntaxError) -> Expr
  {
    let saved = blockHeader
    blockHeader = (keyword, openers.count)
    defer { blockHeader = saved }
    return try parseExpression(after: token)
  }

  /// Fails with the block-opener hint when a `:` stands where a block opens.
  mutating func rejectColon(after keyword: String) throws(LocatedSyntaxError) {
    if peek.isSymbol(.colon) {
      throw LocatedSyntaxError(error: .pythonHabit(.colonBlock(keyword)), range: peek.range)
    }
  }

  // ifStmt -> 'if' expr 'then' block ('elif' expr 'then' block)* ('else' block)? 'end'
  mutating func parseIf() throws(LocatedSyntaxError) -> Stmt {
    let keyword = advance()
    open("if", closer: "end", at: keyword.range)
    var branches: [ConditionalBranch] = []
    var elseBody: [Stmt]?
    var clause = "if"
    repeat {
      let condition = try parseHeader(clause, after: previous)
      try rejectColon(after: clause)
      try expect(.then, "after the condition of '\(clause)'")
      let body = try parseBlock(until: [.elif, .elseKeyword, .end])
      branches.append(ConditionalBranch(condition: condition, body: body))
      clause = "elif"
    } while match(.elif)
    if match(.elseKeyword) {
      try rejectColon(after: "else")
      elseBody = try parseBlock(until: [.end])
    }
    let end = try closeBlock()
    return Stmt(
      .ifStatement(branches: branches, elseBody: elseBody),
      keyword.range.merged(with: end))
  }

  // forStmt -> 'for' NAME (',' NAME)? 'in' expr 'do' block 'end'
  mutating func parseFor() throws(LocatedSyntaxError) -> Stmt {
    let keyword = advance()
    open("for", closer: "end", at: keyword.range)
    let (variables, variableRange) = try parseLoopVariables()
    let iterable = try parseHeader("for", after: previous)
    try rejectColon(after: "for")
    try expect(.doKeyword, "after the iterable of 'for'")
    loopDepth += 1
    defer { loopDepth -= 1 }
    let body = try parseBlock(until: [.end])
    let end = try closeBlock()
    return Stmt(
      .forLoop(
        variables: variables, variableRange: variableRange, iterable: iterable,
        body: body),
      keyword.range.merged(with: end))
  }

  /// `NAME (',' NAME)? 'in'`: the names a `for` or a comprehension binds.
  mutating func parseLoopVariables() throws(LocatedSyntaxError) -> ([String], SourceRange) {
    var (name, range) = try expectName("after 'for'")
    var names = [name]
    while match(.comma) {
      let next = try expectName("after ','")
      names.append(next.0)
      range = range.merged(with: next.1)
      name = next.0
    }
    guard names.count <= 2 else { throw fail(.tooManyLoopVariables, at: range) }
    try expect(
      .inKeyword, names.count == 1 ? "after the loop variable" : "after the loop variables")
    return (names, range)
  }

  // whileStmt -> 'while' expr 'do' block 'end'
  mutating func parseWhile() throws(LocatedSyntaxError) -> Stmt {
    let keyword = advance()
    open("while", closer: "end", at: keyword.range)
    let condition = try parseHeader("while", after: keyword)
    try rejectColon(after: "while")
    try expect(.doKeyword, "after the condition of 'while'")
    loopDepth += 1
    defer { loopDepth -= 1 }
    let body = try parseBlock(until: [.end])
    let end = try closeBlock()
    return Stmt(
      .whileLoop(condition: condition, body: body),
      keyword.range.merged(with: end))
  }

  // defStmt -> 'def' NAME '(' (param (',' param)*)? ')' block 'end'
  // param   -> NAME ('=' expr)?
  mutating func parseDef() throws(LocatedSyntaxError) -> Stmt {
    let keyword = advance()
    open("def", closer: "end", at: keyword.range)
    let (name, nameRange) = try expectName("after 'def'")
    guard peek.isSymbol(.leftParen) else {
      throw fail(
        .expectedToken(
          "'('", context: "after the function name",
          found: peek.kind.description), at: peek.range)
    }
    open("(", closer: ")", at: advance().range)
    var parameters: [FunctionDecl.Parameter] = []
    if !peek.isSymbol(.rightParen) {
      repeat {
        let (parameterName, range) = try expectName("for a parameter")
        if parameters.contains(where: { $0.name == parameterName }) {
          throw fail(.duplicateParameter(parameterName), at: range)
        }
        var defaultValue: Expr?
        if peek.isSymbol(.equal) {
          defaultValue = try parseExpression(after: advance())
        }
        if defaultValue == nil,
          parameters.contains(where: { $0.defaultValue != nil })
        {
          throw fail(.requiredParameterAfterDefault(parameterName), at: range)
        }
        parameters.append(
          FunctionDecl.Parameter(
            name: parameterName, range: range, defaultValue: defaultValue))
      } while match(.comma)
    }
    _ = try close(.rightParen)
    try rejectColon(after: "def")
    let savedLoopDepth = loopDepth
    loopDepth = 0
    functionDepth += 1
    defer {
      loopDepth = savedLoopDepth
      functionDepth -= 1
    }
    let body = try parseBlock(until: [.end])
    let end = try closeBlock()
    let decl = FunctionDecl(
      name: name, nameRange: nameRange, parameters: parameters, body: body)
    return Stmt(.function(decl), keyword.range.merged(with: end))
  }

  // returnStmt -> 'return' expr?
  mutating func parseReturn() throws(LocatedSyntaxError) -> Stmt {
    let keyword = advance()
    guard functionDepth > 0 else {
      throw fail(.returnOutsideFunction, at: keyword.range)
    }
    switch peek.kind {
    case .newline, .endOfInput, .symbol(.semicolon), .keyword(.end),
      .keyword(.elif),
      .keyword(.elseKeyword):
      return Stmt(.returnStatement(nil), keyword.range)
    default:
      let value = try parseExpression(after: keyword)
      return Stmt(
        .returnStatement(value), keyword.range.merged(with: value.range))
    }
  }

  // block -> separator* (statement separator*)*   up to one of `terminators`
  mutating func parseBlock(until terminators: Set<Keyword>)
    throws(LocatedSyntaxError) -> [Stmt]
  {
    var body: [Stmt] = []
    while true {
      skipSeparators()
      if case .keyword(let keyword) = peek.kind, terminators.contains(keyword) {
        return body
      }
      if peek.kind == .endOfInput {
        throw LocatedSyntaxError(
          error: .unexpectedEndOfInput(openers: openers), range: peek.range)
      }
      if let statement = try parseRecovering(terminators: terminators) {
        body.append(statement)
      }
    }
  }

  /// Consumes the `end` of the innermost block and pops its opener.
  mutating func closeBlock() throws(LocatedSyntaxError) -> SourceRange {
    let opener = openers[openers.count - 1]
    guard peek.isKeyword(.end) else {
      throw fail(
        .unclosed(opener, found: peek.kind.description), at: peek.range)
    }
    openers.removeLast()
    return advance().range
  }
}
