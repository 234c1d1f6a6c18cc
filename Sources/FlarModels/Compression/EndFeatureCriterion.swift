// The end-feature criterion of the rank search (reference-notes §4): with
// only one layer compressed and every other layer as in the base model, the
// normalised MSE of the model's last hidden state on a fixed search set,
//
//     e(k) = mean((F_k − F)²) / mean(F_k²)     (feat_mse, the reference's)
//     e(k) = mean((F_k − F)²) / mean(F²)       (feat_mse_dense)
//
// where F is the base model's end feature. With the dense normaliser the
// denominator is known before any candidate runs, so a candidate whose
// partial numerator over the first search batches already exceeds τ · Σ F²
// fails whatever the remaining batches hold (their terms are non-negative):
// it stops there — the early exit, exact. The search set is fixed for the
// whole search (the reference re-samples it with augmentation at every step,
// so its bisection compares different data), which makes e a function of the
// rank alone.
//
// Each candidate runs only the part of the network after the layer, from the
// layer's cached input (EncoderModel+Suffix): bit-identical to a full re-run,
// for a fraction of the work. The inputs are cached a block at a time by
// walking the dense model forward, keeping each block's input: a search in
// either order of the blocks runs every block about once or twice for all
// its layers' caches, where a prefix run per layer cost (b + 1) / L of a pass
// per layer — 42 of the 195 batch passes of MiniLM's search at 50 %.
//
// The search batches are independent, so with OpenBLAS set to t > 1 threads
// they run t at a time, each on a thread of its own with OpenBLAS at one
// thread (`BLASThreads.split`): the threads meet once per round of batches
// instead of once per GEMM. Each batch still goes through every product
// whole, as one call — one call on one thread gives the numbers of one call
// on two (EncoderModel+Threads.swift) — and the sums are taken in batch
// order, so every value and rank is the one-at-a-time evaluation's. An early
// exit is decided at the end of a round, on the sum of every batch run so
// far: the batches run beside the failing one are spent, so they are summed
// and counted, and when the round holds the last batch the value is exact.

import FlarCore
import FlarLinAlg

/// Evaluates `e(k)` for candidate factorisations of one layer at a time.
public final class EndFeatureCriterion {
  /// The model every candidate is compared with and inserted into.
  public private(set) var base: EncoderModel
  /// The fixed search batches.
  public let batches: [TokenBatch]
  /// The base model's end feature per batch: (N, H) each.
  private var reference: [Matrix<Float>]
  /// Cached inputs of the layer under test, one per batch.
  private var cachedLayer: String?
  private var caches: [LayerInputCache] = []
  /// The block whose layers' inputs are cached, one cache per batch.
  private var blockCaches: [BlockInputCache] = []
  /// The dense walk: the input of block `walk.block` for every batch.
  private var walk: (block: Int, inputs: [Matrix<Float>])?
  /// Block inputs met on the walks, by block, kept when they all fit in
  /// `keptInputsLimit` bytes, so that a search going backwards through the
  /// blocks starts each block's caches from its own input.
  private var keptInputs: [Int: [Matrix<Float>]] = [:]
  private var keepsBlockInputs: Bool {
    let tokens = batches.reduce(0) { $0 + $1.tokenCount }
    let bytes = Double(tokens) * Double(base.config.hiddenSize) * Double(base.layers.count) * 4
    return bytes <= Self.keptInputsLimit
  }
  /// 256 MiB: MiniLM's 64 search sentences need 8 MB, MPNet-base's 33 MB (895 tokens).
  static let keptInputsLimit = 256.0 * 1024 * 1024
  /// Batch forward passes spent so far: full passes count 1, a suffix the
  /// fraction of blocks it runs.
  public private(set) var forwardPasses = 0.0
  private let cancellation: Cancellation?
  /// When false, every candidate re-runs the whole model (the reference
  /// code's way); kept to check that the suffix gives the same ranks.
  public var suffixEvaluation = true
  /// What divides the squared error: the compressed model's `Σ F_k²`
  /// (`feat_mse`, the reference's) or the dense `Σ F²` (`feat_mse_dense`).
  public var normalizer: EndFeatureNormalizer = .compressed
  /// `Σ F²` of the base model over every search batch, in float64.
  public private(set) var referenceSquares = 0.0

  /// Tokenises the search sentences and computes the reference features.
  public init(
    base: EncoderModel, sentences: [String], maxLength: Int = 128, batchSize: Int = 32,
    cancellation: Cancellation? = nil
  ) throws {
    guard base.tokenizer != nil else { throw ModelError.noTokenizer }
    guard !sentences.isEmpty else { throw CompressionError.noSentences(what: "search") }
    let all = try base.encode(sentences, maxLength: maxLength)
    let step = max(1, batchSize)
    batches = stride(from: 0, to: all.count, by: step).map {
      all.slice($0..<min($0 + step, all.count))
    }
    self.base = base
    self.cancellation = cancellation
    reference = []
    reference = try Self.concurrently(batches) { try base.lastHiddenState($0) }
    forwardPasses += Double(batches.count)
    referenceSquares = reference.reduce(0) { $0 + squaredSum($1) }
  }

  /// Makes `model` the new base (progressive mode), recomputing `F`.
  public func rebase(_ model: EncoderModel) throws {
    base = model
    reference = try Self.concurrently(batches) { try model.lastHiddenState($0) }
    forwardPasses += Double(batches.count)
    referenceSquares = reference.reduce(0) { $0 + squaredSum($1) }
    cachedLayer = nil
    caches = []
    blockCaches = []
    walk = nil
    keptInputs = [:]
  }

  /// `e(k)` with `layer` replaced by `factors` in the base model.
  public func error(layer: String, factors: LowRankFactors) throws -> Double {
    try evaluate(layer: layer, factors: factors, failingAbove: nil).value
  }

  /// `e(k)` with `layer` replaced by `factors`, stopping early when it must
  /// fail.
  ///
  /// With the dense normaliser and a tolerance `failingAbove`, the batches
  /// stop as soon as the partial numerator divided by `Σ F²` exceeds it: the
  /// result is then that partial quotient, marked not exact (a lower bound
  /// of `e(k)` that already fails). The reference's normaliser depends on
  /// every batch of the candidate, so it always runs them all.
  public func evaluate(
    layer: String, factors: LowRankFactors, failingAbove tolerance: Double?
  ) throws -> CriterionEvaluation {
    let candidate = try base.replacing(
      layer, l: factors.left.converted(), r: factors.right.converted())
    let limit = normalizer == .dense ? tolerance : nil
    if !suffixEvaluation { return try evaluate(candidate, failingAbove: limit) }
    if cachedLayer != layer {
      let (block, point) = try base.inputPoint(of: layer)
      caches = try cacheBlock(block).map { $0.layerCache(layer, point: point) }
      cachedLayer = layer
    }
    let layerCount = Double(base.layers.count)
    return try sumInRounds(
      caches, failingAbove: limit,
      spend: { round in
        for cache in round {
          self.forwardPasses += Double(base.layers.count - cache.block) / layerCount
        }
      },
      features: { try candidate.evaluateSuffix(from: $0) })
  }

  /// The linear inputs of block `block` for every batch, from the dense
  /// walk: from the nearest block input known at or before it (kept from
  /// earlier walks, the walk's own position, or the embeddings), one block
  /// run per batch for each block it moves.
  private func cacheBlock(_ block: Int) throws -> [BlockInputCache] {
    if let first = blockCaches.first, first.block == block { return blockCaches }
    let base = self.base
    let perBlock = Double(batches.count) / Double(base.layers.count)
    let indices = Array(batches.indices)
    var start: (block: Int, inputs: [Matrix<Float>])? = nil
    if let kept = keptInputs.keys.filter({ $0 <= block }).max() {
      start = (kept, keptInputs[kept]!)
    }
    if let walk, walk.block <= block, walk.block > (start?.block ?? -1) { start = walk }
    if start == nil {
      start = (0, try Self.concurrently(indices) { try base.blockZeroInput(self.batches[$0]) })
    }
    var (at, inputs) = start!
    while true {
      if keepsBlockInputs { keptInputs[at] = inputs }
      if at == block { break }
      let current = at
      inputs = try Self.concurrently(indices) {
        try base.runBlock(current, input: inputs[$0], offsets: self.batches[$0].offsets)
      }
      forwardPasses += perBlock
      at += 1
    }
    let cached = try Self.concurrently(indices) {
      try base.cacheBlock(block, input: inputs[$0], offsets: self.batches[$0].offsets)
    }
    forwardPasses += perBlock
    walk = (block + 1, cached.map(\.output))
    blockCaches = cached
    return cached
  }

  /// `e` over the search batches, `roundWidth` of them at a time.
  ///
  /// `features` of each item (a batch, or a layer's cached input of it) is
  /// compared with the batch's reference, the sums taken in batch order. With a
  /// `limit`, it stops after the item whose partial quotient passes it
  /// (not exact). `spend` counts a round's forward passes once it has run:
  /// every batch of the round ran, whether or not one of them fails.
  private func sumInRounds<T>(
    _ items: [T], failingAbove limit: Double?, spend: ([T]) -> Void,
    features: (T) throws -> Matrix<Float>
  ) throws -> CriterionEvaluation {
    var sums = ErrorSums()
    let width = Self.roundWidth(items.count)
    for round in stride(from: 0, to: items.count, by: width) {
      try cancellation?.checkCancellation()
      let inRound = Array(items[round..<min(round + width, items.count)])
      let computed = try Self.concurrently(inRound, features)
      spend(inRound)
      for (j, fk) in computed.enumerated() { accumulate(fk, reference[round + j], &sums) }
      // Checked once the round's batches are summed: they have run anyway,
      // and a round that ends the search set gives the exact value, which a
      // guided search calibrates on (a partial one it cannot).
      if let limit, sums.batches < batches.count, quotient(sums) > limit {
        return CriterionEvaluation(value: quotient(sums), exact: false)
      }
    }
    return CriterionEvaluation(value: quotient(sums))
  }

  /// How many search batches run at once: the OpenBLAS thread count the user
  /// set, no more than there are batches.
  static func roundWidth(_ batchCount: Int) -> Int {
    max(1, min(BLASThreads.current, batchCount))
  }

  /// `body` of every item, `roundWidth` at a time, each on a thread of its
  /// own with OpenBLAS at one thread; in order.
  static func concurrently<T, R>(_ items: [T], _ body: (T) throws -> R) throws -> [R] {
    let width = roundWidth(items.count)
    if width == 1 { return try items.map(body) }
    var out: [R] = []
    out.reserveCapacity(items.count)
    for round in stride(from: 0, to: items.count, by: width) {
      let part = items[round..<min(round + width, items.count)]
      out += try BLASThreads.split(part.count) { try body(part[round + $0]) }
    }
    return out
  }

  /// `e` for a whole other model (every layer as in `model`), by full
  /// forward passes: the threshold initialisation uses it.
  public func error(of model: EncoderModel) throws -> Double {
    try evaluate(model, failingAbove: nil).value
  }

  private func evaluate(_ model: EncoderModel, failingAbove limit: Double?) throws
    -> CriterionEvaluation
  {
    try sumInRounds(
      batches, failingAbove: limit, spend: { self.forwardPasses += Double($0.count) },
      features: { try model.lastHiddenState($0) })
  }

  /// The running sums of one evaluation.
  private struct ErrorSums {
    var numerator = 0.0
    var candidateSquares = 0.0
    var batches = 0
  }

  private func quotient(_ s: ErrorSums) -> Double {
    let denominator = normalizer == .dense ? referenceSquares : s.candidateSquares
    return denominator > 0 ? s.numerator / denominator : 0
  }

  /// Adds Σ(F_k − F)² and Σ F_k² of one batch in float64 (the same element
  /// count divides both means, so their ratio is the ratio of sums).
  private func accumulate(_ fk: Matrix<Float>, _ f: Matrix<Float>, _ sums: inout ErrorSums) {
    fk.storage.withUnsafeBufferPointer { a in
      f.storage.withUnsafeBufferPointer { b in
        var n = 0.0
        var d = 0.0
        for i in 0..<a.count {
          let x = Double(a[i])
          let diff = x - Double(b[i])
          n += diff * diff
          d += x * x
        }
        sums.numerator += n
        sums.candidateSquares += d
        sums.batches += 1
      }
    }
  }
}

/// What divides the end-feature error (see `SearchCriterion`).
public enum EndFeatureNormalizer: Sendable {
  /// `Σ F_k²` of the candidate: the reference code's `mean(F_k²)`.
  case compressed
  /// `Σ F²` of the base model, known before the search.
  case dense
}

/// `Σ x²` of a matrix in float64, in the order `accumulate` sums `Σ F_k²`.
private func squaredSum(_ m: Matrix<Float>) -> Double {
  m.storage.withUnsafeBufferPointer { a in
    var d = 0.0
    for i in 0..<a.count { d += Double(a[i]) * Double(a[i]) }
    return d
  }
}
