// One BERT block forward with its activations kept, and backward to the
// gradients of its linear weights and of its input.
//
// Legend: N packed tokens, H hidden, I intermediate. The forward pass
// (post-LayerNorm BERT, as BertLayer.swift runs it):
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
// A weight gradient dW = dYᵀ X is one GEMM over all N tokens: (out, in).

import FlarLinAlg

/// The activations of one block that its backward pass reads.
struct BertLayerActivations: Sendable {
  var input: Matrix<Float>  // x (N, H)
  var query: Matrix<Float>  // q (N, H)
  var key: Matrix<Float>  // k (N, H)
  var value: Matrix<Float>  // v (N, H)
  var probabilities: AttentionProbabilities  // P per sequence and head
  var context: Matrix<Float>  // c (N, H)
  var attentionNorm: LayerNormCache  // LN₁
  var attentionOutput: Matrix<Float>  // a (N, H)
  var preActivation: Matrix<Float>  // u (N, I)
  var activation: Matrix<Float>  // g (N, I)
  var outputNorm: LayerNormCache  // LN₂
}

/// The gradient of one linear weight, ∂L/∂W: (out, in).
struct LinearWeightGradient: Sendable {
  var suffix: String
  var gradient: Matrix<Float>
}

extension BertLayer {
  /// The block's output for `x` (N, H), with the activations kept.
  ///
  /// - Throws: `BackwardError.lowRankLayer` unless every linear layer of
  ///   the block is dense (the gradients are of dense weights).
  func forwardKeepingActivations(
    _ x: Matrix<Float>, offsets: [Int], block: Int, bias: AttentionBias? = nil
  ) throws -> (output: Matrix<Float>, activations: BertLayerActivations) {
    for suffix in BertLayer.linearSuffixes {
      if let k = self[linear: suffix]!.rank {
        throw BackwardError.lowRankLayer(name: "encoder.layer.\(block).\(suffix)", rank: k)
      }
    }
    // The forward pass's own projections (fused while dense), split.
    let qkv = try attention.projections(x)
    let h = qkv.columns / 3
    let all = 0..<qkv.rows
    let q = qkv.slice(rows: all, columns: 0..<h)
    let k = qkv.slice(rows: all, columns: h..<2 * h)
    let v = qkv.slice(rows: all, columns: 2 * h..<3 * h)
    let (c, p) = attentionKeeping(
      q: q, k: k, v: v, offsets: offsets, heads: attention.heads, bias: bias)
    var r1 = try attentionOutput(c)
    addResidual(&r1, x)
    let (a, norm1) = layerNormKeeping(
      r1, gamma: attentionLayerNormWeight, beta: attentionLayerNormBias, eps: eps)
    let u = try intermediate(a)
    let g = geluKeeping(u)
    var r2 = try output(g)
    addResidual(&r2, a)
    let (y, norm2) = layerNormKeeping(
      r2, gamma: outputLayerNormWeight, beta: outputLayerNormBias, eps: eps)
    return (
      y,
      BertLayerActivations(
        input: x, query: q, key: k, value: v, probabilities: p, context: c,
        attentionNorm: norm1, attentionOutput: a, preActivation: u, activation: g,
        outputNorm: norm2)
    )
  }

  /// The gradients of the block's linear weights, and of its input.
  ///
  /// - Parameters:
  ///   - dy: ∂L/∂y (N, H), the gradient at the block's output.
  ///   - inputGradient: whether to compute ∂L/∂x (not needed at the
  ///     lowest block the caller wants).
  /// - Returns: dx (N, H) or nil, and ∂L/∂W for the six linear layers in
  ///   forward order.
  func backward(
    _ dy: Matrix<Float>, activations s: BertLayerActivations, offsets: [Int],
    inputGradient: Bool
  ) throws -> (dx: Matrix<Float>?, weights: [LinearWeightGradient]) {
    let dr2 = layerNormBackward(dy, cache: s.outputNorm, gamma: outputLayerNormWeight)
    let dW2 = try dr2.matmul(s.activation, transposeSelf: true)  // (H, I)
    let dg = try dr2.matmul(output.denseWeight())  // (N, I)
    let du = geluBackward(dg, preActivation: s.preActivation)
    let dWi = try du.matmul(s.attentionOutput, transposeSelf: true)  // (I, H)
    var da = dr2
    try da.addProduct(du, intermediate.denseWeight())  // + du W_i
    let dr1 = layerNormBackward(da, cache: s.attentionNorm, gamma: attentionLayerNormWeight)
    let dWo = try dr1.matmul(s.context, transposeSelf: true)  // (H, H)
    let dc = try dr1.matmul(attentionOutput.denseWeight())  // (N, H)
    let (dq, dk, dv) = attentionBackward(
      dc, q: s.query, k: s.key, v: s.value, probabilities: s.probabilities, offsets: offsets,
      heads: attention.heads)
    let dWq = try dq.matmul(s.input, transposeSelf: true)
    let dWk = try dk.matmul(s.input, transposeSelf: true)
    let dWv = try dv.matmul(s.input, transposeSelf: true)
    var dx: Matrix<Float>? = nil
    if inputGradient {
      var g = dr1
      try g.addProduct(dq, attention.query.denseWeight())
      try g.addProduct(dk, attention.key.denseWeight())
      try g.addProduct(dv, attention.value.denseWeight())
      dx = g
    }
    let gradients = [dWq, dWk, dWv, dWo, dWi, dW2]
    return (
      dx,
      zip(BertLayer.linearSuffixes, gradients).map {
        LinearWeightGradient(suffix: $0, gradient: $1)
      }
    )
  }
}

/// `x += y`, element-wise (a residual connection of the kept forward pass).
private func addResidual(_ x: inout Matrix<Float>, _ y: Matrix<Float>) {
  precondition(x.rows == y.rows && x.columns == y.columns, "residual shapes differ")
  for i in x.storage.indices { x.storage[i] += y.storage[i] }
}
