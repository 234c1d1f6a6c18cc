import FlarCore
import FlarLinAlg
import TestSupport
import Testing

@Suite struct ShrinkageTests {
  let x: Matrix<Float> = TestSupport.randomMatrix(rows: 64, columns: 8, seed: 3, offset: 0.2)
    .converted()

  @Test func fixedShrinkageIsTheConvexCombination() throws {
    let stats = try streamed(x, batches: [64])
    let h = try secondMoment(stats)
    let s = try fixedShrinkage(stats, lambda: 0.3)
    var expected = h * 0.7
    expected.addToDiagonal(0.3 * h.trace / 8)
    #expect(TestSupport.closeness(s.matrix, expected, rtol: 1e-14) == nil)
    #expect(s.lambda == 0.3 && s.method == .fixed(0.3))
  }

  @Test func fixedShrinkageOutsideUnitIntervalIsRefused() throws {
    let stats = try streamed(x, batches: [64])
    #expect(throws: StatisticsError.shrinkageOutOfRange(lambda: 1.5)) {
      try shrink(stats, method: .fixed(1.5))
    }
  }

  @Test func referenceFormulaIsDegenerateZeroOrOne() throws {
    // The numerator tr(H) − n·mean(diag H) is a rounding error: λ is 0 or
    // 1 (or, rarely, in between when the error is tiny) — never estimated.
    for seed in UInt64(1)...20 {
      let xs: Matrix<Float> = TestSupport.randomMatrix(rows: 30, columns: 7, seed: seed).converted()
      let r = try referenceShrinkage(try streamed(xs, batches: [30]))
      #expect(r.lambda >= 0 && r.lambda <= 1)
    }
    let zero = try referenceShrinkage(
      try streamed(Matrix<Float>(rows: 3, columns: 2), batches: [3]))
    #expect(zero.lambda == 0)  // 0/0 in the reference; flar documents 0
  }

  @Test func perBatchShrinkageAveragesEachBatchsShrunkMatrix() throws {
    let mode = PerBatchShrinkage(method: .ledoitWolf)
    let sizes = [16, 16, 32]
    let stats = try streamed(x, batches: sizes, perBatch: mode)
    var expected = Matrix<Double>(rows: 8, columns: 8)
    var start = 0
    var lambdas: [Double] = []
    for n in sizes {
      let one = LayerStatistics(samples: x.slice(rows: start..<(start + n), columns: 0..<8))
      let lw = try ledoitWolf(one)
      expected += lw.matrix
      lambdas.append(lw.lambda)
      start += n
    }
    #expect(stats.batchCount == 3 && stats.tokenCount == 64)
    let got = try shrink(stats, method: .ledoitWolf, perBatch: true)
    #expect(TestSupport.closeness(got.matrix, expected * (1.0 / 3), rtol: 1e-12) == nil)
    #expect(TestSupport.closeness(stats.perBatchLambdas, lambdas, rtol: 1e-12) == nil)
    // The whole-set statistics are still complete.
    let plain = try streamed(x, batches: [64])
    #expect(TestSupport.closeness(stats.gram, plain.gram, rtol: 1e-12) == nil)
  }

  @Test func perBatchWithoutRecordingIsRefused() throws {
    let stats = try streamed(x, batches: [64], layer: "q")
    #expect(
      throws: StatisticsError.perBatchNotRecorded(
        layer: "q", requested: "reference (uncentered)", recorded: "none")
    ) {
      try shrink(stats, method: .reference, perBatch: true)
    }
  }

  @Test func noShrinkageIsTheSecondMoment() throws {
    let stats = try streamed(x, batches: [64])
    let s = try shrink(stats, method: .none)
    let h = try secondMoment(stats)
    #expect(s.lambda == 0 && s.matrix == h)
  }

  @Test func centeredSecondMomentMatchesSampleCovariance() throws {
    let xd: Matrix<Double> = x.converted()
    let c = try empiricalCovariance(samples: xd, centering: .centered)
    var y = xd
    for j in 0..<8 {
      let m = xd.column(j).reduce(0, +) / 64
      for i in 0..<64 { y[i, j] -= m }
    }
    let naive = try y.matmul(y, transposeSelf: true) * (1.0 / 64)
    #expect(TestSupport.closeness(c, naive, rtol: 1e-12) == nil)
  }
}
