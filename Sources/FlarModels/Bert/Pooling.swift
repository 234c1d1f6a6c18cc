// Sentence embeddings from token states: mean pooling, then L2
// normalisation (sentence-transformers' `Pooling(mean)` + `Normalize`).
//
// Legend: B sequences, N packed tokens, H hidden.

import FlarLinAlg

/// Mean of each sequence's token rows, scaled to unit L2 norm.
///
///     e_s = Σ_{t in s} x_t / T_s,     e_s ← e_s / max(‖e_s‖₂, 1e-12)
///
/// Reimers, N. & Gurevych, I. (2019). Sentence-BERT. EMNLP-IJCNLP, §3. The
/// floor 1e-12 is `torch.nn.functional.normalize`'s default eps. Sums are
/// accumulated in Double.
///
/// - Parameters:
///   - states: (N, H) packed token states.
///   - offsets: (B + 1) sequence boundaries in rows.
/// - Returns: (B, H).
public func meanPooledNormalized(_ states: Matrix<Float>, offsets: [Int]) -> Matrix<Float> {
  meanPooledKeepingNorms(states, offsets: offsets).embeddings
}

/// Mean pooling and L2 normalisation with the norms kept.
struct PooledEmbeddings {
  /// e_s = m_s / max(‖m_s‖, 1e-12): (B, H).
  var embeddings: Matrix<Float>
  /// ‖m_s‖ per sequence (B), in Double.
  var norms: [Double]
}

/// `meanPooledNormalized` with ‖m_s‖ kept (the backward pass divides by it).
func meanPooledKeepingNorms(_ states: Matrix<Float>, offsets: [Int]) -> PooledEmbeddings {
  let h = states.columns
  let b = offsets.count - 1
  var out = Matrix<Float>(rows: b, columns: h)
  var norms = [Double](repeating: 0, count: b)
  var sum = [Double](repeating: 0, count: h)
  for s in 0..<b {
    for j in 0..<h { sum[j] = 0 }
    for r in offsets[s]..<offsets[s + 1] {
      for j in 0..<h { sum[j] += Double(states.storage[r * h + j]) }
    }
    let count = Double(max(offsets[s + 1] - offsets[s], 1))
    var norm = 0.0
    for j in 0..<h {
      sum[j] /= count
      norm += sum[j] * sum[j]
    }
    norms[s] = norm.squareRoot()
    let scale = 1 / max(norms[s], 1e-12)
    for j in 0..<h { out.storage[s * h + j] = Float(sum[j] * scale) }
  }
  return PooledEmbeddings(embeddings: out, norms: norms)
}
