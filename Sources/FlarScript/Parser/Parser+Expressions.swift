/// Expression productions: a Pratt loop over `PrattTable`.
extension Parser {
  // expr -> prefix (infix)*      with infix operators bound by precedence
  mutating func parseExpression(_ minimum: Precedence = .pipe)
    throws(LocatedSyntaxError) -> Expr
  {
    var left = try parsePrefix()
    while let rule = PrattTable.infixRule(for: peek.kind),
      rule.precedence >= minimum
    {
      left = try parseInfix(left, rule)
    }
    return left
  }

  /// An operand that must follow `token`; a missing one reads
  /// "expected expression after '+'".
  mutating func parseExpression(
    after token: Token, _ minimum: Precedence = .pipe
  ) throws(LocatedSyntaxError) -> Expr {
    guard startsExpression(peek.kind) else {
      // At the end of a line, point just after the operator, not past a comment.
      let atLineEnd = peek.kind == .newline || peek.kind == .endOfInput
      let range = atLineEnd ? SourceRange.point(token.range.end) : peek.range
      throw fail(.expectedExpression(after: token.kind.description), at: range)
    }
    return try parseExpression(minimum)
  }

  func startsExpression(_ kind: TokenKind) -> Bool {
    switch kind {
    case .number, .string, .name: return true
    case .keyword(let k):
      return [.trueKeyword, .falseKeyword, .nilKeyword, .not].contains(k)
    case .symbol(let s):
      return [.leftParen, .leftBracket, .leftBrace, .minus].contains(s)
    case .newline, .endOfInput: return false
    }
  }

  // prefix -> NUMBER | STRING | 'true' | 'false' | 'nil' | NAME
  //         | '(' expr ')' | list | record | '-' expr | 'not' expr
  mutating func parsePrefix() throws(LocatedSyntaxError) -> Expr {
    nesting += 1
    defer { nesting -= 1 }
    guard nesting <= Self.maximumNesting else {
      throw fail(.nestedTooDeeply(Self.maximumNesting), at: peek.range)
    }
    return try parsePrefixForm()
  }

  /// The prefix forms themselves; `parsePrefix` bounds their nesting.
  mutating func parsePrefixForm() throws(LocatedSyntaxError) -> Expr {
    let token = peek
    switch token.kind {
    case .number(let value):
      advance()
      return Expr(.number(value), token.range)
    case .string(let value):
      advance()
      return Expr(.string(value), token.range)
    case .name(let name):
      if let habit = pythonHabit(name: name) {
        throw LocatedSyntaxError(error: .pythonHabit(habit), range: token.range)
      }
      advance()
      return Expr(.name(name), token.range)
    case .keyword(.trueKeyword), .keyword(.falseKeyword):
      advance()
      return Expr(.bool(token.isKeyword(.trueKeyword)), token.range)
    case .keyword(.nilKeyword):
      advance()
      return Expr(.null, token.range)
    case .keyword(.not):
      advance()
      let operand = try parseExpression(after: token, .not)
      return Expr(
        .unary(.not, operand), token.range.merged(with: operand.range))
    case .symbol(.minus):
      advance()
      let operand = try parseExpression(after: token, .unary)
      return Expr(
        .unary(.negate, operand), token.range.merged(with: operand.range))
    case .symbol(.leftParen):
      advance()
      open("(", closer: ")", at: token.range)
      let saved = allowOpenRange
      allowOpenRange = false
      defer { allowOpenRange = saved }
      let inner = try parseExpression(after: token)
      let end = try close(.rightParen)
      return Expr(inner.kind, token.range.merged(with: end))
    case .symbol(.leftBracket): return try parseList()
    case .symbol(.leftBrace): return try parseRecord()
    default:
      throw fail(.expectedExpression(after: nil), at: token.range)
    }
  }

  /// The Python habit a name at the start of an operand shows, if any:
  /// `True`, `None`, `lambda`, or the `f` of an f-string.
  func pythonHabit(name: String) -> PythonHabit? {
    switch name {
    case "True", "False", "None": return .capitalized(name)
    case "lambda": return .lambda
    case "f", "F", "rf", "fr":
      if case .string = peek(1).kind, peek(1).range.start == peek.range.end {
        return .formatString
      }
      return nil
    default: return nil
    }
  }

  // infix -> expr BINOP expr | call | index | expr '.' NAME | expr '.' 'T'
  //        | pipe | range
  mutating func parseInfix(_ left: Expr, _ rule: InfixRule)
    throws(LocatedSyntaxError) -> Expr
  {
    let op = advance()
    switch op.kind {
    case .symbol(.leftParen): return try parseCall(left, open: op)
    case .symbol(.leftBracket): return try parseIndex(left, open: op)
    case .symbol(.dot):
      let (name, nameRange) = try expectName("after '.'")
      let range = left.range.merged(with: nameRange)
      if name == "T" { return Expr(.transpose(left), range) }
      return Expr(.field(left, name: name, nameRange: nameRange), range)
    case .symbol(.pipe): return try parsePipe(left, op: op)
    case .symbol(.colon): return try parseRange(left, colon: op)
    default:
      // `^` is right-associative: its right operand may hold another `^`
      // (and a unary minus, as in `2^-1`).
      let rightMinimum: Precedence =
        rule.binary == .power ? .unary : rule.precedence.tighter
      let right = try parseExpression(after: op, rightMinimum)
      return Expr(
        .binary(rule.binary!, left, right, operatorRange: op.range),
        left.range.merged(with: right.range))
    }
  }

  // pipe -> expr '|>' (call | postfixExpr)      `x |> f(y)` means `f(x, y)`
  mutating func parsePipe(_ left: Expr, op: Token) throws(LocatedSyntaxError)
    -> Expr
  {
    let right = try parseExpression(after: op, Precedence.pipe.tighter)
    let range = left.range.merged(with: right.range)
    if case .call(let callee, let arguments) = right.kind {
      return Expr(
        .call(callee, [Expr.Argument(value: left)] + arguments), range)
    }
    return Expr(.call(right, [Expr.Argument(value: left)]), range)
  }

  // range -> expr ':' expr (':' expr)?   (parts may be missing inside '[ ]')
  mutating func parseRange(_ start: Expr?, colon: Token)
    throws(LocatedSyntaxError) -> Expr
  {
    if let header = blockHeader, header.depth == openers.count, !allowOpenRange {
      // `if c:`, `while c:`, `for x in xs:` at the end of a line: Python's
      // block opener. A `for` iterable may be a range (`for i in 0:n do`).
      let atLineEnd = peek.kind == .newline || peek.kind == .endOfInput
      if header.keyword != "for" || atLineEnd {
        throw LocatedSyntaxError(
          error: .pythonHabit(.colonBlock(header.keyword)), range: colon.range)
      }
    }
    var end: Expr?
    var step: Expr?
    var last = start?.range ?? colon.range
    if !endsSlicePart(peek.kind) {
      end = try parseExpression(after: colon, .term)
      last = end!.range
    }
    if peek.isSymbol(.colon) {
      let second = advance()
      last = second.range
      if !endsSlicePart(peek.kind) {
        step = try parseExpression(after: second, .term)
        last = step!.range
      }
    }
    let range = (start?.range ?? colon.range).merged(with: last)
    if !allowOpenRange, start == nil || end == nil {
      if end == nil, !startsExpression(peek.kind) {
        throw fail(.expectedExpression(after: "':'"), at: peek.range)
      }
      throw fail(.openRangeOutsideIndex, at: range)
    }
    return Expr(.range(start: start, end: end, step: step), range)
  }

  func endsSlicePart(_ kind: TokenKind) -> Bool {
    allowOpenRange
      && (kind == .symbol(.rightBracket) || kind == .symbol(.comma)
        || kind == .symbol(.colon))
  }

  /// The name a token gives a named argument: a name, or a keyword.
  func argumentName(_ kind: TokenKind) -> String? {
    switch kind {
    case .name(let name): return name
    case .keyword(let keyword): return keyword.rawValue
    default: return nil
    }
  }

  // call -> expr '(' (arg (',' arg)*)? ')'      arg -> ((NAME | KEYWORD) '=')? expr
  mutating func parseCall(_ callee: Expr, open paren: Token)
    throws(LocatedSyntaxError) -> Expr
  {
    open("(", closer: ")", at: paren.range)
    let saved = allowOpenRange
    allowOpenRange = false
    defer { allowOpenRange = saved }
    var arguments: [Expr.Argument] = []
    if !peek.isSymbol(.rightParen) {
      repeat {
        if peek.isSymbol(.rightParen) { break }  // a trailing comma
        // A keyword is a valid argument name before '=' (`in=384` in
        // measure_latency): there it cannot start an expression.
        if let name = argumentName(peek.kind), peek(1).isSymbol(.equal) {
          let nameRange = advance().range
          let equals = advance()
          let value = try parseExpression(after: equals)
          arguments.append(
            Expr.Argument(name: name, nameRange: nameRange, value: value))
        } else {
          let value = try parseExpression(after: previous)
          if arguments.contains(where: { $0.name != nil }) {
            throw fail(.positionalAfterNamed, at: value.range)
          }
          arguments.append(Expr.Argument(value: value))
        }
      } while match(.comma)
    }
    let end = try close(.rightParen)
    return Expr(.call(callee, arguments), callee.range.merged(with: end))
  }

  // index -> expr '[' slice (',' slice)* ']'     slice -> expr | expr? ':' expr? (':' expr?)?
  mutating func parseIndex(_ base: Expr, open bracket: Token)
    throws(LocatedSyntaxError) -> Expr
  {
    open("[", closer: "]", at: bracket.range)
    let saved = allowOpenRange
    allowOpenRange = true
    defer { allowOpenRange = saved }
    var indices: [Expr] = []
    repeat {
      if peek.isSymbol(.colon) {
        indices.append(try parseRange(nil, colon: advance()))
      } else {
        indices.append(try parseExpression(after: previous))
      }
    } while match(.comma)
    let end = try close(.rightBracket)
    return Expr(.index(base, indices), base.range.merged(with: end))
  }

  // list -> '[' (expr (',' expr)* ','?)? ']'
  //       | '[' expr 'for' NAME (',' NAME)? 'in' expr ('if' expr)? ']'
  mutating func parseList() throws(LocatedSyntaxError) -> Expr {
    let bracket = advance()
    open("[", closer: "]", at: bracket.range)
    let saved = allowOpenRange
    allowOpenRange = false
    defer { allowOpenRange = saved }
    var elements: [Expr] = []
    while !peek.isSymbol(.rightBracket) {
      elements.append(try parseExpression(after: previous))
      if elements.count == 1, peek.isKeyword(.forKeyword) {
        return try parseComprehension(elements[0], bracket: bracket)
      }
      if !match(.comma) { break }
    }
    let end = try close(.rightBracket)
    return Expr(.list(elements), bracket.range.merged(with: end))
  }

  /// The rest of `[element for x in xs if c]`, from `for`.
  mutating func parseComprehension(_ element: Expr, bracket: Token)
    throws(LocatedSyntaxError) -> Expr
  {
    advance()
    let (variables, _) = try parseLoopVariables()
    let iterable = try parseExpression(after: previous)
    var condition: Expr?
    if match(.ifKeyword) {
      condition = try parseExpression(after: previous)
    }
    let end = try close(.rightBracket)
    return Expr(
      .comprehension(
        element: element, variables: variables, iterable: iterable, condition: condition),
      bracket.range.merged(with: end))
  }

  // record -> '{' ((NAME | STRING) ':' expr (',' ...)* ','?)? '}'
  mutating func parseRecord() throws(LocatedSyntaxError) -> Expr {
    let brace = advance()
    open("{", closer: "}", at: brace.range)
    let saved = allowOpenRange
    allowOpenRange = false
    defer { allowOpenRange = saved }
    var entries: [Expr.RecordEntry] = []
    while !peek.isSymbol(.rightBrace) {
      let keyToken = peek
      let key: String
      switch keyToken.kind {
      case .name(let name): key = name
      case .string(let text): key = text
      default:
        throw fail(
          .expectedToken(
            "a field name", context: "in record",
            found: keyToken.kind.description),
          at: keyToken.range)
      }
      advance()
      try expect(.colon, "after the field name \"\(key)\"")
      let value = try parseExpression(after: previous)
      entries.append(
        Expr.RecordEntry(key: key, keyRange: keyToken.range, value: value))
      if !match(.comma) { break }
    }
    let end = try close(.rightBrace)
    return Expr(.record(entries), brace.range.merged(with: end))
  }
}
