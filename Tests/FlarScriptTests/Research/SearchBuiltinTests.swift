import Foundation
import TestSupport
import Testing

@testable import FlarScript

/// `bisect` and `compress(method="flar")` through the language, on the tiny
/// random BERT: one search in the library behind both, counted and shown.
@Suite struct SearchBuiltinTests {
  static let setup =
    CompressBuiltinTests.setup + """

      layer = "encoder.layer.0.intermediate.dense"
      """

  @Test func bisectWithAndWithoutEarlyExitFindsTheSameRank() throws {
    let s = ResearchSession()
    try s.run(Self.setup)
    try s.run(
      """
      a = bisect(m, layer, criterion="feat_mse_dense", tol=0.01, step=4, data=calib, early_exit=false)
      b = bisect(m, layer, criterion="feat_mse_dense", tol=0.01, step=4, data=calib)
      """)
    #expect(try s.display("a.rank == b.rank") == "true")
    #expect(try s.display("a.evals == b.evals") == "true")
    #expect(try s.display("a.early_exits") == "0")
    // Six sentences in one batch: nothing to stop early on, same passes.
    #expect(try s.display("b.forward_passes == a.forward_passes") == "true")
    let shown = try s.run("print(b)")
    #expect(shown.contains("feat_mse_dense <= 0.01"), "\(shown)")
    #expect(shown.contains("forward passes"), "\(shown)")
  }

  @Test(arguments: [0.05, 0.01, 0.002, 0.0005])
  func bisectCertifiedAndPlainFindTheSameRank(tol: Double) throws {
    let s = ResearchSession()
    try s.run(Self.setup)
    try s.run(
      """
      a = bisect(m, layer, tol=\(tol), step=4, data=calib, certify=false)
      b = bisect(m, layer, tol=\(tol), step=4, data=calib)
      """)
    #expect(try s.display("a.rank == b.rank") == "true")
    #expect(try s.display("a.guided") == "0")
    #expect(try s.display("a.fell_back") == "false")
    // One layer alone has no earlier layer of its kind to predict from: the
    // first probe is the bisection's, the next ones are guided (if any).
    let guided = try #require(try s.display("b.guided"))
    let shown = try s.run("print(b)")
    if guided != "0" { #expect(shown.contains("\(guided) guided probes"), "\(shown)") }
    #expect(!(try s.run("print(a)")).contains("guided"))
  }

  @Test func bisectsCriteriaPassInTheirOwnDirection() throws {
    let s = ResearchSession()
    try s.run(Self.setup)
    try s.run(
      """
      c = bisect(m, layer, criterion="weight_cos", tol=0.9, step=4)
      e = bisect(m, layer, criterion="whitened_err", tol=0.1, step=4)
      """)
    #expect(try s.display("c.forward_passes") == "0")
    #expect(try s.run("print(c)").contains("weight_cos >= 0.9"))
    #expect(try s.run("print(e)").contains("whitened_err <= 0.1"))
    // The visits at and above the answer pass, those below fail.
    try s.run(
      """
      ok = true
      for v in c.curve do
        if (v[0] >= c.rank) != (v[1] >= 0.9) then ok = false end
      end
      """)
    #expect(try s.display("ok") == "true")
    #expect(try s.display("len(c.curve) == c.evals") == "true")
  }

  @Test func anUnknownCriterionListsTheNamesAndSuggestsOne() throws {
    let s = ResearchSession()
    try s.run(Self.setup)
    let message = s.errorMessage("bisect(m, layer, criterion=\"feat_mse_dens\", tol=0.1)") ?? ""
    #expect(message.contains("\"feat_mse_dense\""), "\(message)")
    #expect(message.contains("\"weight_cos\""), "\(message)")
  }

  @Test func compressShowsTheSearchsCounts() throws {
    let s = ResearchSession()
    try s.run(Self.setup)
    try s.run(
      "r = compress(m, target=0.7, calib=calib, search=calib, step=4, batch=3, criterion=\"feat_mse_dense\")"
    )
    let shown = try s.run("print(r)")
    #expect(shown.contains("(feat_mse_dense)"), "\(shown)")
    #expect(shown.contains("evaluations ("), "\(shown)")
    #expect(shown.contains("stopped early"), "\(shown)")
    try s.run(
      """
      evals = 0
      exits = 0
      for l in r.layers do
        evals = evals + l.evals
        exits = exits + l.early_exits
      end
      """)
    #expect(try s.display("r.evals == evals and r.early_exits == exits") == "true")
    #expect(try s.display("r.manifest.dense") == "\"keep\"")
    #expect(try s.display("r.manifest.criterion") == "\"feat_mse_dense\"")
  }
}
