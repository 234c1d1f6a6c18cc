import Testing

@testable import FlarScript

/// Every `BuiltinError` case renders its payload in one place, lower-case
/// and without a full stop, prefixed by the builtin's name.
@Suite struct BuiltinErrorTests {
  struct Case: CustomTestStringConvertible, Sendable {
    let error: @Sendable () -> BuiltinError
    let builtin: String
    let expected: String
    var testDescription: String { expected }
  }

  static let cases: [Case] = [
    Case(
      error: {
        .badArgument(.named("method"), expected: "\"lw\"", got: "\"lw2\"", suggestion: "lw")
      },
      builtin: "shrink",
      expected:
        "bad argument \"method\" to shrink: expected \"lw\", got \"lw2\" (did you mean \"lw\"?)"),
    Case(
      error: { .missingArgument("tol") }, builtin: "bisect",
      expected: "missing argument \"tol\" to bisect"),
    Case(
      error: { .tooManyArguments(expected: 2, got: 3) }, builtin: "f",
      expected: "too many arguments to f: expected at most 2, got 3"),
    Case(
      error: { .unknownNamedArgument("sed", suggestion: nil) }, builtin: "randn",
      expected: "unknown named argument \"sed\" to randn"),
    Case(
      error: { .duplicateArgument("n") }, builtin: "zeros",
      expected: "argument \"n\" to zeros given twice"),
    Case(
      error: { .assertionFailed(message: "ranks differ") }, builtin: "assert",
      expected: "assert: ranks differ"),
    Case(error: { .emptyInput }, builtin: "max", expected: "max: empty input has no max"),
    Case(
      error: { .matrixTooLarge(rows: 70000, columns: 70000) }, builtin: "zeros",
      expected: "zeros: a 70000x70000 matrix is too large (more than 2^31 elements)"),
    Case(
      error: {
        .matrixExceedsMemory(
          rows: 40000, columns: 40000, memory: 24 << 30, limitedByEnvironment: false)
      },
      builtin: "zeros",
      expected:
        "zeros: a 40000x40000 matrix needs 11.9 GiB of float64, more than half of this machine's 24.0 GiB"
    ),
    Case(
      error: { .modelFormNeedsLayer }, builtin: "predict_latency",
      expected:
        "predict_latency: the model form is predict_latency(p, model, layer, rank=k): a layer name must follow the model"
    ),
    Case(
      error: { .shapeReadFromLayer(parameter: "out") }, builtin: "predict_latency",
      expected: "predict_latency: out= is read from the layer in the model form; leave it out"),
    Case(
      error: { .missingColumn("batch", table: "latency", columns: ["a", "b"]) },
      builtin: "train_latency",
      expected: "train_latency: latency table has no column \"batch\" (columns: a, b)"),
    Case(
      error: { .notANumber(row: 3, column: "ratio", table: "latency") },
      builtin: "train_latency",
      expected: "train_latency: latency table row 3, column \"ratio\": expected a number"),
    Case(
      error: { .bareMatrixCannotShrink(method: "lw", fixed: false) }, builtin: "shrink",
      expected:
        "shrink: method \"lw\" estimates λ from the samples, which a bare matrix does not keep; pass cov(X) or cov(st[layer])"
    ),
    Case(
      error: { .bareMatrixCannotShrink(method: "fixed 0.1", fixed: true) }, builtin: "shrink",
      expected: "shrink: a bare matrix has no samples; pass cov(X) (a fixed λ works on cov(X) too)"),
    Case(
      error: { .rowIndexOutOfRange(-5, count: 2) }, builtin: "index",
      expected: "index: row index -5 is out of range for a table of 2 rows"),
    Case(
      error: { .notARecord(element: 0, culprit: "1") }, builtin: "table",
      expected: "table: element 0 is 1, expected a record (one row)"),
    Case(
      error: { .noColumns }, builtin: "table",
      expected: "table: no columns: give a non-empty list of records"),
    Case(
      error: { .noSuchFile(path: "x/y") }, builtin: "load",
      expected: "load: no such file or directory \"x/y\""),
    Case(
      error: { .cannotCreateDirectory(path: "/proc/x", reason: "permission denied") },
      builtin: "save", expected: "save: cannot create directory \"/proc/x\": permission denied"),
    Case(
      error: { .replaceNeedsRankOrFactors }, builtin: "replace",
      expected:
        "replace: needs rank=k or factors=F (a search that left the layer dense has rank nil: keep the layer as it is)"
    ),
  ]

  @Test(arguments: cases)
  func messageRendersThePayload(_ c: Case) {
    #expect(c.error().message(builtin: c.builtin) == c.expected)
  }

  /// The size check refuses what would overflow, pass 2³¹ elements, or take
  /// more than half of the memory; the memory is injected so the test does
  /// not depend on this machine.
  @Test func sizeCheckRefusesWhatMemoryCannotHold() throws {
    let memory: (UInt64, Bool) = (1 << 30, false)  // 1 GiB: room for 2^26 float64 elements
    try BuiltinFamily.checkSize(1 << 13, 1 << 13, memory: memory)
    #expect(throws: BuiltinError.self) {
      try BuiltinFamily.checkSize(1 << 13, (1 << 13) + 1, memory: memory)
    }
    #expect(throws: BuiltinError.self) {
      try BuiltinFamily.checkSize(1, Int.max, memory: (.max, false))
    }
  }
}
