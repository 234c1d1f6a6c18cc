// Fisher information per input channel of each encoder linear layer, from
// the gradients of the contrastive loss on calibration pairs (fwsvd).
//
// Legend: `out` x `in` a weight W, i an output row, j an input channel,
// b a batch of B pairs (2B sentences).
//
// Memory: the activations of one batch of 2B sentences for every block the
// backward pass runs through (about 7 H + 2 I floats per token and block,
// plus the attention probabilities), one weight gradient at a time, and
// `in` Doubles per layer.

import FlarCore
import FlarLinAlg

/// The empirical Fisher information of each input channel of each layer.
///
/// For layer W and input channel j:
///
///     F_j = (1/|batches|) Σ_b (1/out) Σ_i (∂L_b/∂W_ij)²
///
/// where L_b is the batch's loss (the mean over its pairs). This is the
/// squared weight gradient accumulated per batch, as the FWSVD and ASVD
/// reference implementations do, then averaged over the output rows: one
/// importance per input channel, the scale fwsvd applies to `W` before its
/// SVD. Hsu, Y.-C. et al. (2022). Language model compression with weighted
/// low-rank factorization. ICLR, §3.
public struct FisherStatistics: Sendable {
  /// F_j (in) by layer name.
  public internal(set) var byLayer: [String: [Double]]
  /// Batches and pairs that went in.
  public internal(set) var batchCount: Int
  public internal(set) var pairCount: Int
  /// The mean of the batch losses.
  public internal(set) var meanLoss: Double

  /// F of `layer`.
  ///
  /// - Throws: `ModelError.unknownLayer` with the closest name.
  public func information(of layer: String) throws -> [Double] {
    guard let f = byLayer[layer] else {
      throw ModelError.unknownLayer(
        name: layer, suggestion: closestName(to: layer, among: Array(byLayer.keys)))
    }
    return f
  }
}

extension EncoderModel {
  /// Runs the loss and its backward pass over `pairs`, `batchSize` pairs
  /// at a time, and accumulates the Fisher information of the layers that
  /// match `pattern`.
  ///
  /// A batch's 2B sentences (B queries, then their B definitions) run as
  /// one packed forward pass. A trailing batch of a single pair has no
  /// negative (its loss and gradient are zero) and is merged into the
  /// batch before it.
  ///
  /// - Parameters:
  ///   - loss: the contrastive loss (symmetric, scale 20 by default).
  ///   - progress: told about each batch; `cancellation`: checked between
  ///     batches (one batch's forward and backward pass cannot be
  ///     interrupted).
  /// - Throws: `FisherError.tooFewPairs`, `.nonFiniteLoss`,
  ///   `.nonFiniteGradient`; `BackwardError.lowRankLayer`; model and
  ///   tokenizer errors; `CancelledError`.
  public func fisherStatistics(
    _ pairs: CalibrationPairs, layers pattern: String = "*", maxLength: Int = 128,
    batchSize: Int = 32, loss: MultipleNegativesRankingLoss = MultipleNegativesRankingLoss(),
    progress: ProgressReporter = SilentProgress(), cancellation: Cancellation? = nil
  ) throws -> FisherStatistics {
    guard tokenizer != nil else { throw ModelError.noTokenizer }
    guard pairs.count >= 2 else { throw FisherError.tooFewPairs(count: pairs.count) }
    let names = try layerNames(matching: pattern)
    let wanted = Set(names)
    let queries = try encode(pairs.queries, maxLength: maxLength)
    let definitions = try encode(pairs.definitions, maxLength: maxLength)
    let ranges = Self.fisherBatches(count: pairs.count, size: max(2, batchSize))
    var sums: [String: [Double]] = [:]
    for name in names { sums[name] = [Double](repeating: 0, count: try linear(name).inFeatures) }
    var lossSum = 0.0
    progress.begin("fisher", total: ranges.count)
    defer { progress.end() }
    for (b, range) in ranges.enumerated() {
      try cancellation?.checkCancellation()
      let batch = TokenBatch(
        sequences: Array(queries.sequences[range]) + Array(definitions.sequences[range]),
        paddingId: queries.paddingId)
      let g = try weightGradients(batch, layers: wanted) { loss.valueAndGradient($0) }
      guard g.loss.isFinite else { throw FisherError.nonFiniteLoss(batch: b) }
      lossSum += g.loss
      for name in names {
        try accumulateSquaredColumns(g.byLayer[name]!, into: &sums[name]!, layer: name, batch: b)
      }
      progress.advance(by: 1)
    }
    let n = Double(ranges.count)
    return FisherStatistics(
      byLayer: sums.mapValues { $0.map { $0 / n } }, batchCount: ranges.count,
      pairCount: pairs.count, meanLoss: lossSum / n)
  }

  /// Batches of `size` pairs; a last batch of one pair joins the one before.
  static func fisherBatches(count: Int, size: Int) -> [Range<Int>] {
    var ranges = stride(from: 0, to: count, by: size).map { $0..<min($0 + size, count) }
    if ranges.count > 1, ranges.last!.count == 1 {
      let last = ranges.removeLast()
      ranges[ranges.count - 1] = ranges.last!.lowerBound..<last.upperBound
    }
    return ranges
  }
}

/// `sum_j += (1/out) Σ_i g_ij²` for a gradient g (out, in), in Double.
///
/// - Throws: `FisherError.nonFiniteGradient` naming the layer and batch.
func accumulateSquaredColumns(
  _ g: Matrix<Float>, into sum: inout [Double], layer: String, batch: Int
) throws {
  precondition(sum.count == g.columns, "Fisher accumulator width differs from the weight's")
  let inverseRows = 1 / Double(g.rows)
  var column = [Double](repeating: 0, count: g.columns)
  for i in 0..<g.rows {
    for j in 0..<g.columns {
      let v = Double(g.storage[i * g.columns + j])
      guard v.isFinite else { throw FisherError.nonFiniteGradient(layer: layer, batch: batch) }
      column[j] += v * v
    }
  }
  for j in 0..<g.columns { sum[j] += column[j] * inverseRows }
}
