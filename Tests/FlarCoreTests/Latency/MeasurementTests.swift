import Testing

@testable import FlarCore

/// Measurement is checked for structure only: timings are noisy, so no test
/// asserts a duration or an ordering between the three forms.
@Suite struct MeasurementTests {
  static let quick = LatencyTiming(warmupCalls: 1, minimumSeconds: 0.001)

  @Test func measurementHasPositiveOrderedSummaries() throws {
    let m = try measureLatency(
      batch: 2, tokens: 9, in: 32, out: 48, rank: 8, runs: 4, timing: Self.quick)
    #expect(m.shape == LatencyShape(batch: 2, tokens: 9, inFeatures: 32, outFeatures: 48, rank: 8))
    for s in [m.dense, m.rank1, m.rankK] {
      #expect(s.perCallMilliseconds.count == 4)
      #expect(s.loops >= 1)
      #expect(s.minimumMilliseconds > 0)
      let (q1, q3) = s.interquartileRange
      #expect(s.minimumMilliseconds <= q1 && q1 <= s.medianMilliseconds)
      #expect(s.medianMilliseconds <= q3 && q3 <= s.maximumMilliseconds)
    }
    let expected = recoveryRatio(
      denseMilliseconds: m.dense.medianMilliseconds,
      rank1Milliseconds: m.rank1.medianMilliseconds,
      rankMilliseconds: m.rankK.medianMilliseconds)
    #expect(m.ratio == expected || (m.ratio.isNaN && expected.isNaN))
    let sample = LatencySample(m)
    #expect(sample.denseMilliseconds == m.dense.medianMilliseconds)
    #expect(sample.rankMilliseconds == m.rankK.medianMilliseconds)
    #expect(sample.rank1Milliseconds == m.rank1.medianMilliseconds)
  }

  @Test func recoveryRatioFormula() {
    // (t_k − t_1) / (t_dense − t_1) = (3 − 1) / (5 − 1)
    #expect(recoveryRatio(denseMilliseconds: 5, rank1Milliseconds: 1, rankMilliseconds: 3) == 0.5)
    #expect(recoveryRatio(denseMilliseconds: 5, rank1Milliseconds: 1, rankMilliseconds: 7) == 1.5)
    #expect(recoveryRatio(denseMilliseconds: 5, rank1Milliseconds: 1, rankMilliseconds: 1) == 0)
    // Rank 1 not faster than dense: undefined, reported as +∞ ("does not pay off").
    #expect(
      recoveryRatio(denseMilliseconds: 1, rank1Milliseconds: 1, rankMilliseconds: 2) == .infinity)
    #expect(
      recoveryRatio(denseMilliseconds: 1, rank1Milliseconds: 2, rankMilliseconds: 2) == .infinity)
  }

  @Test func cancellationStopsBetweenRepetitions() {
    var asked = 0
    // Asked before warm-up, before repetition 0, then stop before repetition 1.
    let stop = { () -> Bool in
      asked += 1
      return asked >= 3
    }
    #expect(throws: LatencyError.cancelled(completedRepetitions: 1, of: 5)) {
      try measureLatency(
        batch: 1, tokens: 8, in: 16, out: 16, rank: 4, runs: 5, timing: Self.quick,
        shouldStop: stop)
    }
  }

  @Test func invalidShapesAreRejectedWithReason() {
    let zero = LatencyShape(batch: 1, tokens: 8, inFeatures: 16, outFeatures: 16, rank: 0)
    #expect(throws: LatencyError.invalidShape(zero, reason: "rank must be at least 1, got 0")) {
      try measureLatency(batch: 1, tokens: 8, in: 16, out: 16, rank: 0)
    }
    let big = LatencyShape(batch: 1, tokens: 8, inFeatures: 16, outFeatures: 32, rank: 17)
    #expect(throws: LatencyError.invalidShape(big, reason: "rank 17 exceeds min(in, out) = 16")) {
      try measureLatency(batch: 1, tokens: 8, in: 16, out: 32, rank: 17)
    }
    #expect(throws: LatencyError.invalidOption(name: "runs", value: "0", expected: "at least 1")) {
      try measureLatency(batch: 1, tokens: 8, in: 16, out: 16, rank: 4, runs: 0)
    }
    #expect(
      LatencyError.invalidShape(zero, reason: "rank must be at least 1, got 0").description
        == "invalid layer shape batch 1, tokens 8, in 16, out 16, rank 0: rank must be at least 1, got 0"
    )
  }

  @Test func summaryQuantilesMatchNumPyLinear() {
    // numpy.quantile([4, 1, 3, 2], [0.25, 0.5, 0.75]) == [1.75, 2.5, 3.25]
    let s = TimingSummary(perCallMilliseconds: [4, 1, 3, 2], loops: 1)
    #expect(s.quantile(0.25) == 1.75)
    #expect(s.medianMilliseconds == 2.5)
    #expect(s.interquartileRange.upper == 3.25)
    #expect(!s.isUnstable)
    #expect(TimingSummary(perCallMilliseconds: [1, 4.5], loops: 1).isUnstable)
  }

  @Test func autorangeFollowsTimeitSequence() {
    let timer = InterleavedTimer(
      timing: LatencyTiming(warmupCalls: 0, minimumSeconds: 1, maximumLoops: 50), runs: 1)
    // A no-op never reaches 1 s: autorange stops at the cap.
    #expect(timer.autorange({}) == 50)
  }
}
