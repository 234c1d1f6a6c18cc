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
typealias LayerTap = (LayerPoint, Matrix<Float>, Matrix<Float>?) throws -> Void

/// The weights of `encoder.layer.{i}`.
public struct EncoderLayer: Sendable {
  public var attention: EncoderSelfAttention
  public var attentionOutput: Linear  // attention.output.dense, W (H, H)
  public var attentionLayerNormWeight: [Float]  // (H)
  public var attentionLayerNormBias: [Float]  // (H)
  public var intermediate: Linear  // intermediate.dense, W (I, H)
  public var output: Linear  // output.dense, W (H, I)
  public var outputLayerNormWeight: [Float]  // (H)
  public var outputLayerNormBias: [Float]  // (H)
  public var eps: Float

  /// The block's output for input `x` (N, H) → (N, H).
  ///
  /// `bias` is the batch's relative position bias (MPNet), nil for BERT.
  func callAsFunction(
    _ x: Matrix<Float>, offsets: [Int], bias: AttentionBias? = nil, tap: LayerTap?
  ) throws -> Matrix<Float> {
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
    from point: LayerPoint, input: Matrix<Float>, residual: Matrix<Float>?,
    offsets: [Int], bias: AttentionBias? = nil, tap: LayerTap?
  ) throws -> Matrix<Float> {
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
  subscript(linear suffix: String) -> Linear? {
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
  public static let linearSuffixes = LayerPoint.allCases.flatMap(\.layerSuffixes)

  /// Parameters held by the block.
  var parameterCount: Int {
    EncoderLayer.linearSuffixes.reduce(0) { $0 + self[linear: $1]!.parameterCount }
      + 2 * attentionLayerNormWeight.count + 2 * outputLayerNormWeight.count
  }
}
