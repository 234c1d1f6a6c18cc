// The allocation stages of the pipeline other than flar's search: ASVD's
// sensitivity search and the global knapsack. Each sets every layer's rank
// within the budget, so no correction follows.

import FlarCore
import FlarLinAlg

extension Compressor {
  /// ASVD's ratios of the equivalent rank.
  ///
  /// Yuan, Z. et al. (2023). ASVD: Activation-aware Singular Value
  /// Decomposition for Compressing Large Language Models. arXiv:2312.05821,
  /// sensitivity-based truncation rank searching; the reference code's
  /// `--search_method asvd`.
  static let sensitivityRatios = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9]

  /// The finest grid of the latency budget: the knapsack's unit is
  /// `budget / latencyResolution` milliseconds.
  static let latencyResolution = 20_000.0

  /// How a budget fraction maps to the compressed layers' cost:
  /// `budget = target · total − offset` (`Compressor.budget`), so a total
  /// cost `c` is the fraction `(c + offset) / total` of the model's.
  func budgetTerms(_ model: EncoderModel, _ names: [String], meanTokens: Double) throws
    -> (total: Double, offset: Double)
  {
    let p = try budgetParts(model, names, meanTokens: meanTokens)
    switch options.measure {
    case .params:
      return (Double(p.dense + p.biases), Double(p.biases))
    case .flops:
      let offset = Double(p.others) + p.attention
      return (Double(p.dense) + offset, offset)
    }
  }

  /// ASVD's allocation: every layer alone at 0.4…0.9 of its equivalent
  /// rank, the (layer, ratio, sensitivity) list sorted least sensitive
  /// first, and the shortest prefix of it whose ranks meet the budget.
  ///
  /// Taking more of the list never raises the cost (a layer's rank is the
  /// smallest among its entries taken), so the cut is found by bisection.
  /// The reference code's bisection stops one entry short of meeting its
  /// target (it returns the first cut whose ratio exceeds it); here the cut
  /// meets the budget.
  ///
  /// - Throws: `CompressionError.budgetOutOfReach` when even every entry
  ///   taken exceeds the budget.
  func allocateBySensitivity(_ run: inout Run, search: [String], meanTokens: Double) throws {
    let stage = try AllocationStage(
      options: options, model: run.model, names: run.names, decompositions: run.decompositions,
      sentences: search, progress: progress, cancellation: cancellation)
    let list = try stage.sensitivities(ratios: Self.sensitivityRatios)
    let limit = try budget(run.model, run.names, meanTokens: meanTokens)
    func total(_ ranks: [Int?]) -> Int {
      zip(run.budgets, ranks).reduce(0) { s, p in
        var b = p.0
        b.rank = p.1
        return s + b.cost
      }
    }
    if total(stage.ranks(taking: list.count, of: list)) > limit {
      let terms = try budgetTerms(run.model, run.names, meanTokens: meanTokens)
      let least = Double(total(stage.ranks(taking: list.count, of: list)))
      throw CompressionError.budgetOutOfReach(
        allocation: "asvd", measure: options.measure.rawValue, requested: options.target ?? 1,
        minimum: (least + terms.offset) / terms.total, maximum: 1)
    }
    var lo = 0
    var hi = list.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if total(stage.ranks(taking: mid, of: list)) <= limit { hi = mid } else { lo = mid + 1 }
    }
    let ranks = stage.ranks(taking: lo, of: list)
    for i in run.outcomes.indices {
      let name = run.names[i]
      run.budgets[i].rank = ranks[i]
      let entries = list.filter { $0.layer == name }.sorted { $0.rank < $1.rank }
      run.outcomes[i].curve = entries.map { ($0.rank, $0.value) }
      run.outcomes[i].evaluations = entries.count
    }
    let chosenCost = Double(total(ranks))
    var report = AllocationReport(
      method: .asvd, measure: options.measure == .params ? .params : .flops,
      budget: Double(limit), denseCost: Double(run.budgets.reduce(0) { $0 + $1.denseCost }),
      minimumCost: Double(total(stage.ranks(taking: list.count, of: list))),
      layers: [], predictedError: 0, predictedCost: chosenCost, evaluations: stage.evaluations,
      forwardPasses: 0)
    let terms = try budgetTerms(run.model, run.names, meanTokens: meanTokens)
    report.fractionTotal = terms.total
    report.fractionOffset = terms.offset
    report.sensitivity = list
    report.cut = lo
    report.layers = allocatedLayers(run, ranks: ranks) { i, k in
      list.first { $0.layer == run.names[i] && $0.rank == k }?.value ?? 0
    }
    report.predictedError = report.layers.reduce(0) { $0 + $1.error }
    report.measuredError = try stage.measuredError(ranks)
    report.forwardPasses = stage.forwardPasses
    run.forwardPasses = stage.forwardPasses
    run.allocation = report
    run.clock.lap("sensitivity")
  }

  /// The per-layer records of a params/FLOP allocation.
  func allocatedLayers(
    _ run: Run, ranks: [Int?], error: (Int, Int) -> Double
  ) -> [AllocatedLayer] {
    run.outcomes.indices.map { i in
      var b = run.budgets[i]
      b.rank = ranks[i]
      return AllocatedLayer(
        name: run.names[i], measured: run.outcomes[i].curve, rank: ranks[i],
        error: ranks[i].map { error(i, $0) } ?? 0, cost: Double(b.cost),
        denseCost: Double(b.denseCost), sidesSum: Double(b.rows + b.columns))
    }
  }
}
