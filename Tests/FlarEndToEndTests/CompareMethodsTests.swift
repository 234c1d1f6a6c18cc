import Foundation
import TestSupport
import Testing

/// The comparison script on the real model with a reduced calibration set
/// (32 sentences, a 16-sentence search set).
///
/// The script itself asserts what
/// holds by construction — every model meets its target; at equal ranks the
/// whitened methods have a lower calibration output error than plain SVD,
/// fwsvd a lower Fisher-weighted weight error —
/// and fails with status 1 otherwise.
@Suite struct CompareMethodsTests {
  @Test func comparisonScriptMeetsItsAssertionsAndWritesTheTable() throws {
    try TestSupport.withTemporaryDirectory { dir in
      let result = try runFlar(
        arguments: ["scripts/compare-methods.flar", "32", "16", dir],
        directory: TestSupport.repositoryRoot.path, timeout: 1800)
      #expect(result.status == 0, "\(result)")
      let csv = try String(contentsOfFile: dir + "/compare.csv", encoding: .utf8)
      // RFC 4180 ends lines with CRLF, one Character in Swift: split on any newline.
      let rows = csv.split(whereSeparator: \.isNewline)
      // A header, the dense model, five methods at two targets, and asvd
      // and fwsvd again with ASVD's sensitivity allocation.
      #expect(rows.count == 1 + 1 + 10 + 4)
      #expect(rows.first?.hasPrefix("method,allocation,target,params_M") == true)
      for (method, allocation) in [
        ("svd", "uniform"), ("asvd", "uniform"), ("fwsvd", "uniform"), ("svd_llm", "uniform"),
        ("flar", "flar"), ("asvd", "asvd"), ("fwsvd", "asvd"),
      ] {
        let prefix = method + "," + allocation + ","
        #expect(rows.filter { $0.hasPrefix(prefix) }.count == 2, "\(prefix)")
      }
      #expect(FileManager.default.fileExists(atPath: dir + "/compare.md"))
      #expect(result.stdout.contains("calibration output error at equal ranks"))
    }
  }
}
