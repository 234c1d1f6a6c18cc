import FlarCore
import FlarLinAlg
import TestSupport
import Testing

@testable import FlarModels

/// The allocation axis on the tiny random BERT (2 layers, H 48, I 96),
/// ranks in steps of 4.
@Suite struct AllocationTests {
  func run(_ configure: (inout CompressionOptions) -> Void) throws -> CompressionResult {
    var options = CompressionOptions()
    options.step = 4
    options.batchSize = 16
    configure(&options)
    let all = try CompressionTests.sentences.get()
    return try Compressor(options: options).run(
      try CompressionTests.model.get(), calibration: Array(all.prefix(96)),
      search: Array(all.suffix(24)))
  }

  /// The layer's next costlier rank (or dense) in weights.
  func nextCost(_ l: LayerOutcome) -> Int? {
    guard let k = l.rank else { return nil }
    let keq = equivalentRank(outputs: l.outFeatures, inputs: l.inFeatures)
    return k + 4 < keq ? (k + 4) * (l.outFeatures + l.inFeatures) : l.outFeatures * l.inFeatures
  }

  @Test(arguments: [0.4, 0.6, 0.8])
  func globalParamsBudgetIsMetToOneStepPerLayer(target: Double) throws {
    let r = try run {
      $0.method = .flar
      $0.allocation = .global
      $0.target = target
      $0.curvePoints = 3
    }
    let a = try #require(r.allocation)
    let weights = r.layers.reduce(0) { s, l in
      s + (l.rank.map { $0 * (l.outFeatures + l.inFeatures) } ?? l.outFeatures * l.inFeatures)
    }
    #expect(Double(weights) == a.predictedCost)
    #expect(Double(weights) <= a.budget)
    // No layer can take its next rank (or dense) within the budget: the
    // budget is met to one step per layer (the curves never rise with the
    // rank, so a move that fits is always taken).
    for (l, layer) in zip(r.layers, a.layers) {
      guard let next = nextCost(l) else { continue }
      let fits = Double(weights - Int(layer.cost) + next) <= a.budget
      #expect(!fits, "\(l.name)")
    }
    // Exact on its curves: the Lagrangian bound is below, its answer above.
    #expect(a.dualBound! <= a.predictedError + 1e-12)
    #expect(a.lagrangianError! >= a.predictedError - 1e-12)
    // Every layer measured at 3 ranks, the smallest and the largest included.
    for l in r.layers {
      #expect(l.curve.count == 3 && l.curve.first?.rank == 4)
      #expect(l.evaluations == 3)
    }
    #expect(a.evaluations == 3 * r.layers.count)
    #expect(a.measuredError! > 0)
    for layer in r.layers { #expect(try r.model.linear(layer.name).rank == layer.rank) }
  }

  @Test func globalMatchesBruteForceOnTwoLayers() throws {
    // Two layers only: every pair of options enumerated.
    let r = try run {
      $0.allocation = .global
      $0.layers = "encoder.layer.0.attention.self.*"
      $0.target = 0.5
      $0.curvePoints = 2
    }
    let a = try #require(r.allocation)
    let groups = a.layers.map { l -> [(Int?, Double, Double)] in
      let curve = MonotoneErrorCurve(points: l.measured.map { ($0.rank, $0.value) })
      let keq = equivalentRank(outputs: 48, inputs: 48)
      return stride(from: 4, to: keq, by: 4).map { k in (k, Double(k * 96), curve.value(at: k)) }
        + [(nil, 48.0 * 48, 0)]
    }
    var best = Double.infinity
    func visit(_ g: Int, _ cost: Double, _ error: Double) {
      if g == groups.count {
        if cost <= a.budget { best = min(best, error) }
        return
      }
      for o in groups[g] { visit(g + 1, cost + o.1, error + o.2) }
    }
    visit(0, 0, 0)
    #expect(abs(a.predictedError - best) < 1e-12)
  }

  @Test func asvdTakesTheShortestPrefixOfTheSortedListThatMeetsTheTarget() throws {
    let r = try run {
      $0.method = .asvd
      $0.allocation = .asvd
      $0.target = 0.7
    }
    let a = try #require(r.allocation)
    #expect(a.sensitivity.map(\.value) == a.sensitivity.map(\.value).sorted())
    #expect(Double(r.linearParamsAfter) <= Double(r.linearParamsBefore) * 0.7)
    // One entry fewer misses the target.
    func cost(taking cut: Int) -> Int {
      var smallest: [String: Int] = [:]
      for e in a.sensitivity.prefix(cut) {
        smallest[e.layer] = min(smallest[e.layer] ?? .max, e.rank)
      }
      return r.layers.reduce(0) { s, l in
        s
          + (smallest[l.name].map { $0 * (l.outFeatures + l.inFeatures) } ?? l.outFeatures
            * l.inFeatures)
      }
    }
    let cut = try #require(a.cut)
    #expect(Double(cost(taking: cut)) <= a.budget)
    #expect(cut == 0 || Double(cost(taking: cut - 1)) > a.budget)
    // Six ratios per layer, fewer where two ratios round to one rank.
    #expect(a.sensitivity.count <= 6 * r.layers.count && a.sensitivity.count > r.layers.count)
  }

  @Test func defaultAllocationsLeaveEveryMethodAsBefore() throws {
    let implicit = try run { $0.method = .flar }
    let explicit = try run {
      $0.method = .flar
      $0.allocation = .flar
    }
    #expect(implicit.layers.map(\.rank) == explicit.layers.map(\.rank))
    #expect(implicit.tau == explicit.tau && implicit.allocation == nil)
    let svd = try run { $0.method = .svd }
    let svdUniform = try run {
      $0.method = .svd
      $0.allocation = .uniform
    }
    #expect(svd.layers.map(\.rank) == svdUniform.layers.map(\.rank))
    // flar's search with another factorisation.
    let asvdFlar = try run {
      $0.method = .asvd
      $0.allocation = .flar
    }
    #expect(asvdFlar.tau != nil)
  }

  @Test func aBudgetBelowTheSmallestRanksNamesTheReachableRange() throws {
    #expect {
      try run {
        $0.allocation = .global
        $0.target = 0.05
      }
    } throws: { error in
      guard case CompressionError.budgetOutOfReach("global", "params", 0.05, let lo, 1) = error
      else { return false }
      return lo > 0.05 && lo < 0.5 && "\(error)".contains("the reachable range is")
    }
    #expect {
      try run {
        $0.method = .asvd
        $0.allocation = .asvd
        $0.target = 0.1
      }
    } throws: { error in
      guard case CompressionError.budgetOutOfReach("asvd", "params", 0.1, let lo, 1) = error
      else { return false }
      return lo > 0.1
    }
  }

  @Test func blockwiseSVDLLMRefusesAnAllocationItWouldIgnore() throws {
    #expect(
      throws: CompressionError.missingOption(
        option: "allocation=\"uniform\" with blockwise=true",
        method: "svd_llm with allocation global")
    ) {
      try run {
        $0.method = .svdLLM
        $0.blockwise = true
        $0.allocation = .global
      }
    }
  }

  @Test func aLatencyBudgetWithoutAPredictorSaysHowToTrainOne() throws {
    #expect(throws: CompressionError.noPredictor) {
      try run {
        $0.allocation = .global
        $0.latencyBudget = true
        $0.target = 0.7
      }
    }
    #expect("\(CompressionError.noPredictor)".contains("scripts/train-latency.flar"))
  }

  @Test func aLatencyBudgetIsMetInPredictedTimeAndNeverChoosesASlowerPair() throws {
    let predictor = try LatencyPredictor.train(
      csv: TestSupport.fixture("latency/synthetic.csv"),
      options: RandomForest.Options(treeCount: 4), hardware: "synthetic")
    let r = try run {
      $0.allocation = .global
      $0.latencyBudget = true
      $0.latency = predictor
      $0.target = 0.8
      $0.curvePoints = 3
    }
    let a = try #require(r.allocation)
    #expect(a.measure == .latency)
    #expect(a.predictedCost <= a.budget && abs(a.budget - 0.8 * a.denseCost) < 1e-9)
    for (l, layer) in zip(r.layers, a.layers) {
      guard let k = l.rank else { continue }
      #expect(!layer.slowerThanDense.contains(k))
      #expect(layer.cost < layer.denseCost, "\(l.name)")
    }
    #expect(r.manifest.contains { $0.0 == "budget" && $0.1 == "latency" })
  }
}

extension AllocationTests {
  @Test func theFrontHoldsTheChosenPointAndPlacesOtherRanksOnTheSameCurves() throws {
    let r = try run {
      $0.allocation = .global
      $0.target = 0.5
      $0.curvePoints = 3
    }
    let a = try #require(r.allocation)
    let fractions = a.front.map(\.fraction)
    #expect(fractions == fractions.sorted() && fractions.last! <= 1 + 1e-12)
    // The chosen point: on the front at its budget, no better point within it.
    let within = a.front.filter { $0.fraction <= a.fraction(ofCost: a.budget) + 1e-12 }
    #expect(abs(within.last!.error - a.predictedError) < 1e-12)
    // The global choice itself, placed on its own curves, is its point.
    var ranks: [String: Int?] = [:]
    for l in r.layers { ranks[l.name] = .some(l.rank) }
    let p = try #require(a.evaluate(ranks: ranks))
    #expect(abs(p.error - a.predictedError) < 1e-12)
    #expect(abs(p.fraction - a.fraction(ofCost: a.predictedCost)) < 1e-12)
    // flar's choice at the same budget cannot lie below the front.
    let flar = try run { $0.target = 0.5 }
    var flarRanks: [String: Int?] = [:]
    for l in flar.layers { flarRanks[l.name] = .some(l.rank) }
    let q = try #require(a.evaluate(ranks: flarRanks))
    let best = a.front.filter { $0.fraction <= q.fraction + 1e-12 }.last!.error
    #expect(q.error >= best - 1e-12)
  }
}
