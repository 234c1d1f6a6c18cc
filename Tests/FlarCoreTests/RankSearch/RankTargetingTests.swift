import Testing

@testable import FlarCore

@Suite struct RankTargetingTests {
  /// The six linear layers of one BERT block of width 384.
  func block(ranks: [Int?]) -> [LayerBudget] {
    let shapes = [(384, 384), (384, 384), (384, 384), (384, 384), (1536, 384), (384, 1536)]
    return zip(shapes, ranks).enumerated().map { i, p in
      LayerBudget(name: "l\(i)", rows: p.0.0, columns: p.0.1, rank: p.1)
    }
  }

  @Test func correctedTotalMeetsTheBudgetWithinOneStepPerLayer() {
    let layers = block(ranks: [40, 96, 160, nil, 200, 64])
    let dense = layers.reduce(0) { $0 + $1.denseCost }
    for fraction in [0.3, 0.5, 0.7] {
      let budget = Int(Double(dense) * fraction)
      let out = correctRanks(layers, budget: budget)
      let total = out.reduce(0) { $0 + $1.cost }
      #expect(total <= budget)
      // One more step on the cheapest layer would not fit, or every layer
      // is already as large as it can be: the miss is at most one step per
      // layer.
      let slack = out.reduce(0) { $0 + 8 * ($1.rows + $1.columns) }
      #expect(budget - total <= slack, "fraction \(fraction): \(total) of \(budget)")
      #expect(out.allSatisfy { ($0.rank ?? 8) % 8 == 0 })
    }
  }

  @Test(arguments: [0.3, 0.5, 0.7])
  func keptDenseLayersStayDenseAndTheBudgetIsMetWithinOneStepPerLayer(fraction: Double) {
    // Two blocks; the search left l3 and l10 dense.
    let layers =
      block(ranks: [40, 96, 160, nil, 200, 64]) + block(ranks: [24, 32, 48, 88, nil, 296])
    let dense = layers.reduce(0) { $0 + $1.denseCost }
    let budget = Int(Double(dense) * fraction)
    let out = correctRanks(layers, budget: budget, dense: .keep)
    for (before, after) in zip(layers, out) where before.rank == nil {
      #expect(after.rank == nil, "\(before.name) turned low-rank")
    }
    let total = out.reduce(0) { $0 + $1.cost }
    #expect(total <= budget)
    // Only the rescaled layers can take one more step.
    let slack = zip(layers, out).filter { $0.0.rank != nil }.reduce(0) {
      $0 + 8 * ($1.1.rows + $1.1.columns)
    }
    #expect(budget - total <= slack, "\(total) of \(budget)")
    #expect(out.allSatisfy { ($0.rank ?? 8) % 8 == 0 })
    // The old behaviour rescales the dense ones too.
    let rescaled = correctRanks(layers, budget: budget, dense: .rescale)
    #expect(rescaled[3].rank != nil || fraction > 0.6)
  }

  @Test func keepingDenseLayersWithNothingToRescaleLeavesThemAlone() {
    let layers = block(ranks: [nil, nil, nil, nil, nil, nil])
    let out = correctRanks(layers, budget: 1000, dense: .keep)
    #expect(out == layers)
  }

  @Test func relativeOrderOfRanksIsKept() {
    let out = correctRanks(block(ranks: [16, 32, 64, 128, 160, 200]), budget: 400_000)
    let ranks = out.map { $0.rank ?? Int.max }
    #expect(ranks == ranks.sorted())
  }

  @Test func generousBudgetLeavesEverythingDense() {
    let layers = block(ranks: [8, 8, 8, 8, 8, 8])
    let dense = layers.reduce(0) { $0 + $1.denseCost }
    #expect(correctRanks(layers, budget: dense).allSatisfy { $0.rank == nil })
  }

  @Test func unreachableBudgetGivesTheSmallestRanks() {
    let out = correctRanks(block(ranks: [64, 64, 64, 64, 64, 64]), budget: 10)
    #expect(out.allSatisfy { $0.rank == 8 })
  }
}
