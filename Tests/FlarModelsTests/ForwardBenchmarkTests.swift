import FlarLinAlg
import Foundation
import TestSupport
import Testing

@testable import FlarModels

/// Forward-pass timing of all-MiniLM-L6-v2, run only when FLAR_BENCH=1
/// (release build; see BENCHMARKS-models.md).
///
/// Not a correctness test.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["FLAR_BENCH"] == "1"))
struct ForwardBenchmarkTests {
  /// Median and min–max of `repeats` timed runs after 2 warm-up runs, in ms.
  static func time(repeats: Int = 15, _ body: () throws -> Void) rethrows -> (
    Double, Double, Double
  ) {
    for _ in 0..<2 { try body() }
    var ms: [Double] = []
    for _ in 0..<repeats {
      let t0 = DispatchTime.now().uptimeNanoseconds
      try body()
      ms.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
    }
    ms.sort()
    return (ms[ms.count / 2], ms.first!, ms.last!)
  }

  @Test func miniLMForward32Sentences() throws {
    let threads = Int(ProcessInfo.processInfo.environment["FLAR_THREADS"] ?? "2") ?? 2
    BLASThreads.set(threads)
    let model = try MiniLMTests.model.get()
    let sentences = Array(try ModelFixtures.sentences().prefix(32))
    let batch = try model.tokenizer!.encode(sentences, maxLength: 128)
    let (median, lo, hi) = try Self.time { _ = try model.embed(batch, batchSize: 32) }
    let tokens = batch.tokenCount
    let gflop = Double(model.flopsPerToken * tokens) / 1e9
    print(
      "MiniLM forward, B=32 (\(tokens) real tokens, longest \(batch.longest)), \(threads) threads: median \(median) ms (min \(lo), max \(hi)); linear GFLOP/s \(gflop / median * 1e3)"
    )
    print("padding to 128 costs nothing extra: the packed runtime runs the same \(tokens) tokens")
    // The GEMM roof for the same work: the 36 linear layers alone on N rows.
    let inputs = try model.linearLayerNames.map { name -> (Linear, Matrix<Float>) in
      let l = try model.linear(name)
      return (l, Matrix(rows: tokens, columns: l.inFeatures, repeating: 0.5))
    }
    let (gemm, glo, ghi) = try Self.time { for (l, x) in inputs { _ = try l(x) } }
    print(
      "36 linear layers alone on \(tokens) tokens, \(threads) threads: median \(gemm) ms (min \(glo), max \(ghi)); GFLOP/s \(gflop / gemm * 1e3)"
    )
  }
}
