import TestSupport
import Testing

@testable import FlarScript

@Suite struct DiagnosticRendererTests {
  @Test func caretCountsCharactersNotBytes() {
    let source = MarkedSource("s = \"é\" + ⟨a⟩nope⟨b⟩")
    let file = SourceFile(name: "u.flar", text: source.text)
    let diagnostic = Diagnostic(
      "unknown name \"nope\"",
      at: SourceRange(start: source["a"], end: source["b"]))
    let expected = """
      u.flar:1:11: error: unknown name "nope"
        |
      1 | s = "é" + nope
        |           ^~~~
      """
    let rendered = DiagnosticRenderer().render(diagnostic, in: file)
    #expect(
      lineDifference(rendered, expected) == nil,
      "\(lineDifference(rendered, expected) ?? "")")
  }

  @Test func gutterWidensForLongLineNumbers() {
    let text = String(repeating: "\n", count: 11) + "x = y"
    let file = SourceFile(name: "f", text: text)
    let rendered = DiagnosticRenderer().render(
      Diagnostic("m", at: SourceRange(start: 15, end: 16)), in: file)
    #expect(rendered == "f:12:5: error: m\n   |\n12 | x = y\n   |     ^")
  }

  @Test func rangeOverSeveralLinesIsUnderlinedToTheLineEnd() {
    let file = SourceFile(name: "f", text: "f(1,\n2)")
    let rendered = DiagnosticRenderer().render(
      Diagnostic("m", at: SourceRange(start: 0, end: 7)), in: file)
    #expect(rendered.hasSuffix("1 | f(1,\n  | ^~~~"))
  }

  @Test func editDistanceCountsTranspositionsOnce() {
    #expect(Suggestion.editDistance("shrnk", "shrink") == 1)
    #expect(Suggestion.editDistance("lw2", "lw") == 1)
    #expect(Suggestion.editDistance("teh", "the") == 1)
    #expect(
      Suggestion.closest(to: "randm", among: ["randn", "round"]) == "randn")
    #expect(Suggestion.closest(to: "zzzzzz", among: ["randn"]) == nil)
    #expect(Suggestion.closest(to: "x", among: ["y"]) == nil)
  }
}
