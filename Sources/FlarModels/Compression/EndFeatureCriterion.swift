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
// for a fraction of the work. The inputs are cached a block at a time: the
// reference pass that computes F runs the dense model a block at a time and
// keeps every block's input and, where they fit, every block's caches (the
// inputs of all its layers); where they do not, one run of a block from its
// kept input makes them, or, beyond the inputs' limit too, a walk of the
// dense model forward. A prefix run per layer cost (b + 1) / L of a pass per
// layer — 42 of the 195 batch passes of MiniLM's search at 50 %; the walk
// and the block runs, 22 block runs of its 126.3 passes.
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
import Synchronization

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
  /// Block inputs, by block, kept on the reference pass when they all fit
  /// in `limits.inputs` bytes, so that a search in any order of the blocks
  /// starts each block's caches from its own input.
  private var keptInputs: [Int: [Matrix<Float>]] = [:]
  private var keepsBlockInputs: Bool {
    let tokens = batches.reduce(0) { $0 + $1.tokenCount }
    let bytes = Double(tokens) * Double(base.config.hiddenSize) * Double(base.layers.count) * 4
    return bytes <= limits.inputs
  }
  /// Every block's caches, made on the reference pass, when they fit in
  /// `limits.caches` bytes (`cacheBytes`): a search then runs no dense
  /// block to make them.
  private var referenceCaches: [Int: [BlockInputCache]] = [:]
  /// How many bytes of block inputs and of block caches may be kept.
  private let limits: KeptLimits

  /// The bytes of block inputs and of block caches the criterion may keep.
  struct KeptLimits {
    var inputs: Double
    var caches: Double
    /// 256 MiB of inputs (MiniLM's 64 search sentences need 8 MB,
    /// MPNet-base's 33 MB: 895 tokens) and 128 MiB of caches (MiniLM's need
    /// at most 90 MB; MPNet-base's would need 372 MB, so it keeps the block
    /// inputs only).
    static let standard = KeptLimits(inputs: 256.0 * 1024 * 1024, caches: 128.0 * 1024 * 1024)
  }
  /// An upper bound of the bytes every block's caches take: per token and
  /// block, the four linear inputs (3 x H and I) and three residuals (H).
  private var cacheBytes: Double {
    let tokens = batches.reduce(0) { $0 + $1.tokenCount }
    let c = base.config
    return Double(tokens) * Double(base.layers.count)
      * Double(6 * c.hiddenSize + c.intermediateSize + c.hiddenSize) * 4
  }
  /// Batch forward passes spent so far: full passes count 1, a suffix the
  /// fraction of blocks it runs.
  public var forwardPasses: Double { forwardPasses(runs: batchBlockRuns) }

  /// `runs` batch block runs in full-pass equivalents.
  public func forwardPasses(runs: Int) -> Double {
    Double(runs) / Double(base.layers.count)
  }
  /// The work spent so far in runs of one block on one batch.
  ///
  /// A full pass of a batch is `L` of them. Counted in whole runs, so the
  /// total is the same whatever order layers searched side by side finish in.
  public var batchBlockRuns: Int { blockRuns.withLock { $0 } }
  private let blockRuns = Mutex(0)
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
  public convenience init(
    base: EncoderModel, sentences: [String], maxLength: Int = 128, batchSize: Int = 32,
    cancellation: Cancellation? = nil
  ) throws {
    try self.init(
      base: base, sentences: sentences, maxLength: maxLength, batchSize: batchSize,
      cancellation: cancellation, limits: .standard)
  }

  /// The criterion keeping at most `limits` bytes of block inputs and caches.
  init(
    base: EncoderModel, sentences: [String], maxLength: Int, batchSize: Int,
    cancellation: Cancellation?, limits: KeptLimits
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
    self.limits = limits
    reference = []
    try runReference()
  }

  /// Makes `model` the new base (progressive mode), recomputing `F`.
  public func rebase(_ model: EncoderModel) throws {
    base = model
    cachedLayer = nil
    caches = []
    blockCaches = []
    walk = nil
    try runReference()
  }

  /// The reference pass: `F` of the base model for every batch, computed a
  /// block at a time — the operations of `lastHiddenState` in its order, so
  /// `F` is its bit for bit — keeping every block's input (within
  /// `limits.inputs`) and every block's caches (within `limits.caches`),
  /// which the search would otherwise make by running the dense blocks
  /// again: on MiniLM at 50 %, 22 of the 758 batch block runs it spent
  /// before.
  private func runReference() throws {
    let model = base
    let keepInputs = keepsBlockInputs
    let keepCaches = keepInputs && cacheBytes <= limits.caches
    let runs = try Self.concurrently(batches) { batch in
      var x = try model.blockZeroInput(batch)
      var inputs: [Matrix<Float>] = []
      var caches: [BlockInputCache] = []
      for block in model.layers.indices {
        if keepInputs { inputs.append(x) }
        if keepCaches {
          caches.append(try model.cacheBlock(block, input: x, offsets: batch.offsets))
          x = caches.last!.output
        } else {
          x = try model.runBlock(block, input: x, offsets: batch.offsets)
        }
      }
      return (feature: x, inputs: inputs, caches: caches)
    }
    spend(batches.count * model.layers.count)
    reference = runs.map(\.feature)
    referenceSquares = reference.reduce(0) { $0 + squaredSum($1) }
    keptInputs = [:]
    referenceCaches = [:]
    for block in model.layers.indices {
      if keepInputs { keptInputs[block] = runs.map { $0.inputs[block] } }
      if keepCaches { referenceCaches[block] = runs.map { $0.caches[block] } }
    }
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
    if !suffixEvaluation {
      return try evaluate(candidate, failingAbove: tolerance)
    }
    if cachedLayer != layer {
      let (block, point) = try base.inputPoint(of: layer)
      caches = try cacheBlock(block).map { $0.layerCache(layer, point: point) }
      cachedLayer = layer
    }
    return try evaluateSuffixes(
      of: candidate, from: caches, failingAbove: tolerance, onThisThread: false
    ).evaluation
  }

  /// `e` of `candidate` run to the end from a layer's inputs, and the batch
  /// block runs it spent.
  ///
  /// `inputs` holds the layer's input of every batch; each one's run covers
  /// the blocks from its own to the last; `tolerance` as in `sumInRounds`.
  private func evaluateSuffixes(
    of candidate: EncoderModel, from inputs: [LayerInputCache], failingAbove tolerance: Double?,
    onThisThread: Bool
  ) throws -> (evaluation: CriterionEvaluation, runs: Int) {
    let blockCount = base.layers.count
    return try sumInRounds(
      inputs, failingAbove: tolerance, onThisThread: onThisThread,
      runs: { round in round.reduce(0) { $0 + blockCount - $1.block } },
      features: { try candidate.evaluateSuffix(from: $0) })
  }

  /// The linear inputs of block `block` for every batch: the reference
  /// pass's, or from the nearest block input known at or before it (kept
  /// on the reference pass, the walk's own position, or the embeddings), one
  /// block run per batch for each block it moves.
  private func cacheBlock(_ block: Int) throws -> [BlockInputCache] {
    if let first = blockCaches.first, first.block == block { return blockCaches }
    if let kept = referenceCaches[block] {
      walk = (block + 1, kept.map(\.output))
      blockCaches = kept
      return kept
    }
    let base = self.base
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
      spend(batches.count)
      at += 1
    }
    let cached = try Self.concurrently(indices) {
      try base.cacheBlock(block, input: inputs[$0], offsets: self.batches[$0].offsets)
    }
    spend(batches.count)
    walk = (block + 1, cached.map(\.output))
    blockCaches = cached
    return cached
  }

  /// `e` over the search batches, `roundWidth` of them at a time.
  ///
  /// `features` of each item (a batch, or a layer's cached input of it) is
  /// compared with the batch's reference, the sums taken in batch order. With a
  /// `tolerance` and the dense normaliser, it stops after the item whose
  /// partial quotient passes it (not exact); the reference's normaliser
  /// depends on every batch, so then it always runs them all. `runs` is a
  /// round's work in batch block runs, spent once
  /// it has run: every batch of the round ran, whether or not one of them
  /// fails. `onThisThread` runs a round's batches one after the other on the
  /// calling thread (a thread of a side-by-side search), deciding at the same
  /// places, so with the same values, exits and counts.
  private func sumInRounds<T>(
    _ items: [T], failingAbove tolerance: Double?, onThisThread: Bool, runs: ([T]) -> Int,
    features: (T) throws -> Matrix<Float>
  ) throws -> (evaluation: CriterionEvaluation, runs: Int) {
    let limit = normalizer == .dense ? tolerance : nil
    var sums = ErrorSums()
    var spent = 0
    let width = Self.roundWidth(items.count)
    for round in stride(from: 0, to: items.count, by: width) {
      try cancellation?.checkCancellation()
      let inRound = Array(items[round..<min(round + width, items.count)])
      let computed = try onThisThread ? inRound.map(features) : Self.concurrently(inRound, features)
      let roundRuns = runs(inRound)
      spend(roundRuns)
      spent += roundRuns
      for (j, fk) in computed.enumerated() { accumulate(fk, reference[round + j], &sums) }
      // Checked once the round's batches are summed: they have run anyway,
      // and a round that ends the search set gives the exact value, which a
      // guided search calibrates on (a partial one it cannot).
      if let limit, sums.batches < batches.count, quotient(sums) > limit {
        return (CriterionEvaluation(value: quotient(sums), exact: false), spent)
      }
    }
    return (CriterionEvaluation(value: quotient(sums)), spent)
  }

  /// Adds `runs` batch block runs to the work spent.
  private func spend(_ runs: Int) {
    blockRuns.withLock { $0 += runs }
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

  private func evaluate(_ model: EncoderModel, failingAbove tolerance: Double?) throws
    -> CriterionEvaluation
  {
    try sumInRounds(
      batches, failingAbove: tolerance, onThisThread: false,
      runs: { $0.count * model.layers.count }, features: { try model.lastHiddenState($0) }
    ).evaluation
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

// MARK: Layers searched side by side

extension EndFeatureCriterion {
  /// Whether every block's input was kept on the reference pass, so that
  /// layers can be searched side by side (`LayerRankSearch.searchSideBySide`)
  /// with suffix evaluations.
  var keepsEveryBlockInput: Bool {
    suffixEvaluation && keptInputs.count == base.layers.count
  }

  /// Block `block`'s caches for every batch, and the batch block runs they
  /// took.
  ///
  /// Those of the reference pass, or made on the calling thread from the
  /// block's kept input. Safe beside other calls of it and
  /// `evaluateSideBySide`.
  func sideBySideBlockCaches(_ block: Int) throws -> (caches: [BlockInputCache], runs: Int) {
    if let kept = referenceCaches[block] { return (kept, 0) }
    // Checked by `keepsEveryBlockInput` before the side-by-side search.
    guard let inputs = keptInputs[block] else {
      preconditionFailure("block \(block)'s input was not kept on the reference pass")
    }
    let base = self.base
    let caches = try batches.indices.map {
      try base.cacheBlock(block, input: inputs[$0], offsets: batches[$0].offsets)
    }
    spend(batches.count)
    return (caches, batches.count)
  }

  /// `e(k)` with `layer` replaced by `factors`, and the batch block runs it
  /// spent.
  ///
  /// From the layer's inputs `inputs` (one per batch, from
  /// `sideBySideBlockCaches`), its batches run one after the other on the
  /// calling thread. The same value, exactness and work as
  /// `evaluate(layer:factors:failingAbove:)`, and safe beside other layers'
  /// evaluations.
  func evaluateSideBySide(
    layer: String, factors: LowRankFactors, inputs: [LayerInputCache],
    failingAbove tolerance: Double?
  ) throws -> (evaluation: CriterionEvaluation, runs: Int) {
    let candidate = try base.replacing(
      layer, l: factors.left.converted(), r: factors.right.converted())
    return try evaluateSuffixes(
      of: candidate, from: inputs, failingAbove: tolerance, onThisThread: true)
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
