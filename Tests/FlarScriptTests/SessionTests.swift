import FlarCore
import FlarLinAlg
import TestSupport
import Testing

@testable import FlarScript

/// A stand-in for a handle another layer will define (a Cholesky factor).
final class FakeFactor: Handle {
  let lower: Matrix<Double>
  init(_ lower: Matrix<Double>) { self.lower = lower }
  var typeName: String { "factor" }
  var summary: String { "factor \(lower.rows)x\(lower.columns)" }
  var fieldNames: [String] { ["L", "jitter"] }
  func field(named name: String) -> Value? {
    switch name {
    case "L": return .matrix(lower)
    case "jitter": return .number(0)
    default: return nil
    }
  }
  var matrixValue: Matrix<Double>? { lower }
  func element(at key: Value) throws -> Value? {
    if case .string("diag") = key { return .matrix(.row(lower.diagonal)) }
    return nil
  }
  var elementKeys: [String] { ["diag"] }
}

@Suite struct SessionTests {
  func session() -> (Session, () -> String) {
    final class Buffer { var text = "" }
    let buffer = Buffer()
    return (Session(output: { buffer.text += $0 }), { buffer.text })
  }

  @Test func expressionStatementsDisplayAndAssignmentsDoNot() throws {
    let (s, _) = session()
    #expect(try s.evaluateForDisplay("x = 14") == nil)
    #expect(try s.evaluateForDisplay("x") == "14")
    #expect(try s.evaluateForDisplay("0.1 + 0.2") == "0.30000000000000004")
    #expect(try s.evaluateForDisplay("\"a\"") == "\"a\"")
    #expect(try s.evaluateForDisplay("print(1)") == nil)
    #expect(try s.evaluateForDisplay("for i in 0:2 do end") == nil)
  }

  @Test func echoPrintsEveryExpressionStatement() throws {
    let (s, output) = session()
    // A nil value is shown as `nil`; the nil a call returns (print) is not.
    try s.run(source: "1 + 1; x = 3; x * 2; nil; print(5)", echo: true)
    #expect(output() == "2\n6\nnil\n5\n")
  }

  /// Under a step limit an endless loop ends with an error naming the
  /// limit, and the limit counts afresh for the next run.
  @Test func theStepLimitStopsAnEndlessLoop() throws {
    let (s, _) = session()
    s.interpreter.stepLimit = 1000
    #expect(throws: ScriptError.self) { try s.run(source: "while true do end") }
    do {
      try s.run(source: "n = 0\nwhile true do n += 1 end")
    } catch {
      #expect(error.rendered.contains("stopped after 1000 steps"), "\(error.rendered)")
    }
    // A top-level statement is polled twice (`n = 0`, `while`: 4 steps), an
    // iteration twice (the loop's poll and the body's statement): 996 / 2.
    let n = try s.evaluateForDisplay("n")
    #expect(n == "498", "\(n ?? "nil")")
    try s.run(source: "for i in 0:500 do end")
  }

  @Test func globalsPersistAcrossRuns() throws {
    let (s, _) = session()
    try s.run(source: "def sq(x) return x * x end")
    #expect(try s.evaluateForDisplay("sq(7)") == "49")
  }

  @Test func argsHoldsTheScriptArguments() throws {
    let s = Session(arguments: ["a", "b"], output: { _ in })
    #expect(try s.evaluateForDisplay("args") == "[\"a\", \"b\"]")
  }

  @Test func classifyTellsCompleteFromIncomplete() {
    #expect(Session.classify("x = 1") == .complete)
    #expect(Session.classify("for i in 0:3 do") == .incomplete)
    #expect(Session.classify("f(1,") == .incomplete)
    #expect(Session.classify("x = )") == .invalid)
  }

  @Test func errorsRenderWithGutterAndCaret() {
    let (s, _) = session()
    do {
      try s.run(source: "shrink = 1\nHs = shrnk(H)", fileName: "calib.flar")
      Issue.record("expected an error")
    } catch {
      let expected = """
        calib.flar:2:6: error: unknown name "shrnk"
          |
        2 | Hs = shrnk(H)
          |      ^~~~~
          = did you mean "shrink"?
        """
      #expect(error.phase == .runtime)
      #expect(
        lineDifference(error.rendered, expected) == nil,
        "\(lineDifference(error.rendered, expected) ?? "")")
    }
  }

  @Test func runtimeErrorLeavesEarlierAssignments() {
    let (s, _) = session()
    #expect(throws: ScriptError.self) {
      try s.run(source: "a = 1\nb = a + nil\nc = 3")
    }
    #expect(s.interpreter.global("a") != nil)
    #expect(s.interpreter.global("c") == nil)
  }

  @Test func cancellationStopsALoopAndKeepsVariables() {
    let cancellation = Cancellation()
    final class Counter { var lines = 0 }
    let counter = Counter()
    let s = Session(
      cancellation: cancellation,
      output: { _ in
        counter.lines += 1
        if counter.lines == 5 { cancellation.cancel() }
      })
    do {
      try s.run(source: "n = 0\nwhile true do n = n + 1; print(n) end")
      Issue.record("expected cancellation")
    } catch {
      #expect(error.phase == .cancelled)
      #expect(error.diagnostics.first?.message == "cancelled")
    }
    #expect((try? s.evaluateForDisplay("n")) == "5")
    #expect(!cancellation.isCancelled)
  }

  @Test func handlesExposeFieldsAndStandForMatrices() throws {
    let (s, _) = session()
    s.interpreter.setGlobal(
      "S", .handle(FakeFactor(Matrix([[2, 0], [1, 3]]))))
    #expect(try s.evaluateForDisplay("S.jitter") == "0")
    #expect(try s.evaluateForDisplay("trace(S)") == "5")
    #expect(try s.evaluateForDisplay("sum(eye(2) @ S)") == "6")
    #expect(
      try s.evaluateForDisplay("S[\"diag\"]")
        == "array([[2, 3]], shape=(1, 2), float64)")
    #expect(try s.evaluateForDisplay("type(S)") == "\"factor\"")
    #expect(try s.evaluateForDisplay("fields(S)") == "[\"L\", \"jitter\"]")
    do {
      _ = try s.evaluateForDisplay("S.jiter")
      Issue.record("expected an error")
    } catch {
      #expect(
        error.diagnostics.first?.message == "factor has no field \"jiter\"")
      #expect(
        error.diagnostics.first?.notes.first?.message
          == "did you mean \"jitter\"?")
    }
  }

  @Test func completionOffersFieldsAfterADot() {
    let (s, _) = session()
    s.interpreter.setGlobal("S", .handle(FakeFactor(.identity(2))))
    s.interpreter.setGlobal(
      "rec", .record([("alpha", .number(1)), ("beta", .number(2))]))
    #expect(s.completions(before: "x = S.j").candidates == ["jitter"])
    #expect(s.completions(before: "rec.").candidates == ["alpha", "beta"])
    let names = s.completions(before: "ra")
    #expect(names.replacing == 2)
    #expect(names.candidates.contains("randn"))
    #expect(s.completions(before: "load(\"mod").candidates.isEmpty)
  }

  @Test func variableSummariesListTypes() throws {
    let (s, _) = session()
    try s.run(source: "A = eye(3); name = \"x\"")
    let summaries = s.variableSummaries()
    #expect(summaries.map(\.name) == ["A", "args", "name"])
    #expect(summaries.first?.type == "matrix")
  }
}

@Suite struct SyntaxTreeTests {
  @Test func syntaxTreePrintsCanonicalForm() throws {
    let s = Session(output: { _ in })
    #expect(try s.syntaxTree("x = 1 + 2 * 3") == "(= x (+ 1 (* 2 3)))")
  }

  @Test func syntaxErrorsAreCollectedInOneScriptError() {
    let s = Session(output: { _ in })
    do {
      _ = try s.syntaxTree("a = \nb = 2 *")
      Issue.record("expected errors")
    } catch {
      #expect(error.phase == .syntax)
      #expect(error.diagnostics.count == 2)
    }
  }
}

@Suite struct SubmitTests {
  @Test func submitReportsEachOutcome() {
    var output = ""
    let s = Session(output: { output += $0 })
    guard case .ran = s.submit("x = 2; x * 21", echo: true) else {
      Issue.record("expected .ran")
      return
    }
    #expect(output == "42\n")
    guard case .incomplete = s.submit("for i in 0:2 do", echo: true) else {
      Issue.record("expected .incomplete")
      return
    }
    guard case .failed(let error) = s.submit("y = nope", echo: true) else {
      Issue.record("expected .failed")
      return
    }
    #expect(
      error.rendered.hasPrefix("<stdin>:1:5: error: unknown name \"nope\""))
  }
}
