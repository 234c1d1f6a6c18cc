// The global allocation: per-layer error curves measured at a handful of
// ranks, interpolated monotonically, and the multiple-choice knapsack that
// picks one rank per layer (or dense) for the least summed error within a
// parameter, FLOP or latency budget.

import FlarCore
import FlarLinAlg

extension Compressor {
  /// The ranks measured on a layer's curve: `points` of its candidates,
  /// evenly spaced by index, the smallest and the largest always among them
  /// (every candidate when there are no more than `points`).
  static func measuredRanks(_ candidates: [Int], points: Int) -> [Int] {
    guard candidates.count > points, points >= 2 else { return candidates }
    let last = candidates.count - 1
    let picks = (0..<points).map { i in
      Int((Double(i * last) / Double(points - 1)).rounded())
    }
    return Array(Set(picks)).sorted().map { candidates[$0] }
  }

  /// At most `limit` points of a front, evenly by index, the first and the
  /// last kept.
  static func thinned(
    _ points: [(cost: Double, error: Double)], limit: Int = 200
  ) -> [(cost: Double, error: Double)] {
    guard points.count > limit else { return points }
    let last = points.count - 1
    return (0..<limit).map { points[Int((Double($0 * last) / Double(limit - 1)).rounded())] }
  }

  /// One layer's options for the knapsack: every candidate rank with its
  /// cost and interpolated error, then dense (error 0).
  struct LayerChoices {
    var ranks: [Int?]
    var options: [KnapsackOption]
    var slower: [Int]
  }

  /// The global allocation (see `AllocationMethod.global`).
  ///
  /// Forward passes: `points` evaluations per layer (each from the layer's
  /// cached input), against FLAR's `⌈log2(k_eq / step)⌉` bisection steps
  /// plus the uniform model for τ; both are counted in the result.
  ///
  /// - Throws: `CompressionError.missingOption` for a latency budget
  ///   without a predictor, `.budgetOutOfReach` for a budget below the
  ///   cheapest choice, and the errors of the evaluations.
  func allocateGlobally(_ run: inout Run, search: [String], meanTokens: Double) throws {
    let byLatency = options.allocationMeasure == .latency
    let tokens = options.latencyTokens ?? max(1, Int(meanTokens.rounded()))
    if byLatency, options.latency == nil { throw CompressionError.noPredictor }
    let stage = try AllocationStage(
      options: options, model: run.model, names: run.names, decompositions: run.decompositions,
      sentences: search, progress: progress, cancellation: cancellation)
    func cost(_ i: Int, _ k: Int?) throws -> Double {
      let o = run.outcomes[i]
      if byLatency {
        let p = try options.latency!.predict(
          batch: options.latencyBatch, tokens: tokens, in: o.inFeatures, out: o.outFeatures,
          rank: k ?? 1)
        return k == nil ? p.denseMilliseconds : p.milliseconds
      }
      var b = run.budgets[i]
      b.rank = k
      return Double(b.cost)
    }
    progress.begin("curves", total: run.names.count)
    var choices: [LayerChoices] = []
    for (i, name) in run.names.enumerated() {
      try cancellation?.checkCancellation()
      let candidates = stage.candidateRanks(name)
      let points = try Self.measuredRanks(candidates, points: options.curvePoints).map {
        (rank: $0, error: try stage.error(name, rank: $0))
      }
      run.outcomes[i].curve = points.map { ($0.rank, $0.error) }
      run.outcomes[i].evaluations = points.count
      let curve = points.isEmpty ? nil : MonotoneErrorCurve(points: points)
      let dense = try cost(i, nil)
      var c = LayerChoices(ranks: [], options: [], slower: [])
      for k in candidates {
        let ck = try cost(i, k)
        // A pair predicted no faster than dense is never a choice.
        if byLatency, ck >= dense {
          c.slower.append(k)
          continue
        }
        c.ranks.append(k)
        c.options.append(KnapsackOption(cost: ck, error: curve!.value(at: k)))
      }
      c.ranks.append(nil)
      c.options.append(KnapsackOption(cost: dense, error: 0))
      choices.append(c)
      progress.advance(by: 1)
    }
    progress.end()
    try solveGlobally(&run, choices, stage: stage, meanTokens: meanTokens)
    run.clock.lap("allocation")
  }

  /// The knapsack over the layers' choices, and the report.
  func solveGlobally(
    _ run: inout Run, _ choices: [LayerChoices], stage: AllocationStage, meanTokens: Double
  ) throws {
    let knapsack = try MultipleChoiceKnapsack(groups: choices.map(\.options))
    let denseCost = choices.reduce(0) { $0 + $1.options.last!.cost }
    let target = options.target ?? 1
    let limit: Double
    let terms: (total: Double, offset: Double)
    if options.allocationMeasure == .latency {
      terms = (denseCost, 0)
      limit = target * denseCost
    } else {
      terms = try budgetTerms(run.model, run.names, meanTokens: meanTokens)
      limit = Double(try budget(run.model, run.names, meanTokens: meanTokens))
    }
    let least = knapsack.costRange.lowerBound
    guard limit >= least else {
      throw CompressionError.budgetOutOfReach(
        allocation: "global", measure: options.allocationMeasure.rawValue, requested: target,
        minimum: (least + terms.offset) / terms.total, maximum: 1)
    }
    // Parameters and FLOPs: integer costs, the gcd unit, exact. Latency:
    // milliseconds on a grid of budget / latencyResolution.
    let unit =
      options.allocationMeasure == .latency
      ? limit / Self.latencyResolution : knapsack.integerUnit ?? 1
    let best = knapsack.raised(try knapsack.solve(budget: limit, unit: unit), budget: limit)
    let relaxed = try knapsack.lagrangian(budget: limit)
    let ranks = zip(choices, best.choices).map { $0.ranks[$1] }
    for i in run.outcomes.indices { run.budgets[i].rank = ranks[i] }
    var layers: [AllocatedLayer] = []
    for (i, c) in choices.enumerated() {
      let o = c.options[best.choices[i]]
      layers.append(
        AllocatedLayer(
          name: run.names[i], measured: run.outcomes[i].curve, rank: ranks[i], error: o.error,
          cost: o.cost, denseCost: c.options.last!.cost,
          sidesSum: Double(run.budgets[i].rows + run.budgets[i].columns),
          slowerThanDense: c.slower))
    }
    var report = AllocationReport(
      method: .global, measure: options.allocationMeasure, budget: limit, denseCost: denseCost,
      minimumCost: least, layers: layers, predictedError: best.error, predictedCost: best.cost,
      evaluations: stage.evaluations, forwardPasses: 0)
    report.dualBound = relaxed.dualBound
    report.lagrangianError = relaxed.primal.error
    report.unit = unit
    report.fractionTotal = terms.total
    report.fractionOffset = terms.offset
    report.front = try Self.thinned(
      knapsack.front(unit: knapsack.integerUnit ?? denseCost / Self.latencyResolution)
    ).map { (report.fraction(ofCost: $0.cost), $0.error) }
    report.measuredError = try stage.measuredError(ranks)
    report.forwardPasses = stage.forwardPasses
    run.forwardPasses = stage.forwardPasses
    run.allocation = report
  }
}
