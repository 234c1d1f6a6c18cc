import FlarCore
import FlarLinAlg
import Testing

@testable import FlarScript

@Suite struct ValueFormatterTests {
  @Test(arguments: [
    (0.1 + 0.2, "0.30000000000000004"), (14, "14"), (1e-3, "0.001"),
    (-2.5, "-2.5"),
    (1e16, "1e+16"), (9_007_199_254_740_991, "9007199254740991"),
    (.infinity, "inf"),
    (-.infinity, "-inf"), (1e-5, "1e-05"),
  ])
  func numbersPrintAsPythonRepr(_ value: Double, _ text: String) {
    #expect(NumberFormat.shortest(value) == text)
  }

  @Test func stringsAreQuotedWhenNestedAndRawWhenPrinted() {
    let value = Value.string("a\"b\n")
    #expect(ValueFormatter.repr(value) == "\"a\\\"b\\n\"")
    #expect(ValueFormatter.display(value) == "a\"b\n")
    #expect(
      ValueFormatter.repr(.list([value, .null, .bool(true)]))
        == "[\"a\\\"b\\n\", nil, true]")
  }

  @Test func recordsKeepInsertionOrder() {
    let record = RecordBox([("z", .number(1)), ("a", .number(2))])
    record["m"] = .number(3)
    record["z"] = .number(4)
    #expect(record.keys == ["z", "a", "m"])
    #expect(ValueFormatter.repr(.record(record)) == "{z: 4, a: 2, m: 3}")
  }

  @Test func nestedNumbersShowSixDigitsAtThePromptAndAllInRepr() {
    let record = Value.record([("cos", .number(0.2682778593723883)), ("n", .number(14))])
    #expect(ValueFormatter.repr(record) == "{cos: 0.268278, n: 14}")
    #expect(ValueFormatter.repr(record, style: .full) == "{cos: 0.2682778593723883, n: 14}")
    // A number on its own is always whole, as Python's repr.
    #expect(ValueFormatter.repr(.number(0.2682778593723883)) == "0.2682778593723883")
  }

  @Test func longListsAreSummarisedWithACountAtThePromptOnly() {
    let list = Value.list((0..<256).map { .number(Double($0)) })
    let shown = ValueFormatter.repr(list)
    #expect(shown.hasPrefix("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, … 241 more …, 251, 252"))
    #expect(shown.hasSuffix("254, 255]"))
    #expect(ValueFormatter.display(list).contains("128, 129"))
    let short = Value.list((0..<40).map { .number(Double($0)) })
    #expect(!ValueFormatter.repr(short).contains("more"))
  }

  @Test func emptyMatrixPrintsItsShape() {
    #expect(
      ValueFormatter.matrix(Matrix(rows: 0, columns: 3))
        == "array([], shape=(0, 3), float64)")
  }

  @Test func wideMatricesElideMiddleColumns() {
    let text = ValueFormatter.matrix(Matrix(rows: 1, columns: 20, repeating: 1))
    #expect(text == "array([[1, 1, 1, ..., 1, 1, 1]], shape=(1, 20), float64)")
  }

  @Test func warningsGoToTheOutput() throws {
    var output = ""
    let registry = BuiltinRegistry()
    registry.register(
      BuiltinFamily(
        name: "test",
        builtins: [
          Builtin(
            "careful", Signature(), abstract: "warns", examples: ["careful()"]
          ) { _, context in
            context.warn("jitter 1e-10 added")
            return .null
          }
        ]))
    let s = Session(registry: registry, output: { output += $0 })
    try s.run(source: "careful()")
    #expect(output == "warning: jitter 1e-10 added\n")
  }
}
