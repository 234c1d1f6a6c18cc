import FlarCore
import FlarModels
import Foundation
import TestSupport
import Testing

@testable import FlarScript

/// The latency builtins against FlarCore on the committed fixture CSVs.
///
/// No
/// timing is asserted: measured runs are checked for their structure only.
@Suite struct LatencyBuiltinTests {
  let csv = TestSupport.fixture("latency/synthetic.csv")

  func trained(_ s: ResearchSession) throws {
    try s.run("p = train_latency(\"\(csv)\", n_trees=20, seed=3, hardware=\"fixture\")")
  }

  @Test func trainingMatchesFlarCoreOnTheFixture() throws {
    let s = ResearchSession()
    try trained(s)
    let expected = try LatencyPredictor.train(
      csv: csv, options: RandomForest.Options(treeCount: 20, seed: 3), hardware: "fixture")
    #expect(try s.display("p.r2") == ValueFormatter.repr(.number(expected.metadata.r2)))
    #expect(try s.display("p.mae") == ValueFormatter.repr(.number(expected.metadata.mae)))
    #expect(
      try s.display("[p.samples, p.train, p.test, p.n_trees, p.seed]") == "[600, 480, 120, 20, 3]")
    #expect(try s.display("p.hardware") == "\"fixture\"")
    #expect(try s.display("type(p)") == "\"latency predictor\"")
    let summary = try #require(try s.display("p"))
    #expect(summary.hasPrefix("latency predictor: random forest of 20 trees"))
    #expect(summary.contains("held out: R² "))
  }

  @Test func predictionsMatchFlarCoreInEveryForm() throws {
    let s = ResearchSession()
    try trained(s)
    let expected = try LatencyPredictor.train(
      csv: csv, options: RandomForest.Options(treeCount: 20, seed: 3), hardware: "fixture"
    ).predict(batch: 32, tokens: 16, in: 384, out: 1536, rank: 64)
    let record =
      "{ratio: \(show(expected.ratio)), ms: \(show(expected.milliseconds)), dense_ms: \(show(expected.denseMilliseconds)), rank1_ms: \(show(expected.rank1Milliseconds)), pays_off: \(expected.paysOff)}"
    // repr: every digit (the prompt shows a record's numbers at 6 digits).
    #expect(try s.display("repr(predict_latency(p, 32, 16, 384, 1536, 64))") == "\"\(record)\"")
    #expect(
      try s.display("repr(predict_latency(p, 32, 16, 384, out=1536, rank=64))") == "\"\(record)\"")
  }

  /// The shape goes by name too, `in=` included (a keyword as an argument
  /// name), and gives the positional form's prediction.
  @Test func theShapeGoesByNameWithIn() throws {
    let s = ResearchSession()
    try trained(s)
    let named = try s.display("predict_latency(p, batch=32, tokens=16, in=384, out=1536, rank=64)")
    #expect(named != nil)
    #expect(named == (try s.display("predict_latency(p, 32, 16, 384, 1536, 64)")))
    #expect(try s.display("predict_latency(p, 32, 16, 1536, 384, 64)") != named)
  }

  @Test func theModelFormReadsTheLayerShapeAndAssumesBatch32Tokens16() throws {
    let s = ResearchSession()
    try trained(s)
    let dir = TestSupport.fixture("models/tiny")
    let model = try EncoderModel.load(directory: dir)
    let layer = model.linearLayerNames.first { $0.hasSuffix("intermediate.dense") }!
    let linear = try model.linear(layer)
    s.session.interpreter.setGlobal("m", .handle(ModelHandle(model, path: dir)))
    let rank = min(linear.inFeatures, linear.outFeatures) / 2
    let explicit = try s.display(
      "predict_latency(p, 32, 16, \(linear.inFeatures), \(linear.outFeatures), \(rank))")
    #expect(try s.display("predict_latency(p, m, \"\(layer)\", rank=\(rank))") == explicit)
    #expect(try s.display("predict_latency(p, m, \"\(layer)\", \(rank))") == explicit)
    let other = try s.display(
      "predict_latency(p, 4, 64, \(linear.inFeatures), \(linear.outFeatures), \(rank))")
    #expect(
      try s.display("predict_latency(p, m, \"\(layer)\", rank=\(rank), batch=4, tokens=64)")
        == other)
    #expect(
      s.errorMessage("predict_latency(p, m, \"\(layer)\", rank=2, out=3)")
        == "predict_latency: out= is read from the layer in the model form; leave it out")
  }

  @Test func trainingOnATableEqualsTrainingOnItsCSV() throws {
    let s = ResearchSession()
    try trained(s)
    let table = try BuiltinFamily.datasetTable(LatencyDataset.load(csv), title: "fixture")
    s.session.interpreter.setGlobal("d", .handle(TableHandle(table)))
    try s.run("q = train_latency(d, n_trees=20, seed=3, hardware=\"fixture\")")
    #expect(try s.display("q.r2 == p.r2 and q.mae == p.mae") == "true")
  }

  @Test func fileSavesAPredictorThatLoadsBackEqual() throws {
    try TestSupport.withTemporaryDirectory { dir in
      let s = ResearchSession()
      let path = dir + "/p.json"
      let out = try s.run(
        "p = train_latency(\"\(csv)\", n_trees=5, max_depth=4, file=\"\(path)\")")
      #expect(out == "wrote \(path)\n")
      guard case .handle(let h as PredictorHandle)? = s.session.interpreter.global("p") else {
        Issue.record("p is not a predictor handle")
        return
      }
      #expect(try LatencyPredictor.load(path) == h.predictor)
      #expect(try s.display("[p.max_depth, p.path]") == "[4, \"\(path)\"]")
    }
  }

  @Test func measureLatencyGivesTheRecordOfDesignMd() throws {
    let s = ResearchSession()
    try s.run("r = measure_latency(2, 8, 64, 96, 16, runs=3)")
    #expect(
      try s.display("fields(r)")
        == "[\"dense_ms\", \"rank1_ms\", \"rank_ms\", \"ratio\", \"spread\", \"pays_off\", \"unstable\"]"
    )
    #expect(try s.display("r.dense_ms > 0 and r.rank1_ms > 0 and r.rank_ms > 0") == "true")
    #expect(
      try s.display(
        "r.dense_ms <= r.rank1_ms or abs(r.ratio - (r.rank_ms - r.rank1_ms) / (r.dense_ms - r.rank1_ms)) < 1e-12"
      ) == "true")
    #expect(try s.display("r.spread >= 0") == "true")
  }

  @Test func latencyDatasetAppendsRowsToTheCSV() throws {
    try TestSupport.withTemporaryDirectory { dir in
      let s = ResearchSession()
      let path = dir + "/d.csv"
      try s.run("d = latency_dataset(n=2, file=\"\(path)\", seed=7, runs=1)")
      #expect(try s.display("len(d.rows)") == "2")
      #expect(
        try s.display("d.columns")
          == "[\"batch\", \"tokens\", \"in\", \"out\", \"rank\", \"dense_ms\", \"rank1_ms\", \"rank_ms\", \"ratio\"]"
      )
      try s.run("e = latency_dataset(n=1, file=\"\(path)\", seed=7, runs=1)")
      let loaded = try LatencyDataset.load(path)
      #expect(loaded.count == 3)
      // The same seed draws the same shapes.
      #expect(loaded.samples[0].shape == loaded.samples[2].shape)
      #expect(try s.display("d[0].rank == e[0].rank") == "true")
    }
  }

  /// Ctrl-C sets the session's one flag while a measurement runs (from
  /// another thread, as the SIGINT handler does); the measurement stops at
  /// its next repetition and the interpreter unwinds with the flag cleared.
  @Test func ctrlCStopsAMeasurementAndUnwinds() throws {
    let s = ResearchSession()
    let flag = s.session.interpreter.cancellation
    let pressed = Thread {
      Thread.sleep(forTimeInterval: 0.2)
      flag.cancel()
    }
    pressed.start()
    let started = Date()
    // Millions of repetitions: minutes of work unless the flag stops it.
    #expect(
      s.errorMessage("r = measure_latency(1, 7, 32, 32, 8, runs=5000000)") == "cancelled")
    #expect(Date().timeIntervalSince(started) < 30)
    #expect(!flag.isCancelled)
    #expect(s.errorMessage("r") != nil)
  }

  @Test(arguments: [
    ("predict_latency(p, 32, 16, 384, 1536)", "missing argument \"rank\" to predict_latency"),
    (
      "predict_latency(p, 32, 16, 384, 1536, 0)",
      "bad argument #6 to predict_latency: expected a positive integer, got 0"
    ),
    (
      "predict_latency(p, 32, 16, 384, 1536, 64, 1)",
      "too many arguments to predict_latency: expected at most 6, got 7"
    ),
    (
      "predict_latency(p, 32, 16, 384, 1536, 64, rank=8)",
      "argument \"rank\" to predict_latency given twice"
    ),
    (
      "predict_latency(p, 32, 16, 384, 1536, 999)",
      "predict_latency: invalid layer shape batch 32, tokens 16, in 384, out 1536, rank 999: rank 999 exceeds min(in, out) = 384"
    ),
    (
      "predict_latency(1, 32, 16, 384, 1536, 64)",
      "bad argument \"p\" to predict_latency: expected a latency predictor, got 1"
    ),
    (
      "train_latency(3)",
      "bad argument \"data\" to train_latency: expected a latency table, a list of records or a CSV path, got 3"
    ),
    (
      "train_latency([{a: 1}])",
      "train_latency: latency table has no column \"batch\" (columns: a)"
    ),
    ("train_latency(\"no/such.csv\")", "train_latency: "),
    (
      "train_latency(p, n_trees=0)",
      "bad argument \"n_trees\" to train_latency: expected an integer ≥ 1, got 0"
    ),
    (
      "train_latency(\"x.csv\", test_fraction=0.9)",
      "bad argument \"test_fraction\" to train_latency: expected a fraction in (0, 0.5], got 0.9"
    ),
    (
      "measure_latency(2, 8, 64, 96, 16, runs=0)",
      "bad argument \"runs\" to measure_latency: expected an integer ≥ 1, got 0"
    ),
    ("measure_latency(2, 8, 64, 96)", "missing argument \"rank\" to measure_latency"),
    (
      "latency_dataset(n=0)",
      "bad argument \"n\" to latency_dataset: expected an integer ≥ 1, got 0"
    ),
  ])
  func badArgumentsAreNamed(source: String, message: String) throws {
    let s = ResearchSession()
    try trained(s)
    let got = try #require(s.errorMessage(source))
    #expect(got.hasPrefix(message))
  }
}

@Suite struct PredictorFileTests {
  @Test func saveAndLoadRoundTripAPredictorThroughTheIOFamily() throws {
    try TestSupport.withTemporaryDirectory { dir in
      let s = ResearchSession()
      let csv = TestSupport.fixture("latency/synthetic.csv")
      let path = dir + "/p.json"
      try s.run("p = train_latency(\"\(csv)\", n_trees=5, seed=2)")
      try s.run("save(p, \"\(path)\")")
      try s.run("q = load(\"\(path)\")")
      #expect(try s.display("type(q)") == "\"latency predictor\"")
      #expect(try s.display("q.r2 == p.r2 and q.path == \"\(path)\"") == "true")
      #expect(
        try s.display(
          "predict_latency(q, 8, 16, 384, 384, 64).ms == predict_latency(p, 8, 16, 384, 384, 64).ms"
        )
          == "true")
      #expect(
        s.errorMessage("save(p, \"\(dir)/p.txt\")")?.contains("a .json path for a predictor")
          == true)
    }
  }

  @Test func saveOfATableExportsByExtension() throws {
    try TestSupport.withTemporaryDirectory { dir in
      let s = ResearchSession()
      try s.run("save(table([{a: 1}]), \"\(dir)/t.csv\")")
      #expect(try String(contentsOfFile: dir + "/t.csv", encoding: .utf8) == "a\r\n1\r\n")
    }
  }
}
