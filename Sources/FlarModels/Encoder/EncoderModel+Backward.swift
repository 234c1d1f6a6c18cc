// The gradient of a loss of sentence embeddings or of the last hidden
// states with respect to the parameters of the encoder blocks: forward with
// activations kept, then backward through L2 normalisation, mean pooling
// (for a loss of embeddings) and the blocks, top to bottom.
//
// Legend: B sequences, N packed tokens, H hidden.
//
// The embedding layer gets no gradient: the backward pass stops at the
// input of the lowest block that holds a parameter asked for. fwsvd's
// `weightGradients` differentiates dense weights only (it runs on the dense
// model, and a low-rank layer is an error there); `parameterGradients`
// differentiates any mix of low-rank factors, dense weights, biases and
// LayerNorms, as healing needs.

import FlarLinAlg

/// A scalar loss of sentence embeddings: its value and ∂L/∂E (B, H) for
/// embeddings E (B, H).
public typealias EmbeddingLossFunction = EmbeddingLoss<Float>

/// `EmbeddingLossFunction` in any precision.
public typealias EmbeddingLoss<Scalar: EncoderScalar> =
  (_ embeddings: Matrix<Scalar>) throws -> (value: Double, gradient: Matrix<Scalar>)

/// A scalar loss of the last hidden states: its value and ∂L/∂X (N, H) for
/// the packed states X (N, H) of sequences with boundaries `offsets`.
public typealias HiddenStateLossFunction = HiddenStateLoss<Float>

/// `HiddenStateLossFunction` in any precision.
public typealias HiddenStateLoss<Scalar: EncoderScalar> =
  (_ states: Matrix<Scalar>, _ offsets: [Int]) throws -> (
    value: Double, gradient: Matrix<Scalar>
  )

/// The loss of one batch and ∂L/∂θ of every trainable tensor, by its
/// safetensors name (`encoder.layer.0.attention.self.query.L`, `….bias`,
/// `encoder.layer.0.output.LayerNorm.weight`), row-major like the tensor.
public typealias ParameterGradients = TensorGradients<Float>

/// `ParameterGradients` in any precision.
public struct TensorGradients<Scalar: EncoderScalar>: Sendable {
  public var loss: Double
  public var byName: [String: [Scalar]]
}

/// The loss of one batch and ∂L/∂W of the layers asked for.
public struct EncoderWeightGradients: Sendable {
  public var loss: Double
  /// ∂L/∂W (out, in) by layer name.
  public var byLayer: [String: Matrix<Float>]
}

/// The backward pass cannot run on this model.
public enum BackwardError: Error, Equatable, CustomStringConvertible {
  /// The layer is low-rank; gradients are taken of dense weights only.
  case lowRankLayer(name: String, rank: Int)
  /// The model pools otherwise than by the mean with L2 normalisation.
  case unsupportedPooling(pooling: String)

  public var description: String {
    switch self {
    case .lowRankLayer(let name, let rank):
      return
        "the backward pass needs dense layers, but \"\(name)\" is low-rank (rank \(rank)); compute gradients on the dense model"
    case .unsupportedPooling(let p):
      return
        "the backward pass supports mean pooling with L2 normalisation, but the model pools by \(p)"
    }
  }
}

extension EncoderModel {
  /// ∂L/∂W of the linear layers `names` (all when nil) for one batch.
  ///
  /// - Parameters:
  ///   - batch: B tokenised sequences, run packed (each attends to itself).
  ///   - loss: the loss of the batch's sentence embeddings (mean pooled,
  ///     L2-normalised, as `embed` computes them).
  /// - Throws: `ModelError.unknownLayer`, `BackwardError.lowRankLayer`,
  ///   model errors, and `loss`'s errors.
  public func weightGradients(
    _ batch: TokenBatch, layers names: Set<String>? = nil, loss: EmbeddingLossFunction
  ) throws -> EncoderWeightGradients {
    let wanted = names ?? Set(linearLayerNames)
    let lowest = try wanted.map { try location(of: $0).block }.min() ?? layers.count
    guard pooling == SentencePooling() else {
      throw BackwardError.unsupportedPooling(pooling: "\(pooling)")
    }
    for name in linearLayerNames where try location(of: name).block >= lowest {
      if let k = try linear(name).rank { throw BackwardError.lowRankLayer(name: name, rank: k) }
    }
    var byLayer: [String: Matrix<Float>] = [:]
    let value = try withoutActuallyEscaping(loss) { loss in
      try backwardPass(batch, from: lowest, parameters: .dense, loss: try embeddingLoss(loss)) {
        i, gradients in
        for (role, g) in zip(EncoderLayer.linearSuffixes, gradients.linear) {
          let name = "encoder.layer.\(i).\(config.family.suffix(forRole: role))"
          if wanted.contains(name) { byLayer[name] = g.weight }
        }
      }
    }
    return EncoderWeightGradients(loss: value, byLayer: byLayer)
  }

  /// ∂L/∂θ of every tensor `parameters` selects, for one batch, in Float
  /// (the generic `parameterGradients` for other modules: a call through
  /// it from outside this module is not specialised).
  public func parameterGradients(
    _ batch: TokenBatch, parameters: TrainableParameters, loss: HiddenStateLossFunction
  ) throws -> ParameterGradients {
    try gradients(batch, parameters: parameters, loss: loss)
  }

  /// `embeddingLoss(_:)` in Float, specialised (see `parameterGradients`).
  public func embeddingLoss(_ loss: @escaping EmbeddingLossFunction) throws
    -> HiddenStateLossFunction
  {
    try lossOfStates(loss)
  }
}

extension TransformerEncoder {
  /// ∂L/∂θ of every tensor `parameters` selects, for one batch.
  ///
  /// - Parameters:
  ///   - batch: B tokenised sequences, run packed.
  ///   - parameters: which tensors of the blocks (low-rank factors, dense
  ///     weights, biases, LayerNorms).
  ///   - loss: a loss of the last hidden states (`embeddingLoss` turns a
  ///     loss of sentence embeddings into one).
  /// - Throws: model errors and `loss`'s errors.
  public func parameterGradients(
    _ batch: TokenBatch, parameters: TrainableParameters, loss: HiddenStateLoss<Scalar>
  ) throws -> TensorGradients<Scalar> {
    try gradients(batch, parameters: parameters, loss: loss)
  }

  /// The body of `parameterGradients`.
  func gradients(
    _ batch: TokenBatch, parameters: TrainableParameters, loss: HiddenStateLoss<Scalar>
  ) throws -> TensorGradients<Scalar> {
    var byName: [String: [Scalar]] = [:]
    let value = try backwardPass(batch, from: 0, parameters: parameters, loss: loss) {
      i, gradients in
      for slot in parameterSlots(block: i, parameters) {
        byName[slot.name] = slot.gradient(in: gradients)
      }
    }
    return TensorGradients(loss: value, byName: byName)
  }

  /// A loss of sentence embeddings as a loss of the last hidden states: mean
  /// pooling and L2 normalisation on the way forward, their derivative on
  /// the way back.
  ///
  /// - Throws: `BackwardError.unsupportedPooling` unless the model pools by
  ///   the mean and normalises.
  public func embeddingLoss(_ loss: @escaping EmbeddingLoss<Scalar>) throws
    -> HiddenStateLoss<Scalar>
  {
    try lossOfStates(loss)
  }

  /// The body of `embeddingLoss`.
  func lossOfStates(_ loss: @escaping EmbeddingLoss<Scalar>) throws -> HiddenStateLoss<Scalar> {
    guard pooling == SentencePooling() else {
      throw BackwardError.unsupportedPooling(pooling: "\(pooling)")
    }
    return { states, offsets in
      let pooled = meanPooledKeepingNorms(states, offsets: offsets)
      let (value, dEmbeddings) = try loss(pooled.embeddings)
      return (value, meanPooledBackward(dEmbeddings, pooled: pooled, offsets: offsets))
    }
  }

  /// Forward from block `lowest` with activations kept, the loss, and
  /// backward to block `lowest`, handing each block's gradients to `visit`
  /// (top block first).
  ///
  /// - Returns: the loss.
  func backwardPass(
    _ batch: TokenBatch, from lowest: Int, parameters: TrainableParameters,
    loss: HiddenStateLoss<Scalar>, visit: (Int, BlockGradients<Scalar>) throws -> Void
  ) throws -> Double {
    let offsets = batch.offsets
    // Blocks below the lowest one asked for run as in inference.
    var x = try run(batch, through: lowest, tap: nil)  // (N, H)
    var kept: [EncoderLayerActivations<Scalar>] = []
    let bias = attentionBias(offsets: offsets)
    for i in lowest..<layers.count {
      let (y, activations) = try layers[i].forwardKeepingActivations(
        x, offsets: offsets, block: i, bias: bias)
      kept.append(activations)
      x = y
    }
    let (value, dStates) = try loss(x, offsets)
    var dy = dStates  // (N, H)
    for i in stride(from: layers.count - 1, through: lowest, by: -1) {
      let (dx, gradients) = try layers[i].backward(
        dy, activations: kept[i - lowest], offsets: offsets, parameters: parameters,
        inputGradient: i > lowest)
      kept.removeLast()  // its memory is no longer needed
      try visit(i, gradients)
      if let dx { dy = dx }
    }
    return value
  }
}

/// The derivative of `meanPooledKeepingNorms`.
///
/// Per sequence s of T_s tokens:
///
///     dm_s = (de_s − e_s (e_s · de_s)) / ‖m_s‖     (‖m_s‖ > 1e-12; else de_s / 1e-12)
///     dx_t = dm_s / T_s   for every token t of sequence s
///
/// - Parameter dEmbeddings: ∂L/∂E (B, H).
/// - Returns: ∂L/∂x (N, H).
func meanPooledBackward<Scalar: EncoderScalar>(
  _ dEmbeddings: Matrix<Scalar>, pooled: PooledEmbeddings<Scalar>, offsets: [Int]
) -> Matrix<Scalar> {
  let h = dEmbeddings.columns
  var dx = Matrix<Scalar>(rows: offsets.last ?? 0, columns: h)
  var dm = [Double](repeating: 0, count: h)
  for s in 0..<(offsets.count - 1) {
    let norm = pooled.norms[s]
    var dot = 0.0
    for j in 0..<h {
      dot += Double(pooled.embeddings[s, j]) * Double(dEmbeddings[s, j])
    }
    for j in 0..<h {
      let de = Double(dEmbeddings[s, j])
      dm[j] =
        norm > 1e-12 ? (de - Double(pooled.embeddings[s, j]) * dot) / norm : de / 1e-12
    }
    let t = Double(max(offsets[s + 1] - offsets[s], 1))
    for r in offsets[s]..<offsets[s + 1] {
      for j in 0..<h { dx.storage[r * h + j] = Scalar(dm[j] / t) }
    }
  }
  return dx
}
