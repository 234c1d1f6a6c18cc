/// Statement productions.
extension Parser {
  // statement -> ifStmt | forStmt | whileStmt | defStmt | 'break' | returnStmt
  //            | expr ('=' expr)?
  mutating func parseStatement() throws(LocatedSyntaxError) -> Stmt {
    let start = peek.range
    switch peek.kind {
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

  // exprStmt -> expr ('=' expr)?
  mutating func parseExpressionStatement() throws(LocatedSyntaxError) -> Stmt {
    let target = try parseExpression()
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

  // ifStmt -> 'if' expr 'then' block ('elif' expr 'then' block)* ('else' block)? 'end'
  mutating func parseIf() throws(LocatedSyntaxError) -> Stmt {
    let keyword = advance()
    open("if", closer: "end", at: keyword.range)
    var branches: [ConditionalBranch] = []
    var elseBody: [Stmt]?
    var clause = "if"
    repeat {
      let condition = try parseExpression(after: previous)
      try expect(.then, "after the condition of '\(clause)'")
      let body = try parseBlock(until: [.elif, .elseKeyword, .end])
      branches.append(ConditionalBranch(condition: condition, body: body))
      clause = "elif"
    } while match(.elif)
    if match(.elseKeyword) {
      elseBody = try parseBlock(until: [.end])
    }
    let end = try closeBlock()
    return Stmt(
      .ifStatement(branches: branches, elseBody: elseBody),
      keyword.range.merged(with: end))
  }

  // forStmt -> 'for' NAME 'in' expr 'do' block 'end'
  mutating func parseFor() throws(LocatedSyntaxError) -> Stmt {
    let keyword = advance()
    open("for", closer: "end", at: keyword.range)
    let (variable, variableRange) = try expectName("after 'for'")
    try expect(.inKeyword, "after the loop variable")
    let iterable = try parseExpression(after: previous)
    try expect(.doKeyword, "after the iterable of 'for'")
    loopDepth += 1
    defer { loopDepth -= 1 }
    let body = try parseBlock(until: [.end])
    let end = try closeBlock()
    return Stmt(
      .forLoop(
        variable: variable, variableRange: variableRange, iterable: iterable,
        body: body),
      keyword.range.merged(with: end))
  }

  // whileStmt -> 'while' expr 'do' block 'end'
  mutating func parseWhile() throws(LocatedSyntaxError) -> Stmt {
    let keyword = advance()
    open("while", closer: "end", at: keyword.range)
    let condition = try parseExpression(after: keyword)
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
