// Suffix evaluation: cache the input of one linear layer for a fixed batch,
// then recompute only the network from that layer on. A rank search that
// tries many factorisations of one layer pays for the prefix once.
//
// Legend: N packed tokens, H hidden, I intermediate.
//
// The resumed computation performs exactly the operations of a full forward
// pass from that point, in the same order, so its result is bit-identical to
// a full re-run of the model with the same replacement.

import FlarLinAlg

/// The cached input of a linear layer for one batch.
public struct LayerInputCache: Sendable {
  /// The layer whose input this is.
  public let layer: String
  /// The block index and the point in the block.
  public let block: Int
  public let point: LayerPoint
  /// The batch's sequence boundaries: (B + 1).
  public let offsets: [Int]
  /// The layer's input: (N, in).
  public let input: Matrix<Float>
  /// The state the rest of the block also needs (the residual): (N, H), or
  /// nil where the input itself is the residual.
  public let residual: Matrix<Float>?
}

extension EncoderModel {
  /// Runs `batch` up to the input of layer `name` and keeps it.
  ///
  /// - Throws: `.unknownLayer`, model errors from the forward pass.
  public func cacheInput(of name: String, batch: TokenBatch) throws -> LayerInputCache {
    let (block, point) = try inputPoint(of: name)
    var captured: (Matrix<Float>, Matrix<Float>?)? = nil
    // The block's tail after the point still runs once; the blocks after it do not.
    _ = try run(batch, through: block + 1) { b, p, input, residual in
      if b == block && p == point { captured = (input, residual) }
    }
    return LayerInputCache(
      layer: name, block: block, point: point, offsets: batch.offsets,
      input: captured!.0, residual: captured!.1)
  }

  /// The end feature (last hidden state, (N, H)) computed from a cached
  /// layer input onward, with this model's layers from that point on.
  ///
  /// Equal, bit for bit, to `lastHiddenState(batch)` of this model when the
  /// model agrees with the one that made the cache before the cached layer.
  ///
  /// - Throws: `.incompatibleCache` when the cache does not fit this model.
  public func evaluateSuffix(from cache: LayerInputCache) throws -> Matrix<Float> {
    guard cache.block < layers.count else {
      throw ModelError.incompatibleCache(
        layer: cache.layer, detail: "block \(cache.block) but the model has \(layers.count)")
    }
    let width = try linear(cache.layer).inFeatures
    guard cache.input.columns == width, cache.input.rows == cache.offsets.last else {
      throw ModelError.incompatibleCache(
        layer: cache.layer,
        detail: "input is \(cache.input.rows)x\(cache.input.columns), layer reads \(width) features"
      )
    }
    let bias = attentionBias(offsets: cache.offsets)
    var x = try layers[cache.block].resume(
      from: cache.point, input: cache.input, residual: cache.residual, offsets: cache.offsets,
      bias: bias, tap: nil)
    for i in (cache.block + 1)..<layers.count {
      x = try layers[i](x, offsets: cache.offsets, bias: bias, tap: nil)
    }
    return x
  }
}

/// The inputs of every linear layer of one block for one batch, made from
/// the block's input by one run of that block: what a search over the
/// block's layers resumes from.
public struct BlockInputCache: Sendable {
  /// The block index.
  public let block: Int
  /// The batch's sequence boundaries: (B + 1).
  public let offsets: [Int]
  /// The linear input and the residual at each point of the block.
  let points: [LayerPoint: (input: Matrix<Float>, residual: Matrix<Float>?)]
  /// The block's output: the next block's input.
  public let output: Matrix<Float>

  /// The cache of layer `name` of this block, as `cacheInput(of:batch:)`
  /// makes it.
  func layerCache(_ name: String, point: LayerPoint) -> LayerInputCache {
    let p = points[point]!
    return LayerInputCache(
      layer: name, block: block, point: point, offsets: offsets, input: p.input,
      residual: p.residual)
  }
}

extension EncoderModel {
  /// The embeddings of `batch`: the first block's input (N, H).
  func blockZeroInput(_ batch: TokenBatch) throws -> Matrix<Float> {
    try embeddings(batch)
  }

  /// Runs block `block` on its input `x` and keeps the input of every
  /// linear layer in it.
  ///
  /// The operations are those of a full forward pass, in the same order, so
  /// each kept input equals `cacheInput(of:batch:)`'s bit for bit when `x`
  /// equals the full pass's input of the block — for the work of one block
  /// instead of the whole prefix.
  func cacheBlock(_ block: Int, input x: Matrix<Float>, offsets: [Int]) throws
    -> BlockInputCache
  {
    var points: [LayerPoint: (input: Matrix<Float>, residual: Matrix<Float>?)] = [:]
    let output = try layers[block](
      x, offsets: offsets, bias: attentionBias(offsets: offsets),
      tap: { point, input, residual in points[point] = (input, residual) })
    return BlockInputCache(block: block, offsets: offsets, points: points, output: output)
  }

  /// Runs block `block` on its input `x`: (N, H) → (N, H).
  func runBlock(_ block: Int, input x: Matrix<Float>, offsets: [Int]) throws -> Matrix<Float> {
    try layers[block](x, offsets: offsets, bias: attentionBias(offsets: offsets), tap: nil)
  }

  /// The point of a block where layer `name` reads its input, and the block.
  ///
  /// - Throws: `.unknownLayer`.
  func inputPoint(of name: String) throws -> (block: Int, point: LayerPoint) {
    let (block, suffix) = try location(of: name)
    return (block, LayerPoint.allCases.first { $0.layerSuffixes.contains(suffix) }!)
  }
}

/// Evaluates one layer's replacements on fixed batches by suffix runs.
///
/// The input of `layer` is cached once per batch; each candidate
/// replacement then costs the network from that layer on. `reference` holds
/// the end features of the unchanged model, for criteria such as the mean
/// squared error of the end feature. This is the shape of work a rank search
/// in FlarCore does ("evaluate the end feature with this layer replaced").
public struct LayerSuffixEvaluator: Sendable {
  public let model: EncoderModel
  public let layer: String
  public let caches: [LayerInputCache]
  /// The unchanged model's end features, one (N_b, H) matrix per batch.
  public let reference: [Matrix<Float>]

  /// Caches the input of `layer` for every batch and the reference outputs.
  ///
  /// - Throws: `.unknownLayer`, model errors from the forward pass.
  public init(model: EncoderModel, layer: String, batches: [TokenBatch]) throws {
    self.model = model
    self.layer = layer
    caches = try batches.map { try model.cacheInput(of: layer, batch: $0) }
    reference = try caches.map { try model.evaluateSuffix(from: $0) }
  }

  /// The end features with the layer replaced by `replacement`.
  ///
  /// - Throws: `.factorShapeMismatch` when `replacement` does not fit.
  public func endFeatures(with replacement: Linear) throws -> [Matrix<Float>] {
    let changed = try model.replacing(layer, with: replacement)
    return try caches.map { try changed.evaluateSuffix(from: $0) }
  }

  /// The end features with the layer replaced by `L R` (its bias kept).
  public func endFeatures(l: Matrix<Float>, r: Matrix<Float>) throws -> [Matrix<Float>] {
    let changed = try model.replacing(layer, l: l, r: r)
    return try caches.map { try changed.evaluateSuffix(from: $0) }
  }

  /// Mean squared error of the end features against `reference`, over all
  /// tokens and features of all batches.
  public func meanSquaredError(_ features: [Matrix<Float>]) -> Double {
    var sum = 0.0
    var count = 0
    for (a, b) in zip(features, reference) {
      for (x, y) in zip(a.storage, b.storage) {
        let d = Double(x) - Double(y)
        sum += d * d
      }
      count += b.count
    }
    return count == 0 ? 0 : sum / Double(count)
  }
}
