// The training objective of all-MiniLM-L6-v2, used as fwsvd's Fisher loss.
//
// Legend: B pairs (a_i, p_i) of a batch, H hidden.

import FlarLinAlg

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The symmetric in-batch multiple-negatives ranking loss.
///
/// For a batch of B pairs with L2-normalised embeddings a_i (query) and
/// p_i (definition), the scores are `S_ij = scale · cos(a_i, p_j) =
/// scale · a_i · p_j` and every other pair of the batch is a negative:
///
///     L = ½ [ (1/B) Σ_i (log Σ_j e^{S_ij} − S_ii)      (query → definition)
///           + (1/B) Σ_j (log Σ_i e^{S_ij} − S_jj) ]    (definition → query)
///
/// i.e. the mean of the cross-entropies over the rows and over the columns
/// of S with target j = i. It is **symmetric**, as in the script that
/// trained all-MiniLM-L6-v2 (sentence-transformers' 1B-pairs
/// `train_script.py`: `(cross_entropy(scores, labels) +
/// cross_entropy(scores.T, labels)) / 2`, `scale = 20`), and as in CLIP
/// (Radford et al. 2021, §2.3). sentence-transformers'
/// `MultipleNegativesRankingLoss` is the first half alone. Henderson, M. et
/// al. (2017), Efficient natural language response suggestion for smart
/// reply, arXiv:1705.00652, §4.
///
/// The gradient, with R = row-softmax(S) and C = column-softmax(S):
///
///     G = ∂L/∂S = (R − I + C − I) / (2B),   ∂L/∂a = scale · G P,   ∂L/∂p = scale · Gᵀ A
public struct MultipleNegativesRankingLoss: Sendable, Equatable {
  /// The factor on the cosine (the inverse temperature), 20 in training.
  public var scale: Double

  public init(scale: Double = 20) { self.scale = scale }

  /// The loss of embeddings laid out as queries then definitions.
  ///
  /// - Parameter embeddings: (2B, H): rows 0..<B are a_1…a_B, rows
  ///   B..<2B are p_1…p_B; L2-normalised.
  /// - Returns: L and ∂L/∂E (2B, H). Computed in Double.
  public func valueAndGradient<Scalar: LinAlgScalar>(
    _ embeddings: Matrix<Scalar>
  ) -> (value: Double, gradient: Matrix<Scalar>) {
    precondition(embeddings.rows % 2 == 0, "queries and definitions must pair up")
    let b = embeddings.rows / 2
    let h = embeddings.columns
    let e: Matrix<Double> = embeddings.converted()
    let a = e.slice(rows: 0..<b, columns: 0..<h)
    let p = e.slice(rows: b..<(2 * b), columns: 0..<h)
    var s = try! a.matmul(p, transposeOther: true)  // (B, B); shapes agree
    for i in s.storage.indices { s.storage[i] *= scale }
    let rowSoftmax = softmax(s, alongRows: true)
    let columnSoftmax = softmax(s, alongRows: false)
    var value = 0.0
    for i in 0..<b {
      // −log R_ii and −log C_ii: the two cross-entropies of pair i.
      value -= log(rowSoftmax[i, i]) + log(columnSoftmax[i, i])
    }
    value /= 2 * Double(b)
    var g = Matrix<Double>(rows: b, columns: b)  // ∂L/∂S
    for i in 0..<b {
      for j in 0..<b {
        let target = i == j ? 2.0 : 0.0
        g[i, j] = (rowSoftmax[i, j] + columnSoftmax[i, j] - target) / (2 * Double(b))
      }
    }
    let da = try! g.matmul(p)  // (B, H)
    let dp = try! g.matmul(a, transposeSelf: true)  // (B, H)
    var gradient = Matrix<Scalar>(rows: 2 * b, columns: h)
    for i in 0..<(b * h) {
      gradient.storage[i] = Scalar(scale * da.storage[i])
      gradient.storage[b * h + i] = Scalar(scale * dp.storage[i])
    }
    return (value, gradient)
  }

  /// Softmax of each row (or column) of `s`, with the maximum subtracted.
  private func softmax(_ s: Matrix<Double>, alongRows: Bool) -> Matrix<Double> {
    let n = s.rows
    var out = s
    for i in 0..<n {
      let index: (Int) -> Int = alongRows ? { i * n + $0 } : { $0 * n + i }
      var m = -Double.infinity
      for j in 0..<n { m = max(m, s.storage[index(j)]) }
      var sum = 0.0
      for j in 0..<n {
        let v = exp(s.storage[index(j)] - m)
        out.storage[index(j)] = v
        sum += v
      }
      for j in 0..<n { out.storage[index(j)] /= sum }
    }
    return out
  }
}
