// The whole compression pipeline of one method, stage by stage:
//
//   calibration     hook the model, stream each layer's input statistics
//   fisher          fwsvd: gradients of the contrastive loss on pairs
//   decomposition   per layer: (shrink →) whiten → SVD, or plain/scaled SVD
//   threshold       flar: τ = e(uniform at the target) / number of layers
//   search          flar: bisection per layer on the criterion
//   correction      ranks rescaled by one factor to meet the budget
//   latency         flar: the predictor's filter, trying smaller ranks
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
  /// The search's `(rank, value)` visits.
  public var curve: [(rank: Int, value: Double)] = []
  /// The latency filter's decision, when it ran.
  public var latency: LatencyDecision?
}

/// The result of `compress`.
public struct CompressionResult: Sendable {
  public var model: BertModel
  public var options: CompressionOptions
  public var layers: [LayerOutcome]
  /// The flar threshold τ (nil for the uniform methods).
  public var tau: Double?
  /// Seconds per stage, in pipeline order.
  public var timings: [(stage: String, seconds: Double)]
  /// Batch forward passes the search spent (suffix runs counted by the
  /// fraction of blocks they ran).
  public var forwardPasses: Double
  /// Parameters of the compressed linear layers before and after.
  public var linearParamsBefore: Int
  public var linearParamsAfter: Int
  /// Parameters of the whole model before and after.
  public var modelParamsBefore: Int
  public var modelParamsAfter: Int
  /// fwsvd's Fisher information per input channel (nil for other methods).
  public var fisher: FisherStatistics? = nil
  /// Cholesky fallbacks taken (layers whose whitening needed jitter).
  public var fallbacks: [String] { layers.filter { ($0.jitter ?? 0) > 0 }.map(\.name) }
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

  /// Compresses `model` with calibration text `calibration` and (for the
  /// feature criterion and the threshold) the search text `search`.
  ///
  /// - Parameter pairs: fwsvd's calibration pairs (query, definition) for
  ///   its contrastive Fisher loss; other methods ignore them.
  /// - Throws: `CompressionError` for bad options, and the errors of the
  ///   stages (statistics, whitening, Fisher, model), and `CancelledError`.
  public func run(
    _ model: BertModel, calibration: [String], search: [String],
    pairs: CalibrationPairs? = nil
  ) throws -> CompressionResult {
    if let t = options.target, !(t > 0 && t <= 1) { throw CompressionError.badTarget(t) }
    if options.method == .flar, options.target == nil, options.tolerance == nil,
      options.fixedRanks == nil
    {
      throw CompressionError.missingOption(option: "target= or tol=", method: "flar")
    }
    var clock = StageClock()
    let names = try model.layerNames(matching: options.layers)
    var outcomes = try names.map { name -> LayerOutcome in
      let l = try model.linear(name)
      return LayerOutcome(name: name, outFeatures: l.outFeatures, inFeatures: l.inFeatures)
    }

    // Calibration and decomposition.
    var decompositions: [String: LowRankDecomposition] = [:]
    var stats: CalibrationStatistics? = nil
    var fisher: FisherStatistics? = nil
    if options.method == .fwsvd {
      guard let pairs else {
        throw CompressionError.missingOption(option: "calibration pairs (pairs=)", method: "fwsvd")
      }
      fisher = try model.fisherStatistics(
        pairs, layers: options.layers, maxLength: options.maxLength,
        batchSize: options.batchSize,
        loss: MultipleNegativesRankingLoss(scale: options.contrastiveScale),
        progress: progress, cancellation: cancellation)
      clock.lap("fisher")
    } else if options.method != .svd && !(options.method == .svdLLM && options.blockwise) {
      stats = try model.calibrate(
        calibration, layers: options.layers, maxLength: options.maxLength,
        batchSize: options.batchSize,
        perBatch: options.perBatch
          ? PerBatchShrinkage(method: options.shrinkage, centering: options.centering) : nil,
        progress: progress, cancellation: cancellation)
      clock.lap("calibration")
    }
    if options.method == .svdLLM && options.blockwise {
      return try blockwiseSVDLLM(model, names: names, outcomes: outcomes, calibration: calibration)
    }
    progress.begin("decompose", total: names.count)
    var whitenings: [String: (Whitening, Double)] = [:]
    // Memory: a layer's input statistics (its Gram) and whitening are freed
    // once the last layer reading that input is decomposed, and each
    // decomposition keeps only what factors(rank:) reads (U, σ, Zᵀ), so the
    // Grams of all layers never coexist with the factors of all layers.
    let inputKey = { (name: String) in stats?.byLayer[name]?.layer ?? name }
    var lastUse: [String: Int] = [:]
    for (i, name) in names.enumerated() { lastUse[inputKey(name)] = i }
    for (i, name) in names.enumerated() {
      try cancellation?.checkCancellation()
      let (d, lambda, jitter) = try decompose(
        model, name, stats: stats, fisher: fisher, cache: &whitenings)
      decompositions[name] = d.compacted()
      outcomes[i].lambda = lambda
      outcomes[i].jitter = jitter
      let key = inputKey(name)
      if lastUse[key] == i {
        whitenings[key] = nil
        for other in names where inputKey(other) == key { stats?.byLayer[other] = nil }
      }
      progress.advance(by: 1)
    }
    progress.end()
    clock.lap("decomposition")

    let meanTokens = try meanTokenCount(model, calibration, stats)
    var tau: Double? = nil
    var forwardPasses = 0.0
    var budgets = outcomes.map {
      LayerBudget(name: $0.name, rows: $0.outFeatures, columns: $0.inFeatures, rank: nil)
    }
    if let fixed = options.fixedRanks {
      for i in outcomes.indices {
        guard let entry = fixed[outcomes[i].name] else {
          throw CompressionError.missingOption(
            option: "a rank for \(outcomes[i].name) in ranks=", method: options.method.rawValue)
        }
        if let k = entry, k < 1 || k > min(outcomes[i].outFeatures, outcomes[i].inFeatures) {
          throw CompressionError.rankOutOfRange(
            layer: outcomes[i].name, rank: k,
            maximum: min(outcomes[i].outFeatures, outcomes[i].inFeatures))
        }
        budgets[i].rank = entry
      }
    } else if options.method == .flar {
      let search = try RankSearchStage(
        options: options, model: model, names: names, decompositions: decompositions,
        sentences: search, progress: progress, cancellation: cancellation)
      tau = try search.threshold()
      clock.lap("threshold")
      let found = try search.searchAll(tau: tau!)
      for i in outcomes.indices {
        outcomes[i].searchedRank = found[i].rank
        outcomes[i].evaluations = found[i].evaluations
        outcomes[i].curve = found[i].curve
        budgets[i].rank = found[i].rank
      }
      forwardPasses = search.forwardPasses
      clock.lap("search")
    }
    if options.fixedRanks != nil {
      // Ranks as given.
    } else if options.target != nil {
      budgets = correctRanks(
        budgets, budget: try budget(model, names, meanTokens: meanTokens), step: options.step)
    } else if options.method != .flar {
      throw CompressionError.missingOption(option: "target=", method: options.method.rawValue)
    }
    for i in outcomes.indices { outcomes[i].rank = budgets[i].rank }
    clock.lap("correction")

    if options.method == .flar, options.fixedRanks == nil, let predictor = options.latency {
      let tokens = options.latencyTokens ?? max(1, Int(meanTokens.rounded()))
      let filter = LatencyFilter(predictor: predictor, multiple: options.step)
      for i in outcomes.indices {
        guard let k = outcomes[i].rank else { continue }
        let decision = filter.decide(
          LatencyShape(
            batch: options.latencyBatch, tokens: tokens, inFeatures: outcomes[i].inFeatures,
            outFeatures: outcomes[i].outFeatures, rank: k))
        outcomes[i].latency = decision
        outcomes[i].rank = decision.rank
      }
      clock.lap("latency")
    }

    var compressed = model
    for outcome in outcomes {
      guard let k = outcome.rank else { continue }
      let f = try decompositions[outcome.name]!.factors(rank: k)
      compressed = try compressed.replacing(
        outcome.name, l: f.left.converted(), r: f.right.converted())
    }
    clock.lap("build")
    return CompressionResult(
      model: compressed, options: options, layers: outcomes, tau: tau, timings: clock.laps,
      forwardPasses: forwardPasses,
      linearParamsBefore: try linearParams(model, names),
      linearParamsAfter: try linearParams(compressed, names),
      modelParamsBefore: model.parameterCount, modelParamsAfter: compressed.parameterCount,
      fisher: fisher)
  }

  /// The factorisation of one layer by the method, with λ and the jitter.
  ///
  /// Query, key and value share one statistics accumulator, so their
  /// shrinkage and Cholesky factor are computed once (`cache`, keyed by the
  /// accumulator's name).
  func decompose(
    _ model: BertModel, _ name: String, stats: CalibrationStatistics?,
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
  func budget(_ model: BertModel, _ names: [String], meanTokens: Double) throws -> Int {
    let target = options.target ?? 1
    let dense = try names.reduce(0) {
      let l = try model.linear($1)
      return $0 + l.outFeatures * l.inFeatures
    }
    switch options.measure {
    case .params:
      // Biases are kept whatever the rank, and count in the parameters the
      // target refers to: budget·(weights + biases) − biases for the weights.
      let biases = try names.reduce(0) { $0 + (try model.linear($1)).outFeatures }
      return max(0, Int((Double(dense + biases) * target).rounded(.down)) - biases)
    case .flops:
      let chosen = Set(names)
      let others = try model.linearLayerNames.filter { !chosen.contains($0) }.reduce(0) {
        let l = try model.linear($1)
        return $0 + l.outFeatures * l.inFeatures
      }
      let attention =
        Double(model.layers.count) * 2 * meanTokens * Double(model.config.hiddenSize)
      let total = Double(dense + others) + attention
      return max(0, Int((target * total - Double(others) - attention).rounded(.down)))
    }
  }

  /// Mean real tokens per calibration sentence (special tokens included).
  func meanTokenCount(
    _ model: BertModel, _ calibration: [String], _ stats: CalibrationStatistics?
  ) throws -> Double {
    if let stats, stats.sentenceCount > 0 {
      return Double(stats.tokenCount) / Double(stats.sentenceCount)
    }
    guard model.tokenizer != nil, !calibration.isEmpty else { return 1 }
    let batch = try model.encode(calibration, maxLength: options.maxLength)
    return Double(batch.tokenCount) / Double(batch.count)
  }

  func linearParams(_ model: BertModel, _ names: [String]) throws -> Int {
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
