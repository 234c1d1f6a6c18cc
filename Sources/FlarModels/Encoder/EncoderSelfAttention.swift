// Multi-head self-attention over packed sequences.
//
// Legend: N packed tokens, T tokens of one sequence, H hidden, A heads,
// D = H / A head size.
//
// The projections Q, K, V are linear layers over all N tokens at once (one
// GEMM for the three while they are dense). Attention itself runs per sequence at its own length T: no
// padded positions exist, so no mask is needed, and the cost is Σ T², not
// B · T_max².

import FlarLinAlg

/// Self-attention in Float, the model's own precision.
public typealias EncoderSelfAttention = SelfAttention<Float>

/// The weights of `encoder.layer.{i}.attention.self`.
public struct SelfAttention<Scalar: EncoderScalar>: Sendable {
  public var query: LinearLayer<Scalar> { didSet { fuse() } }  // W (H, H)
  public var key: LinearLayer<Scalar> { didSet { fuse() } }  // W (H, H)
  public var value: LinearLayer<Scalar> { didSet { fuse() } }  // W (H, H)
  public var heads: Int  // A
  /// Q, K and V's products with x as one GEMM: [W_q; W_k; W_v] (3H, H)
  /// while all three are dense, else [A_q; A_k; A_v] with A = W for a dense
  /// projection and R for a low-rank one (see `QKVProjection`).
  ///
  /// Rebuilt whenever one changes.
  private var fused: QKVProjection<Scalar>?

  public init(
    query: LinearLayer<Scalar>, key: LinearLayer<Scalar>, value: LinearLayer<Scalar>, heads: Int
  ) {
    self.query = query
    self.key = key
    self.value = value
    self.heads = heads
    fuse()
  }

  private mutating func fuse() {
    fused = QKVProjection([query, key, value])
  }

  /// The attention context of every token.
  ///
  ///     Q, K, V = x W_qᵀ + b_q, …                    (N, H) each
  ///     per sequence s and head a:
  ///       P = softmax(Q_sa K_saᵀ / √D + B_a)         (T, T)
  ///       context_sa = P V_sa                        (T, D)
  ///
  /// Vaswani, A. et al. (2017). Attention is all you need. NeurIPS 30, §3.2.
  ///
  /// - Parameters:
  ///   - x: (N, H), the layer input.
  ///   - offsets: (B + 1) first row of each sequence, then N.
  ///   - bias: the relative position bias B of the batch, if the family has one.
  /// - Returns: the context (N, H), heads side by side as HF concatenates them.
  func callAsFunction(
    _ x: Matrix<Scalar>, offsets: [Int], bias: AttentionBias<Scalar>? = nil
  ) throws -> Matrix<Scalar> {
    attention(qkv: try projections(x), offsets: offsets, heads: heads, bias: bias)
  }

  /// Q, K and V side by side, (N, 3H): one GEMM while the three are dense,
  /// else each layer's own product copied into place.
  ///
  /// The backward pass
  /// uses it too, so that its kept activations are the forward pass's.
  func projections(_ x: Matrix<Scalar>) throws -> Matrix<Scalar> {
    if let fused { return try fused(x) }
    let q = try query(x)
    let k = try key(x)
    let v = try value(x)  // (N, H)
    var qkv = Matrix<Scalar>(rows: x.rows, columns: 3 * q.columns)
    qkv.storage.withUnsafeMutableBufferPointer { out in
      for (block, m) in [q, k, v].enumerated() {
        m.storage.withUnsafeBufferPointer { src in
          for r in 0..<m.rows {
            (out.baseAddress! + r * 3 * m.columns + block * m.columns).update(
              from: src.baseAddress! + r * m.columns, count: m.columns)
          }
        }
      }
    }
    return qkv
  }
}

/// Scaled dot-product attention per sequence and head on packed rows.
///
/// - Parameters:
///   - qkv: (N, 3H): Q, K and V side by side, heads in column blocks of
///     width D within each.
///   - offsets: (B + 1) sequence boundaries in rows.
///   - heads: A.
///   - bias: added to the scaled scores of each head (MPNet), or nil.
/// - Returns: (N, H).
func attention<Scalar: EncoderScalar>(
  qkv: Matrix<Scalar>, offsets: [Int], heads: Int, bias: AttentionBias<Scalar>? = nil
) -> Matrix<Scalar> {
  let n = qkv.rows
  let h = qkv.columns / 3
  let d = h / heads
  let scale = 1 / Scalar(d).squareRoot()
  var context = Matrix<Scalar>(rows: n, columns: h)  // (N, H)
  let longest = zip(offsets.dropFirst(), offsets).map { $0 - $1 }.max() ?? 0
  var scores = [Scalar](repeating: 0, count: longest * longest)  // (T, T) scratch
  qkv.withView { all in
    context.withMutableView { out in
      scores.withUnsafeMutableBufferPointer { ps in
        for s in 0..<(offsets.count - 1) {
          let rows = offsets[s]..<offsets[s + 1]
          let t = rows.count
          if t == 0 { continue }
          let sc = MutableMatrixView(ps, rows: t, columns: t)  // (T, T)
          for a in 0..<heads {
            // Head a of sequence s is the (T, D) block at the sequence's rows,
            // column a·D of Q (K at +H, V at +2H), with row stride 3H:
            // BLAS reads it in place.
            let q = all.block(rows: rows, columns: (a * d)..<(a * d + d))
            let k = all.block(rows: rows, columns: (h + a * d)..<(h + a * d + d))
            let v = all.block(rows: rows, columns: (2 * h + a * d)..<(2 * h + a * d + d))
            sc.setProduct(q, k, transposeB: true, alpha: scale)  // S = Q Kᵀ / √D (T, T)
            bias?.add(to: ps.baseAddress!, head: a, length: t)  // + B_a
            softmaxRows(ps.baseAddress!, rows: t, columns: t)
            out.block(rows: rows, columns: (a * d)..<(a * d + d))
              .setProduct(sc.readOnly, v)  // P V (T, D)
          }
        }
      }
    }
  }
  return context
}
