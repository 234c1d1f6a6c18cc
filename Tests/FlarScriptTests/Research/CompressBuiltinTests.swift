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
