import Foundation
import TestSupport
import Testing

private let torchIsInstalled = (try? runPython(["-c", "import torch"]).status) == 0

/// scripts/gpu_latency.py, run on the CPU (no GPU is needed to check the
/// file it writes): the reference's columns, appending with resume, and flar
/// reading the result.
///
/// Skipped where PyTorch is not installed.
@Suite(.enabled(if: torchIsInstalled, "needs python3 with torch"))
struct GPULatencyScriptTests {
  /// Small shapes on one thread keep the run to seconds on a busy CPU.
  fileprivate static func measure(_ n: Int, into path: String) throws -> FlarResult {
    try runPython([
      "scripts/gpu_latency.py", "--device", "cpu", "--dtype", "float32", "--threads", "1",
      "--runs", "3", "--max-batch", "4", "--max-flops", "5e7", "-q", "--n", String(n),
      "--out", path,
    ])
  }

  static func shapes(_ csv: String) -> [String] {
    csv.split(whereSeparator: \.isNewline).dropFirst().map {
      $0.split(separator: ",").prefix(5).joined(separator: ",")
    }
  }

  @Test func writesTheReferenceColumnsResumesAndFlarReadsIt() throws {
    try TestSupport.withTemporaryDirectory { dir in
      let resumed = dir + "/resumed.csv"
      let once = dir + "/once.csv"
      for (n, path) in [(3, resumed), (2, resumed), (5, once)] {
        let r = try Self.measure(n, into: path)
        #expect(r.status == 0, "\(r.output)")
      }
      let text = try String(contentsOfFile: resumed, encoding: .utf8)
      #expect(
        text.hasPrefix(
          "Batch_dim,Patch_dim,In_feats,Out_feats,Rank,Og_lat,Latency,Min_lat,Lat_recovery\n"))
      // A resumed run continues the seeded sequence instead of repeating it.
      #expect(Self.shapes(text) == Self.shapes(try String(contentsOfFile: once, encoding: .utf8)))
      #expect(Self.shapes(text).count == 5)

      let flar = try runFlar(arguments: [
        "-e", "d = latency_csv(\"\(resumed)\"); print(len(d.rows), d.rows[0].dense_ms > 0)",
      ])
      #expect(flar.status == 0 && flar.stdout == "5 true\n", "\(flar)")
    }
  }

  @Test func refusesAFileWithAnotherHeader() throws {
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/other.csv"
      try "a,b\n1,2\n".write(toFile: path, atomically: true, encoding: .utf8)
      let r = try Self.measure(1, into: path)
      #expect(r.status != 0 && r.output.contains("header is not the latency CSV's"), "\(r.output)")
      #expect(try String(contentsOfFile: path, encoding: .utf8) == "a,b\n1,2\n")
    }
  }
}
