import TestSupport
import Testing

@testable import FlarScript

/// One parse case: source and its canonical AST.
struct ParseCase: CustomTestStringConvertible, Sendable {
  let id: String
  let source: String
  let ast: String
  var testDescription: String { id }
}

@Suite struct ParserTests {
  func parse(_ text: String) -> (String, [LocatedSyntaxError]) {
    var parser = Parser(SourceFile(name: "t", text: text))
    let statements = parser.parseProgram()
    return (ASTPrinter.print(statements), parser.errors)
  }

  static let cases: [ParseCase] = [
    ParseCase(
      id: "pipe loosest", source: "a + b |> f(c)", ast: "(call f (+ a b) c)"),
    ParseCase(id: "pipe without call", source: "x |> f", ast: "(call f x)"),
    ParseCase(
      id: "or below and", source: "a or b and c", ast: "(or a (and b c))"),
    ParseCase(
      id: "not below comparison", source: "not a == b", ast: "(not (== a b))"),
    ParseCase(id: "range below plus", source: "0:n-1", ast: "(: 0 (- n 1))"),
    ParseCase(id: "range with step", source: "0:10:2", ast: "(: 0 10 2)"),
    ParseCase(
      id: "times below matmul", source: "2 * A @ B", ast: "(* 2 (@ A B))"),
    ParseCase(
      id: "unary minus below power", source: "-x ^ 2", ast: "(- (^ x 2))"),
    ParseCase(id: "matmul below unary", source: "-A @ B", ast: "(@ (- A) B)"),
    ParseCase(
      id: "power right-associative", source: "a ^ b ^ c", ast: "(^ a (^ b c))"),
    ParseCase(
      id: "power takes unary right", source: "2 ^ -1", ast: "(^ 2 (- 1))"),
    ParseCase(
      id: "minus left-associative", source: "a - b - c", ast: "(- (- a b) c)"),
    ParseCase(
      id: "postfix chain", source: "f(x).S[0:k].T",
      ast: "(.T (index (. (call f x) S) (: 0 k)))"),
    ParseCase(
      id: "open slices", source: "A[:, 1:]", ast: "(index A (: _ _) (: 1 _))"),
    ParseCase(
      id: "reversed slice", source: "v[::-1]", ast: "(index v (: _ _ (- 1)))"),
    ParseCase(
      id: "named arguments", source: "f(x, k=2)", ast: "(call f x k=2)"),
    ParseCase(
      id: "record", source: "{a: 1, \"b c\": \"x\"}",
      ast: "(record a=1 b c=\"x\")"),
    ParseCase(
      id: "list", source: "[1, [2], []]", ast: "(list 1 (list 2) (list))"),
    ParseCase(id: "field assignment", source: "r.a = 1", ast: "(= (. r a) 1)"),
    ParseCase(
      id: "index assignment", source: "A[0, -1] = 2",
      ast: "(= (index A 0 (- 1)) 2)"),
    ParseCase(
      id: "if one line", source: "if a then b elif c then d else e end",
      ast: "(if a (block b) elif c (block d) else (block e))"),
    ParseCase(
      id: "for with break",
      source: "for i in 0:3 do\n if i then break end\nend",
      ast: "(for i (: 0 3) (block (if i (block (break)))))"),
    ParseCase(
      id: "while", source: "while x do x = x - 1 end",
      ast: "(while x (block (= x (- x 1))))"),
    ParseCase(
      id: "def with default", source: "def f(a, b=1) return a + b end",
      ast: "(def f (a b=1) (block (return (+ a b))))"),
    ParseCase(
      id: "semicolons", source: "a = 1; b = 2", ast: "(= a 1)\n(= b 2)"),
  ]

  @Test(arguments: cases)
  func parsesToCanonicalTree(_ c: ParseCase) {
    let (ast, errors) = parse(c.source)
    #expect(errors.isEmpty, "\(errors.map(\.error.description))")
    #expect(ast == c.ast)
  }

  @Test func everyNodeCarriesItsRange() throws {
    let source = MarkedSource("x = ⟨a⟩foo(⟨b⟩1 ⟨op⟩+ 2⟨c⟩)⟨d⟩")
    var parser = Parser(SourceFile(name: "t", text: source.text))
    let statement = try #require(parser.parseProgram().first)
    guard case .assign(_, let call) = statement.kind,
      case .call(_, let arguments) = call.kind,
      case .binary(_, _, _, let operatorRange) = arguments[0].value.kind
    else {
      Issue.record("unexpected tree")
      return
    }
    #expect(call.range == SourceRange(start: source["a"], end: source["d"]))
    #expect(
      arguments[0].range == SourceRange(start: source["b"], end: source["c"]))
    #expect(operatorRange.start == source["op"])
  }

  @Test func unclosedParenPointsAtItsOpener() {
    let source = MarkedSource("x = ⟨open⟩(1 + 2\n⟨y⟩y = 3")
    let (_, errors) = parse(source.text)
    #expect(errors.count == 1)
    #expect(errors.first?.range.start == source["y"])
    guard case .unclosed(let opener, _)? = errors.first?.error else {
      Issue.record("expected unclosed, got \(errors)")
      return
    }
    #expect(opener.range.start == source["open"])
    #expect(
      errors.first?.error.description
        == "expected ')' to close '(' at 1:5, found name \"y\"")
  }

  @Test func missingOperandIsReportedAfterTheOperator() {
    let source = MarkedSource("x = 1 +⟨here⟩\ny = 2")
    let (_, errors) = parse(source.text)
    #expect(errors.map(\.error) == [.expectedExpression(after: "'+'")])
    #expect(errors.first?.range.start == source["here"])
  }

  @Test func openBlockAtEndOfInputIsIncomplete() {
    for text in [
      "for i in 0:3 do", "def f(x)\n return x", "if a then b else", "f(1,",
      "[1, 2", "x = {a: 1,",
    ] {
      let (_, errors) = parse(text)
      #expect(errors.count == 1, "\(text)")
      #expect(
        errors.first?.error.isIncompleteInput == true,
        "\(text): \(errors.map(\.error.description))")
    }
  }

  @Test func incompleteInputNamesTheInnermostOpener() {
    let (_, errors) = parse("for i in xs do\n  if i then")
    guard case .unexpectedEndOfInput(let openers)? = errors.first?.error else {
      Issue.record("expected unexpectedEndOfInput, got \(errors)")
      return
    }
    #expect(openers.map(\.text) == ["for", "if"])
  }

  @Test func recoveryReportsEveryBadLine() {
    let (_, errors) = parse("a = \nb = 2 *\nc = 3 3\nd = 4")
    #expect(errors.count == 3, "\(errors.map(\.error.description))")
  }

  @Test func namedThenPositionalIsAnError() {
    let (_, errors) = parse("f(k=1, 2)")
    #expect(errors.map(\.error) == [.positionalAfterNamed])
  }

  @Test func duplicateParameterIsAnError() {
    let (_, errors) = parse("def f(a, a) return a end")
    #expect(errors.map(\.error) == [.duplicateParameter("a")])
  }

  @Test func openRangeOutsideBracketsIsAnError() {
    let (_, errors) = parse("x = [1:]")
    #expect(errors.count == 1)
  }
}
