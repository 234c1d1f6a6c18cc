import Testing

@testable import FlarCore

/// A ratio model given by a formula, so that the filter's walk is exact.
struct ScriptedRatios: LatencyRatioPredicting {
  let ratio: @Sendable (LatencyShape) -> Double
  func predictedRatio(_ shape: LatencyShape) -> Double { ratio(shape) }
}

@Suite struct LatencyFilterTests {
  static func shape(rank: Int) -> LatencyShape {
    LatencyShape(batch: 8, tokens: 197, inFeatures: 384, outFeatures: 1536, rank: rank)
  }

  @Test func candidateThatPaysOffIsKept() {
    let filter = LatencyFilter(predictor: ScriptedRatios { _ in 0.4 })
    let d = filter.decide(Self.shape(rank: 96))
    #expect(d.outcome == .lowRank(rank: 96))
    #expect(d.reason == .paysOff)
    #expect(d.trials == [.init(rank: 96, ratio: 0.4)])
    #expect(d.description == "rank 96 kept: Y(96) = 0.4")
  }

  @Test func candidateThatDoesNotPayOffIsLoweredInStepsOfEight() {
    // Y = rank / 100: 104 → 1.04 (slower), 96 → 0.96 (faster).
    let filter = LatencyFilter(predictor: ScriptedRatios { Double($0.rank) / 100 })
    let d = filter.decide(Self.shape(rank: 104))
    #expect(d.rank == 96)
    #expect(d.reason == .paysOffAtLowerRank)
    #expect(d.trials.map(\.rank) == [104, 96])
    #expect(d.description == "rank 104 lowered to 96: Y(104) = 1.04, Y(96) = 0.96")
    // An unaligned candidate goes to the nearest multiple of 8 below it.
    #expect(filter.decide(Self.shape(rank: 100)).trials.map(\.rank) == [100, 96])
  }

  @Test func layerGoesDenseAfterMaximumLowerings() {
    let filter = LatencyFilter(predictor: ScriptedRatios { _ in 2 }, maximumLowerings: 4)
    let d = filter.decide(Self.shape(rank: 104))
    #expect(d.outcome == .dense)
    #expect(d.rank == nil)
    #expect(d.reason == .notFaster)
    #expect(d.trials.map(\.rank) == [104, 96, 88, 80, 72])
  }

  @Test func loweringNeverGoesBelowEight() {
    let filter = LatencyFilter(predictor: ScriptedRatios { _ in .infinity })
    #expect(filter.decide(Self.shape(rank: 16)).trials.map(\.rank) == [16, 8])
    #expect(filter.decide(Self.shape(rank: 8)).trials.map(\.rank) == [8])
  }

  @Test func nonPositiveRatioIsOutOfRange() {
    let filter = LatencyFilter(predictor: ScriptedRatios { _ in -0.1 }, maximumLowerings: 1)
    let d = filter.decide(Self.shape(rank: 64))
    #expect(d.outcome == .dense)
    #expect(d.reason == .ratioOutOfRange)
    #expect(d.trials.map(\.rank) == [64, 56])
    #expect(d.description.hasPrefix("rank 64 left dense, ratio out of (0, 1)"))
  }

  @Test func decideValidatesTheShape() throws {
    let filter = LatencyFilter(predictor: ScriptedRatios { _ in 0.5 })
    #expect(throws: LatencyError.self) {
      try filter.decide(batch: 0, tokens: 8, in: 16, out: 16, rank: 8)
    }
    #expect(try filter.decide(batch: 1, tokens: 8, in: 16, out: 16, rank: 8).rank == 8)
  }

  @Test func alignedRankRoundsDownToMultipleOfEight() {
    #expect(LatencyFilter.alignedRank(100) == 96)
    #expect(LatencyFilter.alignedRank(96) == 96)
    #expect(LatencyFilter.alignedRank(5) == 8)
    #expect(LatencyFilter.alignedRank(33, multiple: 16) == 32)
  }
}
