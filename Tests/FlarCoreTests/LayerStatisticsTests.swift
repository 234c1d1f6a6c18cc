import FlarCore
import FlarLinAlg
import TestSupport
import Testing

@Suite struct LayerStatisticsTests {
  let x: Matrix<Float> = TestSupport.randomMatrix(rows: 57, columns: 9, seed: 7, offset: 0.3)
    .converted()

  @Test func streamedSumsEqualNaiveSumsOverAllSamples() throws {
    let s = try streamed(x, batches: unevenBatches(57))
    let xd: Matrix<Double> = x.converted()
    #expect(s.tokenCount == 57 && s.batchCount == 5)
    // Only summation order differs from the naive loops below.
    #expect(
      TestSupport.closeness(s.gram, try xd.matmul(xd, transposeSelf: true), rtol: 1e-12) == nil)
    var sum = [Double](repeating: 0, count: 9)
    var q = sum
    var absSum = sum
    var maxAbs = sum
    var fourth = 0.0
    var second = 0.0
    for i in 0..<57 {
      let r = xd.row(i)
      let n2 = r.reduce(0) { $0 + $1 * $1 }
      fourth += n2 * n2
      second += n2
      for j in 0..<9 {
        sum[j] += r[j]
        q[j] += n2 * r[j]
        absSum[j] += abs(r[j])
        maxAbs[j] = max(maxAbs[j], abs(r[j]))
      }
    }
    #expect(TestSupport.closeness(s.sum, sum, rtol: 1e-12) == nil)
    #expect(TestSupport.closeness(s.sumNormSquaredX, q, rtol: 1e-12) == nil)
    #expect(TestSupport.closeness(s.sumAbs, absSum, rtol: 1e-12) == nil)
    #expect(s.maxAbs == maxAbs)
    #expect(TestSupport.relativeError(s.sumNormFourth, fourth) < 1e-12)
    #expect(TestSupport.relativeError(s.sumNormSquared, second) < 1e-12)
    #expect(TestSupport.closeness(s.meanAbs, absSum.map { $0 / 57 }, rtol: 1e-12) == nil)
  }

  @Test func mergedAccumulatorsEqualOneAccumulator() throws {
    let whole = try streamed(x, batches: [57])
    var first = try streamed(x.slice(rows: 0..<20, columns: 0..<9), batches: [20])
    let second = try streamed(x.slice(rows: 20..<57, columns: 0..<9), batches: [37])
    try first.merge(second)
    #expect(first.tokenCount == 57 && first.batchCount == 2)
    #expect(TestSupport.closeness(first.gram, whole.gram, rtol: 1e-12) == nil)
    #expect(TestSupport.relativeError(first.sumNormFourth, whole.sumNormFourth) < 1e-12)
  }

  @Test func gemmKernelEqualsSyrkKernel() throws {
    var a = LayerStatistics(features: 9, gramKernel: .syrk)
    var b = LayerStatistics(features: 9, gramKernel: .gemm)
    try a.add(batch: x)
    try b.add(batch: x)
    #expect(TestSupport.closeness(a.gram, b.gram, rtol: 1e-12) == nil)
  }

  @Test func nonFiniteBatchIsRecordedWithItsLocationAndLeftOut() throws {
    var s = LayerStatistics(layer: "encoder.layer.0.attention.self.query", features: 3)
    try s.add(batch: Matrix<Float>([[1, 2, 3]]))
    try s.add(batch: Matrix<Float>([[1, 2, 3], [4, .nan, 6]]))
    #expect(s.tokenCount == 1 && s.batchCount == 2)
    #expect(s.firstNonFinite == .init(batch: 1, token: 1, channel: 1))
    #expect(
      throws: StatisticsError.nonFiniteInput(
        layer: "encoder.layer.0.attention.self.query", batch: 1, token: 1, channel: 1)
    ) {
      try ledoitWolf(s)
    }
    // Merged statistics keep the location, shifted by the batches before.
    var earlier = LayerStatistics(layer: "encoder.layer.0.attention.self.query", features: 3)
    try earlier.add(batch: Matrix<Float>([[0, 0, 1]]))
    try earlier.merge(s)
    #expect(earlier.firstNonFinite == .init(batch: 2, token: 1, channel: 1))
  }

  @Test func wrongWidthIsRefusedWithBothWidths() {
    var s = LayerStatistics(layer: "l", features: 4)
    #expect(throws: StatisticsError.featureMismatch(layer: "l", expected: 4, actual: 3)) {
      try s.add(batch: Matrix<Float>(rows: 2, columns: 3))
    }
  }

  @Test func emptyStatisticsAreRefusedByTheEstimators() {
    let s = LayerStatistics(layer: "l", features: 4)
    #expect(throws: StatisticsError.noTokens(layer: "l")) { try secondMoment(s) }
    #expect(throws: StatisticsError.noTokens(layer: "l")) { try oas(s) }
  }
}

@Suite struct LayerStatisticsMergeTests {
  @Test func mergingDifferentPerBatchSettingsIsRefused() throws {
    var a = LayerStatistics(layer: "k", features: 2, perBatch: .init(method: .oas))
    let b = LayerStatistics(layer: "k", features: 2)
    #expect(throws: StatisticsError.perBatchSettingsDiffer(layer: "k")) { try a.merge(b) }
    #expect(throws: StatisticsError.featureMismatch(layer: "k", expected: 2, actual: 3)) {
      try a.merge(LayerStatistics(layer: "k", features: 3, perBatch: .init(method: .oas)))
    }
  }
}
