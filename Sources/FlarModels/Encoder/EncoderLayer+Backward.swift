// One transformer block forward with its activations kept, and backward to the
// gradients of its parameters and of its input.
//
// Legend: N packed tokens, H hidden, I intermediate, k a rank. The forward
// pass (post-LayerNorm BERT, as EncoderLayer.swift runs it):
//
//     q, k, v = x W_{q,k,v}ᵀ + b                     (N, H)
//     c = attention(q, k, v)                         (N, H)
//     a = LN₁(c W_oᵀ + b_o + x)                      (N, H)
//     u = a W_iᵀ + b_i,   g = gelu(u)                (N, I)
//     y = LN₂(g W_2ᵀ + b_2 + a)                      (N, H)
//
// and its backward, from dy:
//
//     dr₂ = LN₂'(dy);   dW_2 = dr₂ᵀ g;   dg = dr₂ W_2;   da = dr₂
//     du = gelu'(u) ∘ dg;   dW_i = duᵀ a;   da += du W_i
//     dr₁ = LN₁'(da);   dW_o = dr₁ᵀ c;   dc = dr₁ W_o;   dx = dr₁
//     dq, dk, dv = attention'(dc);   dW_{q,k,v} = d{q,k,v}ᵀ x;
//     dx += dq W_q + dk W_k + dv W_v
//
// A weight gradient dW = dYᵀ X is one GEMM over all N tokens: (out, in). A
// low-rank layer y = L (R x) + b keeps t = x Rᵀ (N, k) on the way forward:
//
//     dL = dYᵀ t (out, k),   dt = dY L (N, k),   dR = dtᵀ X (k, in),   dX = dt R
//
// A bias gets the column sums of dY; a LayerNorm y = x̂ γ + β gets
// dγ = Σ_rows dy ∘ x̂ and dβ = Σ_rows dy.

import FlarLinAlg

/// The activations of one block that its backward pass reads.
struct EncoderLayerActivations<Scalar: EncoderScalar>: Sendable {
  var input: Matrix<Scalar>  // x (N, H)
  var query: Matrix<Scalar>  // q (N, H)
  var key: Matrix<Scalar>  // k (N, H)
  var value: Matrix<Scalar>  // v (N, H)
  var probabilities: AttentionProbabilities<Scalar>  // P per sequence and head
  var context: Matrix<Scalar>  // c (N, H)
  var attentionNorm: LayerNormCache<Scalar>  // LN₁
  var attentionOutput: Matrix<Scalar>  // a (N, H)
  var preActivation: Matrix<Scalar>  // u (N, I)
  var activation: Matrix<Scalar>  // g (N, I)
  var outputNorm: LayerNormCache<Scalar>  // LN₂
  /// t = x Rᵀ (N, k) of each low-rank layer, nil for a dense one; the six
  /// layers in forward order.
  var projected: [Matrix<Scalar>?]
}

/// Which parameters of the encoder blocks the backward pass differentiates.
public struct TrainableParameters: OptionSet, Sendable, Hashable {
  public let rawValue: Int
  public init(rawValue: Int) { self.rawValue = rawValue }

  /// L and R of every low-rank layer.
  public static let lowRank = TrainableParameters(rawValue: 1)
  /// W of every dense linear layer of the blocks.
  public static let dense = TrainableParameters(rawValue: 2)
  /// The bias of every linear layer of the blocks.
  public static let bias = TrainableParameters(rawValue: 4)
  /// γ and β of both LayerNorms of every block.
  public static let norm = TrainableParameters(rawValue: 8)
}

/// ∂L/∂θ of one linear layer; nil where not asked for (or not held).
struct LinearGradient<Scalar: EncoderScalar>: Sendable {
  var weight: Matrix<Scalar>?  // dW (out, in), dense layers
  var l: Matrix<Scalar>?  // dL (out, k), low-rank layers
  var r: Matrix<Scalar>?  // dR (k, in), low-rank layers
  var bias: [Scalar]?  // db (out)
}

/// ∂L/∂θ of one block: its six linear layers in forward order, and its
/// LayerNorms (γ then β) when asked for.
struct BlockGradients<Scalar: EncoderScalar>: Sendable {
  var linear: [LinearGradient<Scalar>]
  var attentionNorm: (gamma: [Scalar], beta: [Scalar])?
  var outputNorm: (gamma: [Scalar], beta: [Scalar])?
}

extension EncoderBlock {
  /// The block's output for `x` (N, H), with the activations kept.
  func forwardKeepingActivations(
    _ x: Matrix<Scalar>, offsets: [Int], block: Int, bias: AttentionBias<Scalar>? = nil
  ) throws -> (output: Matrix<Scalar>, activations: EncoderLayerActivations<Scalar>) {
    var projected = [Matrix<Scalar>?](repeating: nil, count: 6)
    let q: Matrix<Scalar>
    let k: Matrix<Scalar>
    let v: Matrix<Scalar>
    if attention.query.rank == nil && attention.key.rank == nil && attention.value.rank == nil {
      // The forward pass's own projections (fused while dense), split.
      let qkv = try attention.projections(x)
      let h = qkv.columns / 3
      let all = 0..<qkv.rows
      q = qkv.slice(rows: all, columns: 0..<h)
      k = qkv.slice(rows: all, columns: h..<2 * h)
      v = qkv.slice(rows: all, columns: 2 * h..<3 * h)
    } else {
      (q, projected[0]) = try attention.query.keeping(x)
      (k, projected[1]) = try attention.key.keeping(x)
      (v, projected[2]) = try attention.value.keeping(x)
    }
    let (c, p) = attentionKeeping(
      q: q, k: k, v: v, offsets: offsets, heads: attention.heads, bias: bias)
    var r1: Matrix<Scalar>
    (r1, projected[3]) = try attentionOutput.keeping(c)
    addResidual(&r1, x)
    let (a, norm1) = layerNormKeeping(
      r1, gamma: attentionLayerNormWeight, beta: attentionLayerNormBias, eps: eps)
    let u: Matrix<Scalar>
    (u, projected[4]) = try intermediate.keeping(a)
    let g = geluKeeping(u)
    var r2: Matrix<Scalar>
    (r2, projected[5]) = try output.keeping(g)
    addResidual(&r2, a)
    let (y, norm2) = layerNormKeeping(
      r2, gamma: outputLayerNormWeight, beta: outputLayerNormBias, eps: eps)
    return (
      y,
      EncoderLayerActivations(
        input: x, query: q, key: k, value: v, probabilities: p, context: c,
        attentionNorm: norm1, attentionOutput: a, preActivation: u, activation: g,
        outputNorm: norm2, projected: projected)
    )
  }

  /// The gradients of the block's parameters, and of its input.
  ///
  /// - Parameters:
  ///   - dy: ∂L/∂y (N, H), the gradient at the block's output.
  ///   - parameters: which gradients to compute (the others are skipped,
  ///     the gradient still flows through every layer).
  ///   - inputGradient: whether to compute ∂L/∂x (not needed at the
  ///     lowest block the caller wants).
  /// - Returns: dx (N, H) or nil, and the block's parameter gradients.
  func backward(
    _ dy: Matrix<Scalar>, activations s: EncoderLayerActivations<Scalar>, offsets: [Int],
    parameters: TrainableParameters, inputGradient: Bool
  ) throws -> (dx: Matrix<Scalar>?, gradients: BlockGradients<Scalar>) {
    let (dr2, outputNorm) = layerNormBackward(
      dy, cache: s.outputNorm, gamma: outputLayerNormWeight)
    let (dg, g5) = try output.backward(
      dr2, input: s.activation, projected: s.projected[5], parameters: parameters,
      inputGradient: true)
    let du = geluBackward(dg!, preActivation: s.preActivation)
    let (daFromU, g4) = try intermediate.backward(
      du, input: s.attentionOutput, projected: s.projected[4], parameters: parameters,
      inputGradient: true)
    var da = dr2
    addResidual(&da, daFromU!)
    let (dr1, attentionNorm) = layerNormBackward(
      da, cache: s.attentionNorm, gamma: attentionLayerNormWeight)
    let (dc, g3) = try attentionOutput.backward(
      dr1, input: s.context, projected: s.projected[3], parameters: parameters,
      inputGradient: true)
    let (dq, dk, dv) = attentionBackward(
      dc!, q: s.query, k: s.key, v: s.value, probabilities: s.probabilities, offsets: offsets,
      heads: attention.heads)
    var dx: Matrix<Scalar>? = inputGradient ? dr1 : nil
    var qkv: [LinearGradient<Scalar>] = []
    for (layer, (d, t)) in zip(
      [attention.query, attention.key, attention.value],
      zip([dq, dk, dv], s.projected[0..<3]))
    {
      let (part, g) = try layer.backward(
        d, input: s.input, projected: t, parameters: parameters, inputGradient: inputGradient)
      if let part { addResidual(&dx!, part) }
      qkv.append(g)
    }
    let norms = parameters.contains(.norm)
    return (
      dx,
      BlockGradients(
        linear: qkv + [g3, g4, g5], attentionNorm: norms ? attentionNorm : nil,
        outputNorm: norms ? outputNorm : nil)
    )
  }
}

extension LinearLayer {
  /// `self(x)`, with t = x Rᵀ (N, k) kept for a low-rank layer.
  func keeping(_ x: Matrix<Scalar>) throws -> (y: Matrix<Scalar>, projected: Matrix<Scalar>?) {
    switch weights {
    case .dense: return (try self(x), nil)
    case .lowRank(let l, let r):
      let t = try x.matmul(r, transposeOther: true)  // (N, k)
      var y = broadcastRows(bias, rows: x.rows)
      try y.addProduct(t, l, transposeB: true)  // (N, out)
      return (y, t)
    }
  }

  /// The gradients of the layer's parameters and of its input from dY.
  ///
  ///     dense:     dW = dYᵀ X,   dX = dY W
  ///     low-rank:  dL = dYᵀ t,   dt = dY L,   dR = dtᵀ X,   dX = dt R
  ///     both:      db = Σ_rows dY
  ///
  /// - Parameters: dy (N, out); input X (N, in); projected t (N, k) for a
  ///   low-rank layer.
  func backward(
    _ dy: Matrix<Scalar>, input x: Matrix<Scalar>, projected t: Matrix<Scalar>?,
    parameters: TrainableParameters, inputGradient: Bool
  ) throws -> (dx: Matrix<Scalar>?, gradient: LinearGradient<Scalar>) {
    var g = LinearGradient<Scalar>()
    if parameters.contains(.bias) { g.bias = columnSums(dy) }
    var dx: Matrix<Scalar>? = nil
    switch weights {
    case .dense(let w):
      if parameters.contains(.dense) { g.weight = try dy.matmul(x, transposeSelf: true) }
      if inputGradient { dx = try dy.matmul(w) }
    case .lowRank(let l, let r):
      let wantsFactors = parameters.contains(.lowRank)
      guard wantsFactors || inputGradient else { break }
      let dt = try dy.matmul(l)  // (N, k)
      if wantsFactors {
        g.l = try dy.matmul(t!, transposeSelf: true)  // (out, k)
        g.r = try dt.matmul(x, transposeSelf: true)  // (k, in)
      }
      if inputGradient { dx = try dt.matmul(r) }
    }
    return (dx, g)
  }
}

/// Σ over rows of a matrix (N, c) → (c), accumulated in Double.
func columnSums<Scalar: LinAlgScalar>(_ m: Matrix<Scalar>) -> [Scalar] {
  var sums = [Double](repeating: 0, count: m.columns)
  for r in 0..<m.rows {
    for j in 0..<m.columns { sums[j] += Double(m.storage[r * m.columns + j]) }
  }
  return sums.map { Scalar($0) }
}

/// `x += y`, element-wise (a residual connection of the kept forward pass).
func addResidual<Scalar: LinAlgScalar>(_ x: inout Matrix<Scalar>, _ y: Matrix<Scalar>) {
  precondition(x.rows == y.rows && x.columns == y.columns, "residual shapes differ")
  for i in x.storage.indices { x.storage[i] += y.storage[i] }
}
