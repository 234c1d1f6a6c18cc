import Foundation
import TestSupport
import Testing

@testable import FlarScript

/// Every model builtin on the random 2-layer MPNet (Tests/Fixtures/mpnet/tiny):
/// the same calls as on BERT, with MPNet's layer names, and nothing that
/// needs to know the family.
@Suite struct MPNetBuiltinTests {
  static let model = TestSupport.fixture("mpnet/tiny")
  static let setup = """
    m = load("\(model)")
    calib = ["a living organism", "something that people do", "any number of entities", "a point located with respect to surface features", "any substance that can be metabolized", "limited or below average in number"]
    pairs = ["animal\\ta living organism", "act, deed\\tsomething that people do", "group\\tany number of entities", "place\\ta point located with respect to surface features", "food\\tany substance that can be metabolized", "small\\tlimited or below average in number"]
    """

  @Test func loadLayersAndTheOneLayerWalk() throws {
    let s = ResearchSession()
    try s.run(Self.setup)
    #expect(try s.run("print(m)").contains("MPNet, 2 layers, hidden 48, 4 heads"))
    let table = try s.run("print(layers(m, \"encoder.layer.0.*\"))")
    #expect(table.contains("encoder.layer.0.attention.attn.q"), "\(table)")
    #expect(table.contains("encoder.layer.0.output.dense"), "\(table)")
    try s.run(
      """
      name = "encoder.layer.1.attention.attn.v"
      st = hook(m, calib, layers="*.attn.*", maxlen=32)
      H = cov(st[name])
      S = chol(shrink(H, method="lw"))
      f = svd(weight(m, name), whiten=S)
      r = bisect(m, name, whiten=S, tol=0.05, step=4, data=calib)
      c = curve(m, name, ranks=[4, 8, 16], whiten=S, data=calib)
      m2 = replace(m, name, rank=8, whiten=S)
      """)
    // q, k and v read one input: one statistics accumulator under three names.
    #expect(try s.display("st[\"encoder.layer.0.attention.attn.q\"].n") != nil)
    #expect(
      try s.display("st[\"encoder.layer.0.attention.attn.q\"].n")
        == s.display("st[\"encoder.layer.0.attention.attn.v\"].n"))
    #expect(try s.display("rank(m2, name)") == "8")
    #expect(try s.display("rank(m, name) == nil") == "true")
    #expect(try s.display("params(m) - params(m2)") == "\(48 * 48 - 8 * 96)")
    #expect(try s.display("c[0][1] > c[2][1]") == "true")
    #expect(try s.display("len(c)") == "3")
    // The curve falls from 0.118 at rank 4 to 0.051 at 8 and 0.013 at 16:
    // the first multiple of 4 under 0.05 lies between 8 and 16.
    #expect(try s.display("r.rank > 8 and r.rank <= 16") == "true")
  }

  @Test func compressWithEveryMethod() throws {
    let s = ResearchSession()
    try s.run(Self.setup)
    for method in ["svd", "asvd", "svd_llm", "flar", "fwsvd"] {
      try s.run(
        """
        r = compress(m, method="\(method)", target=0.5, calib=calib, search=calib, pairs=pairs, step=4, batch=3, maxlen=32)
        """)
      #expect(
        try s.display("r.params.linear_after <= 0.5 * r.params.linear_before") == "true",
        "\(method)")
      #expect(try s.display("len(r.ranks)") == "12", "\(method)")
      #expect(
        try s.display("r.ranks[\"encoder.layer.0.attention.attn.q\"] < 48") == "true", "\(method)")
    }
  }

  @Test func evaluateEmbedAndSaveLoadBitIdentical() throws {
    let s = ResearchSession()
    try s.run(Self.setup)
    try TestSupport.withTemporaryDirectory { dir in
      let pairsFile = dir + "/pairs.tsv"
      try
        (["animal\ta living organism", "group\tany number of entities", "food\tany substance"]
        .joined(separator: "\n") + "\n").write(toFile: pairsFile, atomically: true, encoding: .utf8)
      try s.run(
        """
        m2 = replace(m, "encoder.layer.0.intermediate.dense", rank=12)
        q = evaluate(m2, reference=m, pairs="\(pairsFile)")
        save(m2, "\(dir)/saved")
        m3 = load("\(dir)/saved")
        """)
      #expect(try s.display("q.top1 >= 0 and q.top1 <= 1") == "true")
      #expect(try s.display("q.mean_cos > 0.5") == "true")
      #expect(try s.display("rank(m3, \"encoder.layer.0.intermediate.dense\")") == "12")
      #expect(try s.display("max(abs(embed(m3, calib) - embed(m2, calib)))") == "0")
    }
  }
}
