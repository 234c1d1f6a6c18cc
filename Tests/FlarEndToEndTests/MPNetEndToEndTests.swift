import Foundation
import TestSupport
import Testing

/// The real all-mpnet-base-v2 (`scripts/setup.sh --model all-mpnet-base-v2`)
/// through the `flar` binary as a new user drives it: load, the layer table,
/// and a one-layer walk hook → cov → shrink → chol → svd → bisect → replace,
/// written exactly as for MiniLM but with MPNet's layer names.
@Suite struct MPNetEndToEndTests {
  @Test func oneLayerWalkOnAllMPNetBaseV2() throws {
    let script = """
      m = load("models/all-mpnet-base-v2")
      print(m)
      print(len(layers(m).name))
      name = "encoder.layer.3.attention.attn.k"
      calib = text("data/calib.txt", limit=24)
      st = hook(m, calib, layers="encoder.layer.3.*", maxlen=48)
      S = chol(shrink(cov(st[name]), method="lw"))
      f = svd(weight(m, name), whiten=S)
      print(shape(f.U))
      r = bisect(m, name, whiten=S, tol=1e-3, step=64, data=calib[0:8])
      m2 = replace(m, name, rank=r.rank, whiten=S)
      print(rank(m2, name) == r.rank, params(m) - params(m2) == 768 * 768 - r.rank * 1536)
      e = embed(m, ["a dog", "a domestic animal"])
      print(shape(e), round(sum(e[0, :] * e[0, :]), 5))
      """
    let r = try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/walk.flar"
      try script.write(toFile: path, atomically: true, encoding: .utf8)
      return try runFlar(arguments: [path], timeout: 600)
    }
    #expect(r.status == 0, "\(r)")
    let lines = r.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first?.contains("MPNet, 12 layers, hidden 768, 12 heads") == true, "\(r)")
    #expect(lines.contains("72"), "\(r)")
    #expect(lines.contains("[768, 768]"), "\(r)")
    #expect(lines.contains("true true"), "\(r)")
    #expect(lines.contains("[2, 768] 1"), "\(r)")
  }

  /// compare-methods.flar takes the model directory as its fourth argument;
  /// on the random 2-layer MPNet its assertions (targets met, whitened and
  /// Fisher-weighted errors below plain SVD's at equal ranks) still hold.
  @Test func compareMethodsTakesTheModelDirectory() throws {
    try TestSupport.withTemporaryDirectory { dir in
      let result = try runFlar(
        arguments: [
          "--quiet", "scripts/compare-methods.flar", "16", "8", dir, "Tests/Fixtures/mpnet/tiny",
        ], timeout: 900)
      #expect(result.status == 0, "\(result)")
      let csv = try String(contentsOfFile: dir + "/compare.csv", encoding: .utf8)
      let rows = csv.split(whereSeparator: \.isNewline)
      // Five methods at two targets, asvd and fwsvd again with allocation="asvd".
      #expect(rows.count == 1 + 1 + 10 + 4, "\(csv)")
      #expect(result.stdout.contains("of 37536 linear parameters"), "\(result)")
    }
  }
}
