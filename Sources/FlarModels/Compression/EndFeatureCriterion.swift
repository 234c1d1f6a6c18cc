// The end-feature criterion of the rank search (reference-notes §4): with
// only one layer compressed and every other layer as in the base model, the
// normalised MSE of the model's last hidden state on a fixed search set,
//
//     e(k) = mean((F_k − F)²) / mean(F_k²),
//
// where F is the base model's end feature. The search set is fixed for the
// whole search (the reference re-samples it with augmentation at every step,
// so its bisection compares different data), which makes e a function of the
// rank alone.
//
// Each candidate runs only the part of the network after the layer, from the
// layer's cached input (BertModel+Suffix): bit-identical to a full re-run,
// for a fraction of the work.

import FlarCore
import FlarLinAlg

/// Evaluates `e(k)` for candidate factorisations of one layer at a time.
public final class EndFeatureCriterion {
  /// The model every candidate is compared with and inserted into.
  public private(set) var base: BertModel
  /// The fixed search batches.
  public let batches: [TokenBatch]
  /// The base model's end feature per batch: (N, H) each.
  private var reference: [Matrix<Float>]
  /// Cached inputs of the layer under test, one per batch.
  private var cachedLayer: String?
  private var caches: [LayerInputCache] = []
  /// Batch forward passes spent so far: full passes count 1, a suffix the
  /// fraction of blocks it runs.
  public private(set) var forwardPasses = 0.0
  private let cancellation: Cancellation?
  /// When false, every candidate re-runs the whole model (the reference
  /// code's way); kept to check that the suffix gives the same ranks.
  public var suffixEvaluation = true

  /// Tokenises the search sentences and computes the reference features.
  public init(
    base: BertModel, sentences: [String], maxLength: Int = 128, batchSize: Int = 32,
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
    reference = try batches.map { try base.lastHiddenState($0) }
    forwardPasses += Double(batches.count)
  }

  /// Makes `model` the new base (progressive mode), recomputing `F`.
  public func rebase(_ model: BertModel) throws {
    base = model
    reference = try batches.map { try model.lastHiddenState($0) }
    forwardPasses += Double(batches.count)
    cachedLayer = nil
    caches = []
  }

  /// `e(k)` with `layer` replaced by `factors` in the base model.
  public func error(layer: String, factors: LowRankFactors) throws -> Double {
    let candidate = try base.replacing(
      layer, l: factors.left.converted(), r: factors.right.converted())
    if !suffixEvaluation { return try error(of: candidate) }
    if cachedLayer != layer {
      caches = try batches.map { try base.cacheInput(of: layer, batch: $0) }
      cachedLayer = layer
      forwardPasses +=
        Double(batches.count) * Double(caches[0].block + 1)
        / Double(base.layers.count)
    }
    var numerator = 0.0
    var denominator = 0.0
    for (cache, f) in zip(caches, reference) {
      try cancellation?.checkCancellation()
      let fk = try candidate.evaluateSuffix(from: cache)
      accumulate(fk, f, &numerator, &denominator)
      forwardPasses += Double(base.layers.count - cache.block) / Double(base.layers.count)
    }
    return denominator > 0 ? numerator / denominator : 0
  }

  /// `e` for a whole other model (every layer as in `model`), by full
  /// forward passes: the threshold initialisation uses it.
  public func error(of model: BertModel) throws -> Double {
    var numerator = 0.0
    var denominator = 0.0
    for (batch, f) in zip(batches, reference) {
      try cancellation?.checkCancellation()
      accumulate(try model.lastHiddenState(batch), f, &numerator, &denominator)
      forwardPasses += 1
    }
    return denominator > 0 ? numerator / denominator : 0
  }

  /// Adds Σ(F_k − F)² and Σ F_k² in float64 (the same element count divides
  /// both means, so their ratio is the ratio of sums).
  private func accumulate(
    _ fk: Matrix<Float>, _ f: Matrix<Float>, _ num: inout Double, _ den: inout Double
  ) {
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
        num += n
        den += d
      }
    }
  }
}
