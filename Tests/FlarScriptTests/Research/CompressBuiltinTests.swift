import Foundation
import TestSupport
import Testing

@testable import FlarScript

/// `compress(method="fwsvd")` through the language, on the tiny random BERT.
@Suite struct CompressBuiltinTests {
  static let model = TestSupport.fixture("models/tiny")
  static let setup = """
    m = load("\(model)")
    calib = ["a living organism", "something that people do", "any number of entities", "a point located with respect to surface features", "any substance that can be metabolized", "limited or below average in number"]
    pairs = ["animal\\ta living organism", "act, deed\\tsomething that people do", "group\\tany number of entities", "place\\ta point located with respect to surface features", "food\\tany substance that can be metabolized", "small\\tlimited or below average in number"]
    """

  @Test func fwsvdRecordsItsFisherStageLossAndPairs() throws {
    let s = ResearchSession()
    try s.run(Self.setup)
    try s.run(
      "r = compress(m, method=\"fwsvd\", target=0.5, calib=calib, search=calib, pairs=pairs, step=4, batch=3)"
    )
    #expect(try s.display("r.params.linear_after <= 0.5 * r.params.linear_before") == "true")
    #expect(try s.display("fields(r.timings)")?.contains("\"fisher\"") == true)
    #expect(try s.display("len(r.fisher)") == "12")
    #expect(try s.display("shape(r.fisher[\"encoder.layer.0.intermediate.dense\"])") == "[1, 48]")
    let manifest = try s.display("r.manifest") ?? ""
    #expect(manifest.contains("symmetric in-batch multiple-negatives ranking, scale 20\""))
    #expect(manifest.contains("6 query/definition pairs, sha256"))
    #expect(try s.run("print(r)").contains("fisher: 6 pairs in 2 batches"))
  }

  @Test func flarKeepsEachLayersCurveAndShowExplainsTheRank() throws {
    let s = ResearchSession()
    try s.run(Self.setup)
    try s.run("c = compress(m, method=\"flar\", target=0.5, calib=calib, search=calib, step=4)")
    let layer = "encoder.layer.0.intermediate.dense"
    // Every rank the bisection evaluated, with its value, is kept.
    #expect(try s.display("len(c.curves) == len(c.ranks)") == "true")
    let evaluations = try #require(try s.display("len(c.curves[\"\(layer)\"])"))
    #expect(try s.display("c.layers[4].evals") == evaluations)
    let text = try s.run("show(c, \"\(layer)\")")
    #expect(text.hasPrefix("\(layer): 96x48"), "\(text)")
    #expect(text.contains("search: the smallest rank whose feat_mse_dense <= tau "), "\(text)")
    let plural = { (n: String, noun: String) in n == "1" ? "1 \(noun)" : "\(n) \(noun)s" }
    #expect(text.contains(", \(plural(evaluations, "evaluation")) (rank: value):"), "\(text)")
    // The blocks are searched last to first, so layer 0 predicts from the
    // layer of its kind in block 1; without a prediction it is a bisection.
    let guided = try #require(try s.display("c.layers[4].guided"))
    #expect(
      text.contains(
        guided == "0"
          ? "bisection, "
          : "certified search (\(plural(guided, "probe")) where the whitened error predicted the rank"
      ),
      "\(text)")
    #expect(text.contains("searched: "), "\(text)")
    #expect(
      s.errorMessage("show(c, \"encoder.layer.0.intermediate.dens\")")?.contains(
        "did you mean \"\(layer)\"") == true)
  }

  /// `plot(c, layer)` draws the layer's bisection curve with tau as a line
  /// in the legend, and `plot(r)` a bisect result's with its tolerance.
  @Test func plotOfASearchMarksItsTolerance() throws {
    let s = ResearchSession()
    try s.run(Self.setup)
    try s.run("c = compress(m, method=\"flar\", target=0.5, calib=calib, search=calib, step=4)")
    let layer = "encoder.layer.0.intermediate.dense"
    let tau = try s.run("print(str(c.tau, digits=4))").trimmingCharacters(in: .newlines)
    let out = try s.run("plot(c, \"\(layer)\", width=70, height=12)")
    #expect(out.contains("tau = \(tau)"), "\(out)")
    #expect(out.contains("⠤⠤ \(layer)"), "\(out)")
    #expect(out.contains("feat_mse_dense") && out.contains("rank"), "\(out)")
    #expect(
      s.errorMessage("plot(c, \"encoder.layer.0.intermediate.dens\")")?.contains(
        "did you mean \"\(layer)\"") == true)
    try s.run("r = bisect(m, \"\(layer)\", tol=0.05, data=calib, step=4)")
    let search = try s.run("plot(r, width=70, height=12)")
    #expect(search.contains("tol = 0.05"), "\(search)")
    try s.run("c2 = compress(m, method=\"svd\", target=0.5, calib=calib)")
    #expect(
      s.errorMessage("plot(c2, \"\(layer)\")")?.contains("this one has no tau") == true)
  }

  @Test func malformedPairInAListNamesTheItem() throws {
    let s = ResearchSession()
    try s.run(Self.setup)
    let message = s.errorMessage(
      "compress(m, method=\"fwsvd\", calib=calib, search=calib, pairs=[\"a\\tb\", \"no tab\"])")
    #expect(message?.contains("bad argument \"pairs\"") == true, "\(message ?? "")")
    #expect(message?.contains("item 1 with 1 tab-separated field(s)") == true, "\(message ?? "")")
  }

  @Test func missingPairsFileIsNamed() throws {
    let s = ResearchSession()
    try s.run(Self.setup)
    let message = s.errorMessage(
      "compress(m, method=\"fwsvd\", calib=calib, search=calib, pairs=\"/nonexistent/calib_pairs.tsv\")"
    )
    #expect(message?.contains("/nonexistent/calib_pairs.tsv") == true, "\(message ?? "")")
    #expect(message?.contains("scripts/setup.sh") == true, "\(message ?? "")")
  }

  @Test func helpDescribesTheFisherLoss() throws {
    let out = try ResearchSession().run("help(compress)")
    #expect(out.contains("fwsvd"))
    #expect(out.contains("symmetric in-batch"))
    #expect(out.contains("data/eval_pairs.tsv) are never used"))
  }
}
