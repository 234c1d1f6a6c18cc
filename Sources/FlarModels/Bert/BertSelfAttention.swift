// Multi-head self-attention over packed sequences.
//
// Legend: N packed tokens, T tokens of one sequence, H hidden, A heads,
// D = H / A head size.
//
// The projections Q, K, V are linear layers over all N tokens at once (one
// GEMM each). Attention itself runs per sequence at its own length T: no
// padded positions exist, so no mask is needed, and the cost is Σ T², not
// B · T_max².

import FlarLinAlg

/// The weights of `encoder.layer.{i}.attention.self`.
public struct BertSelfAttention: Sendable {
  public var query: Linear  // W (H, H)
  public var key: Linear  // W (H, H)
  public var value: Linear  // W (H, H)
  public var heads: Int  // A

  /// The attention context of every token.
  ///
  ///     Q, K, V = x W_qᵀ + b_q, …                    (N, H) each
  ///     per sequence s and head a:
  ///       P = softmax(Q_sa K_saᵀ / √D)               (T, T)
  ///       context_sa = P V_sa                        (T, D)
  ///
  /// Vaswani, A. et al. (2017). Attention is all you need. NeurIPS 30, §3.2.
  ///
  /// - Parameters:
  ///   - x: (N, H), the layer input.
  ///   - offsets: (B + 1) first row of each sequence, then N.
  /// - Returns: the context (N, H), heads side by side as HF concatenates them.
  func callAsFunction(_ x: Matrix<Float>, offsets: [Int]) throws -> Matrix<Float> {
    let q = try query(x)
    let k = try key(x)
    let v = try value(x)  // (N, H)
    return attention(q: q, k: k, v: v, offsets: offsets, heads: heads)
  }
}

/// Scaled dot-product attention per sequence and head on packed rows.
///
/// - Parameters:
///   - q, k, v: (N, H), heads in column blocks of width D.
///   - offsets: (B + 1) sequence boundaries in rows.
///   - heads: A.
/// - Returns: (N, H).
func attention(
  q: Matrix<Float>, k: Matrix<Float>, v: Matrix<Float>, offsets: [Int], heads: Int
) -> Matrix<Float> {
  let n = q.rows
  let h = q.columns
  let d = h / heads
  let scale = 1 / Float(d).squareRoot()
  var context = Matrix<Float>(rows: n, columns: h)  // (N, H)
  let longest = zip(offsets.dropFirst(), offsets).map { $0 - $1 }.max() ?? 0
  var scores = [Float](repeating: 0, count: longest * longest)  // (T, T) scratch
  q.storage.withUnsafeBufferPointer { pq in
    k.storage.withUnsafeBufferPointer { pk in
      v.storage.withUnsafeBufferPointer { pv in
        context.storage.withUnsafeMutableBufferPointer { pc in
          scores.withUnsafeMutableBufferPointer { ps in
            for s in 0..<(offsets.count - 1) {
              let start = offsets[s]
              let t = offsets[s + 1] - offsets[s]
              if t == 0 { continue }
              for a in 0..<heads {
                // Head a of sequence s is the (T, D) block at row `start`,
                // column a·D, with row stride H: BLAS reads it in place.
                let at = start * h + a * d
                Float._gemm(
                  .none, .transpose, m: t, n: t, k: d, alpha: scale,
                  a: pq.baseAddress! + at, lda: h, b: pk.baseAddress! + at, ldb: h,
                  beta: 0, c: ps.baseAddress!, ldc: t)  // S = Q Kᵀ / √D (T, T)
                softmaxRows(ps.baseAddress!, rows: t, columns: t)
                Float._gemm(
                  .none, .none, m: t, n: d, k: t, alpha: 1,
                  a: ps.baseAddress!, lda: t, b: pv.baseAddress! + at, ldb: h,
                  beta: 0, c: pc.baseAddress! + at, ldc: h)  // P V (T, D)
              }
            }
          }
        }
      }
    }
  }
  return context
}
