// One transformer block of BERT (post-LayerNorm), split at the inputs of its
// linear layers so that the forward pass can be observed (hooks) and resumed
// (suffix evaluation) at each of them.
//
// Legend: N packed tokens, H hidden, I intermediate.
//
//     x ──► attention.self (query, key, value) ──► context        point .layerInput
//     context ──► attention.output.dense + x ──► LayerNorm ──► a   point .attentionContext
//     a ──► intermediate.dense ──► GELU ──► g                      point .attentionOutput
//     g ──► output.dense + a ──► LayerNorm ──► next x              point .intermediateOutput

import FlarLinAlg

/// Where, inside a block, a linear layer reads its input.
public enum LayerPoint: Int, Sendable, CaseIterable, Comparable {
  /// The block input x (N, H): read by query, key and value.
  case layerInput
  /// The attention context (N, H): read by attention.output.dense.
  case attentionContext
  /// The attention output a after LayerNorm (N, H): read by intermediate.dense.
  case attentionOutput
  /// GELU of the intermediate projection (N, I): read by output.dense.
  case intermediateOutput

  /// The HF name suffixes of the linear layers reading at this point.
  public var layerSuffixes: [String] {
    switch self {
    case .layerInput:
      return ["attention.self.query", "attention.self.key", "attention.self.value"]
    case .attentionContext: return ["attention.output.dense"]
    case .attentionOutput: return ["intermediate.dense"]
    case .intermediateOutput: return ["output.dense"]
    }
  }

  public static func < (a: LayerPoint, b: LayerPoint) -> Bool { a.rawValue < b.rawValue }
}

/// Called with a point, the linear input there, and the residual the rest
/// of the block needs (nil where the input itself is the residual).
typealias LayerTap<Scalar: EncoderScalar> =
  (LayerPoint, Matrix<Scalar>, Matrix<Scalar>?) throws -> Void

/// A transformer block in Float, the model's own precision.
public typealias EncoderLayer = EncoderBlock<Float>

/// The HF name suffixes of a block's linear layers, in forward order.
private let blockLinearSuffixes = LayerPoint.allCases.flatMap(\.layerSuffixes)

/// The weights of `encoder.layer.{i}`.
public struct EncoderBlock<Scalar: EncoderScalar>: Sendable {
  public var attention: SelfAttention<Scalar>
  public var attentionOutput: LinearLayer<Scalar>  // attention.output.dense, W (H, H)
  public var attentionLayerNormWeight: [Scalar]  // (H)
  public var attentionLayerNormBias: [Scalar]  // (H)
  public var intermediate: LinearLayer<Scalar>  // intermediate.dense, W (I, H)
  public var output: LinearLayer<Scalar>  // output.dense, W (H, I)
  public var outputLayerNormWeight: [Scalar]  // (H)
  public var outputLayerNormBias: [Scalar]  // (H)
  public var eps: Float

  /// The block's output for input `x` (N, H) → (N, H).
  ///
  /// `bias` is the batch's relative position bias (MPNet), nil for BERT.
  func callAsFunction(
    _ x: Matrix<Scalar>, offsets: [Int], bias: AttentionBias<Scalar>? = nil, tap: LayerTap<Scalar>?
  ) throws -> Matrix<Scalar> {
    try tap?(.layerInput, x, nil)
    let context = try attention(x, offsets: offsets, bias: bias)  // (N, H)
    return try resume(
      from: .attentionContext, input: context, residual: x, offsets: offsets, bias: bias, tap: tap)
  }

  /// Runs the block from `point`, given the input there and its residual.
  ///
  /// - Parameters:
  ///   - input: the linear input at `point`: (N, H), or (N, I) for
  ///     `.intermediateOutput`.
  ///   - residual: x for `.attentionContext`, a for `.intermediateOutput`,
  ///     ignored otherwise.
  /// - Returns: the block output (N, H).
  func resume(
    from point: LayerPoint, input: Matrix<Scalar>, residual: Matrix<Scalar>?,
    offsets: [Int], bias: AttentionBias<Scalar>? = nil, tap: LayerTap<Scalar>?
  ) throws -> Matrix<Scalar> {
    switch point {
    case .layerInput:
      return try self(input, offsets: offsets, bias: bias, tap: tap)
    case .attentionContext:
      try tap?(.attentionContext, input, residual)
      var a = try attentionOutput(input)  // (N, H)
      layerNorm(
        &a, adding: residual!, gamma: attentionLayerNormWeight, beta: attentionLayerNormBias,
        eps: eps)
      return try resume(from: .attentionOutput, input: a, residual: nil, offsets: offsets, tap: tap)
    case .attentionOutput:
      try tap?(.attentionOutput, input, nil)
      var g = try intermediate(input)  // (N, I)
      gelu(&g)
      return try resume(
        from: .intermediateOutput, input: g, residual: input, offsets: offsets, tap: tap)
    case .intermediateOutput:
      try tap?(.intermediateOutput, input, residual)
      var y = try output(input)  // (N, H)
      layerNorm(
        &y, adding: residual!, gamma: outputLayerNormWeight, beta: outputLayerNormBias, eps: eps)
      return y
    }
  }

  /// The block's linear layer with HF name suffix `suffix`.
  subscript(linear suffix: String) -> LinearLayer<Scalar>? {
    get {
      switch suffix {
      case "attention.self.query": return attention.query
      case "attention.self.key": return attention.key
      case "attention.self.value": return attention.value
      case "attention.output.dense": return attentionOutput
      case "intermediate.dense": return intermediate
      case "output.dense": return output
      default: return nil
      }
    }
    set {
      guard let newValue else { return }
      switch suffix {
      case "attention.self.query": attention.query = newValue
      case "attention.self.key": attention.key = newValue
      case "attention.self.value": attention.value = newValue
      case "attention.output.dense": attentionOutput = newValue
      case "intermediate.dense": intermediate = newValue
      case "output.dense": output = newValue
      default: break
      }
    }
  }

  /// The HF name suffixes of the block's linear layers, in forward order.
  public static var linearSuffixes: [String] { blockLinearSuffixes }

  /// Parameters held by the block.
  var parameterCount: Int {
    Self.linearSuffixes.reduce(0) { $0 + self[linear: $1]!.parameterCount }
      + 2 * attentionLayerNormWeight.count + 2 * outputLayerNormWeight.count
  }
}

extension EncoderBlock {
  /// The same block in another precision.
  func converted<T: EncoderScalar>(to: T.Type = T.self) -> EncoderBlock<T> {
    EncoderBlock<T>(
      attention: SelfAttention<T>(
        query: attention.query.converted(), key: attention.key.converted(),
        value: attention.value.converted(), heads: attention.heads),
      attentionOutput: attentionOutput.converted(),
      attentionLayerNormWeight: attentionLayerNormWeight.map { T($0) },
      attentionLayerNormBias: attentionLayerNormBias.map { T($0) },
      intermediate: intermediate.converted(), output: output.converted(),
      outputLayerNormWeight: outputLayerNormWeight.map { T($0) },
      outputLayerNormBias: outputLayerNormBias.map { T($0) }, eps: eps)
  }
}
