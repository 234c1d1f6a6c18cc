// The whole compression pipeline of one method, stage by stage:
//
//   calibration     hook the model, stream each layer's input statistics
//   fisher          fwsvd: gradients of the contrastive loss on pairs
//   decomposition   per layer: (shrink →) whiten → SVD, or plain/scaled SVD
//   threshold       allocation flar: τ = e(uniform at the target) / layers
//   search          allocation flar: bisection per layer on the criterion
//   sensitivity     allocation asvd: each layer alone at 0.4…0.9 of k_eq,
//                   a cut in the sorted list (Compressor+Allocation)
//   allocation      allocation global: error curves and the knapsack
//                   (Compressor+GlobalAllocation)
//   correction      uniform, flar: ranks rescaled by one factor to the budget
//   latency         allocation flar: the predictor's filter
//   build           the layers replaced by their factors
//
// Goals, in order: the budget is met (to one rank step per layer); every
// number is reproducible from the manifest; as few forward passes as the
// method allows.

import FlarCore
import FlarLinAlg
import Foundation

/// What one layer ended with.
public struct LayerOutcome: Sendable {
  public var name: String
  public var outFeatures: Int
  public var inFeatures: Int
  /// Final rank; nil when the layer stays dense.
  public var rank: Int?
  /// The rank the search chose before correction (flar).
  public var searchedRank: Int?
  /// Shrinkage intensity used (flar), 0 for unshrunk whitening.
  public var lambda: Double?
  /// Jitter added by the Cholesky fallback (0 when not taken).
  public var jitter: Double?
  /// Criterion evaluations the search spent on this layer.
  public var evaluations: Int = 0
  /// Evaluations that stopped early, known to fail (`feat_mse_dense`).
  public var earlyExits: Int = 0
  /// Probes the search placed where the whitened error predicted the rank
  /// (`certify`), and whether it then fell back to plain bisection.
  public var guidedProbes: Int = 0
  public var certificationFellBack = false
  /// Batch forward passes the search spent on this layer, in full-pass
  /// equivalents (the layer's input caches included).
  public var forwardPasses: Double = 0
  /// The search's `(rank, value)` visits; at an early exit the value is
  /// the failing bound the evaluation stopped at.
  public var curve: [(rank: Int, value: Double)] = []
  /// The latency filter's decision, when it ran.
  public var latency: LatencyDecision?
}

/// The result of `compress`.
public struct CompressionResult: Sendable {
  public var model: EncoderModel
  public var options: CompressionOptions
  public var layers: [LayerOutcome]
  /// The flar threshold τ (nil for the uniform methods).
  public var tau: Double?
  /// Seconds per stage, in pipeline order.
  public var timings: [(stage: String, seconds: Double)]
  /// Batch forward passes the threshold and the search spent, in full-pass
  /// equivalents (suffix runs counted by the fraction of blocks they ran,
  /// the dense reference features included).
  public var forwardPasses: Double
  /// Parameters of the compressed linear layers before and after.
  public var linearParamsBefore: Int
  public var linearParamsAfter: Int
  /// Parameters of the whole model before and after.
  public var modelParamsBefore: Int
  public var modelParamsAfter: Int
  /// fwsvd's Fisher information per input channel (nil for other methods).
  public var fisher: FisherStatistics? = nil
  /// True when the layers the search left dense had to be rescaled with the
  /// others because the target could not be met with them dense.
  public var denseLayersRescaled = false
  /// The run's manifest: method and options, data and model checksums,
  /// flar's version (see `compressionManifest`).
  public var manifest: [(String, String)] = []
  /// The asvd or global allocation's curves, choice and totals.
  public var allocation: AllocationReport? = nil
  /// Cholesky fallbacks taken (layers whose whitening needed jitter).
  public var fallbacks: [String] { layers.filter { ($0.jitter ?? 0) > 0 }.map(\.name) }
  /// Criterion evaluations of the whole search.
  public var evaluations: Int { layers.reduce(0) { $0 + $1.evaluations } }
  /// Evaluations that stopped early.
  public var earlyExits: Int { layers.reduce(0) { $0 + $1.earlyExits } }
  /// Probes the certified search placed where the whitened error predicted.
  public var guidedProbes: Int { layers.reduce(0) { $0 + $1.guidedProbes } }
  /// Layers whose certified search fell back to plain bisection.
  public var certificationFallbacks: Int { layers.filter(\.certificationFellBack).count }
}

/// Runs the pipeline.
public struct Compressor {
  public var options: CompressionOptions
  public var progress: ProgressReporter
  public var cancellation: Cancellation?

  public init(
    options: CompressionOptions, progress: ProgressReporter = SilentProgress(),
    cancellation: Cancellation? = nil
  ) {
    self.options = options
    self.progress = progress
    self.cancellation = cancellation
  }

  /// The state one run carries from stage to stage.
  struct Run {
    let model: EncoderModel
    let names: [String]
    var outcomes: [LayerOutcome]
    var clock = StageClock()
    var statistics: CalibrationStatistics? = nil
    var fisher: FisherStatistics? = nil
    var decompositions: [String: LowRankDecomposition] = [:]
    var budgets: [LayerBudget]
    var tau: Double? = nil
    var forwardPasses = 0.0
    var denseLayersRescaled = false
    var allocation: AllocationReport? = nil
  }

  /// Compresses `model` with calibration text `calibration` and (for the
  /// feature criterion and the threshold) the search text `search`.
  ///
  /// - Parameter pairs: fwsvd's calibration pairs (query, definition) for
  ///   its contrastive Fisher loss; other methods ignore them.
  /// - Throws: `CompressionError` for bad options, and the errors of the
  ///   stages (statistics, whitening, Fisher, model), and `CancelledError`.
  public func run(
    _ model: EncoderModel, calibration: [String], search: [String],
    pairs: CalibrationPairs? = nil
  ) throws -> CompressionResult {
    try validate(pairs: pairs)
    let names = try model.layerNames(matching: options.layers)
    let outcomes = try names.map { name -> LayerOutcome in
      let l = try model.linear(name)
      return LayerOutcome(name: name, outFeatures: l.outFeatures, inFeatures: l.inFeatures)
    }
    if options.method == .svdLLM && options.blockwise {
      var result = try blockwiseSVDLLM(
        model, names: names, outcomes: outcomes, calibration: calibration)
      result.manifest = compressionManifest(
        options: options, model: model, calibration: calibration, search: search, pairs: pairs)
      return result
    }
    var run = Run(
      model: model, names: names, outcomes: outcomes,
      budgets: outcomes.map {
        LayerBudget(name: $0.name, rows: $0.outFeatures, columns: $0.inFeatures, rank: nil)
      })
    try collectStatistics(&run, calibration: calibration, pairs: pairs)
    try decompose(&run)
    let meanTokens = try meanTokenCount(model, calibration, run.statistics)
    if let fixed = options.fixedRanks {
      try useFixedRanks(&run, fixed)
    } else {
      switch options.resolvedAllocation {
      case .flar: try searchRanks(&run, search: search)
      case .asvd: try allocateBySensitivity(&run, search: search, meanTokens: meanTokens)
      case .global: try allocateGlobally(&run, search: search, meanTokens: meanTokens)
      case .uniform: break
      }
    }
    try correct(&run, meanTokens: meanTokens)
    filterByLatency(&run, meanTokens: meanTokens)
    var result = try build(run)
    result.manifest = compressionManifest(
      options: options, model: model, calibration: calibration, search: search, pairs: pairs)
    return result
  }

  /// Options that cannot work together, before any work is done.
  func validate(pairs: CalibrationPairs?) throws {
    if let t = options.target, !(t > 0 && t <= 1) { throw CompressionError.badTarget(t) }
    let allocation = options.resolvedAllocation
    if allocation == .flar, options.target == nil, options.tolerance == nil,
      options.fixedRanks == nil
    {
      throw CompressionError.missingOption(option: "target= or tol=", method: allocationName)
    }
    if allocation != .flar, options.target == nil, options.fixedRanks == nil {
      throw CompressionError.missingOption(option: "target=", method: allocationName)
    }
    if options.latencyBudget, allocation != .global {
      throw CompressionError.missingOption(
        option: "allocation=\"global\" for a latency budget", method: allocationName)
    }
    if options.latencyBudget, options.latency == nil, options.fixedRanks == nil {
      throw CompressionError.noPredictor
    }
    if options.method == .svdLLM, options.blockwise, allocation != .uniform {
      throw CompressionError.missingOption(
        option: "allocation=\"uniform\" with blockwise=true", method: allocationName)
    }
    if options.method == .fwsvd, pairs == nil {
      throw CompressionError.missingOption(option: "calibration pairs (pairs=)", method: "fwsvd")
    }
  }

  /// The method, with the allocation when it is not the method's default.
  var allocationName: String {
    let a = options.resolvedAllocation
    return a == AllocationMethod.defaultFor(options.method)
      ? options.method.rawValue : "\(options.method.rawValue) with allocation \(a.rawValue)"
  }

  /// Calibration (hook the model, stream each layer's input statistics) or,
  /// for fwsvd, the Fisher information of the contrastive loss.
  func collectStatistics(
    _ run: inout Run, calibration: [String], pairs: CalibrationPairs?
  ) throws {
    switch options.method {
    case .svd:
      return
    case .fwsvd:
      run.fisher = try run.model.fisherStatistics(
        pairs!, layers: options.layers, maxLength: options.maxLength,
        batchSize: options.batchSize,
        loss: MultipleNegativesRankingLoss(scale: options.contrastiveScale),
        progress: progress, cancellation: cancellation)
      run.clock.lap("fisher")
    case .asvd, .svdLLM, .flar:
      run.statistics = try run.model.calibrate(
        calibration, layers: options.layers, maxLength: options.maxLength,
        batchSize: options.batchSize,
        perBatch: options.perBatch
          ? PerBatchShrinkage(method: options.shrinkage, centering: options.centering) : nil,
        progress: progress, cancellation: cancellation)
      run.clock.lap("calibration")
    }
  }

  /// Per layer: (shrink →) whiten → SVD, or the plain / scaled SVD.
  ///
  /// The layers that read one input (query, key and value) share its
  /// statistics and whitening, so the work falls into one piece per input.
  /// With OpenBLAS set to t > 1 threads, t pieces run at once, each on a
  /// thread of its own with OpenBLAS at one thread (`BLASThreads.split`):
  /// LAPACK's unblocked parts (the bidiagonal divide and conquer, the
  /// panel factorisations) never ran on two threads, and the pieces keep
  /// both busy. The pieces run largest first, so that the pieces of a round
  /// take about as long. One LAPACK call on one thread rounds as on two to
  /// about 1e-9 relative (`MiniLMCertifiedSearchTests`); the ranks are the
  /// same.
  func decompose(_ run: inout Run) throws {
    progress.begin("decompose", total: run.names.count)
    defer { progress.end() }
    // Memory: an input's statistics (its Gram) and whitening are freed once
    // the layers reading it are decomposed, and each decomposition keeps
    // only what factors(rank:) reads (U, σ, Zᵀ), so the Grams of all layers
    // never coexist with the factors of all layers.
    let pieces = decompositionPieces(run)
    let width = max(1, min(BLASThreads.current, pieces.count))
    for round in stride(from: 0, to: pieces.count, by: width) {
      try cancellation?.checkCancellation()
      let inRound = Array(pieces[round..<min(round + width, pieces.count)])
      let (model, names, statistics, fisher) = (run.model, run.names, run.statistics, run.fisher)
      let done = try BLASThreads.split(inRound.count) { j in
        var cache: [String: (Whitening, Double)] = [:]
        return try inRound[j].map { i in
          let (d, lambda, jitter) = try decompose(
            model, names[i], stats: statistics, fisher: fisher, cache: &cache)
          return (index: i, decomposition: d.compacted(), lambda: lambda, jitter: jitter)
        }
      }
      for layer in done.joined() {
        run.decompositions[run.names[layer.index]] = layer.decomposition
        run.outcomes[layer.index].lambda = layer.lambda
        run.outcomes[layer.index].jitter = layer.jitter
        run.statistics?.byLayer[run.names[layer.index]] = nil
      }
      progress.advance(by: inRound.reduce(0) { $0 + $1.count })
    }
    run.clock.lap("decomposition")
  }

  /// The layers' indices grouped by the input they read (one group per
  /// statistics accumulator), the costliest group first.
  ///
  /// A group's cost is counted as its SVDs' `m n min(m, n)` and, for the
  /// whitened methods, the Cholesky factor's and the two triangular
  /// products' `n³`; equal costs keep the layers' order.
  func decompositionPieces(_ run: Run) -> [[Int]] {
    var groups: [[Int]] = []
    var groupOf: [String: Int] = [:]
    var costs: [Double] = []
    let whitened = options.method == .flar || options.method == .svdLLM
    for (i, name) in run.names.enumerated() {
      let key = run.statistics?.byLayer[name]?.layer ?? name
      let o = run.outcomes[i]
      let (m, n) = (Double(o.outFeatures), Double(o.inFeatures))
      let g: Int
      if let existing = groupOf[key] {
        g = existing
      } else {
        g = groups.count
        groupOf[key] = g
        groups.append([])
        costs.append(whitened ? n * n * n : 0)
      }
      groups[g].append(i)
      costs[g] += m * n * min(m, n) + (whitened ? 2 * m * n * n : 0)
    }
    return groups.indices.sorted { costs[$0] > costs[$1] || (costs[$0] == costs[$1] && $0 < $1) }
      .map { groups[$0] }
  }

  /// `ranks=`: every layer at the rank given, no search and no correction.
  func useFixedRanks(_ run: inout Run, _ fixed: [String: Int?]) throws {
    for i in run.outcomes.indices {
      let o = run.outcomes[i]
      guard let entry = fixed[o.name] else {
        throw CompressionError.missingOption(
          option: "a rank for \(o.name) in ranks=", method: options.method.rawValue)
      }
      let maximum = min(o.outFeatures, o.inFeatures)
      if let k = entry, k < 1 || k > maximum {
        throw CompressionError.rankOutOfRange(layer: o.name, rank: k, maximum: maximum)
      }
      run.budgets[i].rank = entry
    }
  }

  /// flar: the threshold τ, then the bisection of every layer against it.
  func searchRanks(_ run: inout Run, search: [String]) throws {
    let stage = try RankSearchStage(
      options: options, model: run.model, names: run.names, decompositions: run.decompositions,
      sentences: search, progress: progress, cancellation: cancellation)
    let tau = try stage.threshold()
    run.tau = tau
    run.clock.lap("threshold")
    let found = try stage.searchAll(tolerance: tau)
    for i in run.outcomes.indices {
      run.outcomes[i].searchedRank = found[i].rank
      run.outcomes[i].evaluations = found[i].evaluations
      run.outcomes[i].earlyExits = found[i].earlyExits
      run.outcomes[i].guidedProbes = found[i].guidedProbes
      run.outcomes[i].certificationFellBack = found[i].fellBack
      run.outcomes[i].forwardPasses = found[i].forwardPasses
      run.outcomes[i].curve = found[i].curve
      run.budgets[i].rank = found[i].rank
    }
    run.forwardPasses = stage.forwardPasses
    run.clock.lap("search")
  }

  /// The ratio correction to the target: layers the search left dense stay
  /// dense by default (`denseLayers`); the uniform methods rescale all.
  ///
  /// When the target cannot be met with them dense (the smallest ranks of
  /// the others still exceed it), they are rescaled with the others, so the
  /// target holds, and the result says so (`denseLayersRescaled`); the
  /// reference would miss the target there.
  func correct(_ run: inout Run, meanTokens: Double) throws {
    let allocation = options.resolvedAllocation
    if options.fixedRanks == nil, options.target != nil,
      allocation == .flar || allocation == .uniform
    {
      let searched = allocation == .flar
      let limit = try budget(run.model, run.names, meanTokens: meanTokens)
      let mode: DenseLayerHandling = searched ? options.denseLayers : .rescale
      var out = correctRanks(run.budgets, budget: limit, step: options.step, dense: mode)
      if mode == .keep, out.reduce(0, { $0 + $1.cost }) > limit {
        out = correctRanks(run.budgets, budget: limit, step: options.step, dense: .rescale)
        run.denseLayersRescaled = true
      }
      run.budgets = out
    }
    for i in run.outcomes.indices { run.outcomes[i].rank = run.budgets[i].rank }
    run.clock.lap("correction")
  }

  /// flar with a predictor: layers predicted not to get faster try smaller
  /// ranks, then stay dense.
  func filterByLatency(_ run: inout Run, meanTokens: Double) {
    guard options.resolvedAllocation == .flar, options.fixedRanks == nil,
      let predictor = options.latency
    else { return }
    let tokens = options.latencyTokens ?? max(1, Int(meanTokens.rounded()))
    let filter = LatencyFilter(predictor: predictor, multiple: options.step)
    for i in run.outcomes.indices {
      guard let k = run.outcomes[i].rank else { continue }
      let o = run.outcomes[i]
      let decision = filter.decide(
        LatencyShape(
          batch: options.latencyBatch, tokens: tokens, inFeatures: o.inFeatures,
          outFeatures: o.outFeatures, rank: k))
      run.outcomes[i].latency = decision
      run.outcomes[i].rank = decision.rank
    }
    run.clock.lap("latency")
  }

  /// The layers replaced by their factors, and the result.
  func build(_ run: Run) throws -> CompressionResult {
    var clock = run.clock
    var compressed = run.model
    for outcome in run.outcomes {
      guard let k = outcome.rank else { continue }
      let f = try run.decompositions[outcome.name]!.factors(rank: k)
      compressed = try compressed.replacing(
        outcome.name, l: f.left.converted(), r: f.right.converted())
    }
    clock.lap("build")
    return CompressionResult(
      model: compressed, options: options, layers: run.outcomes, tau: run.tau,
      timings: clock.laps, forwardPasses: run.forwardPasses,
      linearParamsBefore: try linearParams(run.model, run.names),
      linearParamsAfter: try linearParams(compressed, run.names),
      modelParamsBefore: run.model.parameterCount, modelParamsAfter: compressed.parameterCount,
      fisher: run.fisher, denseLayersRescaled: run.denseLayersRescaled,
      allocation: run.allocation)
  }

  /// The factorisation of one layer by the method, with λ and the jitter.
  ///
  /// Query, key and value share one statistics accumulator, so their
  /// shrinkage and Cholesky factor are computed once (`cache`, keyed by the
  /// accumulator's name).
  func decompose(
    _ model: EncoderModel, _ name: String, stats: CalibrationStatistics?,
    fisher: FisherStatistics?, cache: inout [String: (Whitening, Double)]
  ) throws -> (LowRankDecomposition, Double?, Double?) {
    let weight = try model.linear(name).denseWeight()
    switch options.method {
    case .svd:
      return (try plainSVD(weight: weight, layer: name), nil, nil)
    case .asvd:
      let s = try stats!.statistics(of: name)
      return (try scaledSVD(weight: weight, scales: asvdScales(s), layer: name), nil, nil)
    case .fwsvd:
      let scales = try fisherScales(
        fisher!.information(of: name), relativeFloor: options.fisherFloor, layer: name)
      return (try scaledSVD(weight: weight, scales: scales, layer: name), nil, nil)
    case .svdLLM, .flar:
      let s = try stats!.statistics(of: name)
      let key = s.layer
      if cache[key] == nil {
        let method = options.method == .flar ? options.shrinkage : .none
        let h = try shrink(
          s, method: method, centering: options.centering,
          perBatch: options.method == .flar && options.perBatch)
        cache[key] = (try whitening(h.matrix, layer: name), h.lambda)
      }
      let (w, lambda) = cache[key]!
      return (try whitenedSVD(weight: weight, whitening: w, layer: name), lambda, w.jitter)
    }
  }

  /// ASVD's channel scales `(mean or max |x_j|)^α`; channels that never
  /// fire get the smallest positive scale seen (a zero scale is singular).
  func asvdScales(_ s: LayerStatistics) -> [Double] {
    let base = (options.asvdUsesMax ? s.maxAbs : s.meanAbs).map { pow($0, options.alpha) }
    let floor = base.filter { $0 > 0 }.min() ?? 1
    return base.map { $0 > 0 ? $0 : floor }
  }

  /// The budget of the compressed layers, in weights (`m n` dense, `k (m + n)`
  /// low rank; per token a layer costs that many multiply-adds).
  ///
  /// `by="params"`: the target fraction of the compressed layers' dense
  /// weights. `by="flops"`: the target fraction of the encoder's
  /// multiply-adds per token — every linear layer plus attention's `Q Kᵀ`
  /// and `A V` (`2 T H` per token and block at the calibration set's mean
  /// length `T`) — less what the layers left alone and attention still
  /// cost. Attention cannot be compressed, so a FLOP target asks more of the
  /// linear layers than the same parameter target.
  func budget(_ model: EncoderModel, _ names: [String], meanTokens: Double) throws -> Int {
    let target = options.target ?? 1
    let p = try budgetParts(model, names, meanTokens: meanTokens)
    switch options.measure {
    case .params:
      // Biases are kept whatever the rank, and count in the parameters the
      // target refers to: budget·(weights + biases) − biases for the weights.
      return max(0, Int((Double(p.dense + p.biases) * target).rounded(.down)) - p.biases)
    case .flops:
      let total = Double(p.dense + p.others) + p.attention
      return max(0, Int((target * total - Double(p.others) - p.attention).rounded(.down)))
    }
  }

  /// The sums every budget is made of, read by `budget` and `budgetTerms`.
  ///
  /// The matched layers' weights and biases, the weights of the other
  /// linear layers, and the attention products' multiply-adds per token.
  struct BudgetParts {
    let dense: Int
    let biases: Int
    let others: Int
    let attention: Double
  }

  func budgetParts(_ model: EncoderModel, _ names: [String], meanTokens: Double) throws
    -> BudgetParts
  {
    let weights = { (name: String) throws -> Int in
      let l = try model.linear(name)
      return l.outFeatures * l.inFeatures
    }
    let chosen = Set(names)
    return BudgetParts(
      dense: try names.reduce(0) { $0 + (try weights($1)) },
      biases: try names.reduce(0) { $0 + (try model.linear($1)).outFeatures },
      others: try model.linearLayerNames.filter { !chosen.contains($0) }.reduce(0) {
        $0 + (try weights($1))
      },
      attention: Double(model.layers.count) * 2 * meanTokens * Double(model.config.hiddenSize))
  }

  /// Mean real tokens per calibration sentence (special tokens included).
  func meanTokenCount(
    _ model: EncoderModel, _ calibration: [String], _ stats: CalibrationStatistics?
  ) throws -> Double {
    if let stats, stats.sentenceCount > 0 {
      return Double(stats.tokenCount) / Double(stats.sentenceCount)
    }
    guard model.tokenizer != nil, !calibration.isEmpty else { return 1 }
    let batch = try model.encode(calibration, maxLength: options.maxLength)
    return Double(batch.tokenCount) / Double(batch.count)
  }

  func linearParams(_ model: EncoderModel, _ names: [String]) throws -> Int {
    try names.reduce(0) { $0 + (try model.linear($1)).parameterCount }
  }
}

/// Wall-clock laps of the pipeline's stages.
struct StageClock {
  private var last = monotonicSeconds()
  private(set) var laps: [(stage: String, seconds: Double)] = []

  mutating func lap(_ stage: String) {
    let now = monotonicSeconds()
    laps.append((stage, now - last))
    last = now
  }
}
