import FlarLinAlg

/// The equivalent rank `k_eq = ⌊m n / (m + n)⌋` of an `m x n` layer.
///
/// Above it the factors `L` (`m x k`) and `R` (`k x n`) hold more
/// parameters than `W` itself (`k (m + n) > m n`). Reference-notes.md §4.
/// Returns 0 for an empty layer.
public func equivalentRank(outputs m: Int, inputs n: Int) -> Int {
  m + n == 0 ? 0 : (m * n) / (m + n)
}

/// The whitened reconstruction error `E_k = Σ_{i>k} σ_i²` for every
/// `k = 0 … r` at once (`r + 1` values, `E_r = 0`).
///
/// For the whitened decomposition this is exactly the output error
/// `‖(W − Ŵ_k) S‖²_F`, which is `‖(W − Ŵ_k) X‖²_F / N` for `H = X Xᵀ / N`
/// (unshrunk): Eckart–Young in the whitened coordinates, no reconstruction
/// needed. For the plain SVD it is
/// `‖W − Ŵ_k‖²_F`; for a scaled SVD, `‖(W − Ŵ_k) diag(s)‖²_F`. The sums are
/// taken from the smallest σ up, so small tails keep their digits.
///
/// - Note: Checked against brute-force reconstructions in `CriteriaTests`.
public func whitenedErrors(_ d: LowRankDecomposition) -> [Double] {
  let s = d.svd.s
  var out = [Double](repeating: 0, count: s.count + 1)
  var tail = 0.0
  for i in stride(from: s.count - 1, through: 0, by: -1) {
    tail += s[i] * s[i]
    out[i] = tail
  }
  return out
}

/// The cosine similarity `cos(W, Ŵ_k) = ⟨W, Ŵ_k⟩ / (‖W‖ ‖Ŵ_k‖)` for every
/// `k = 0 … r` at once (`r + 1` values; `k = 0` gives 0), without forming
/// any `Ŵ_k`.
///
/// Derivation. With `W T = U Σ Vᵀ` (thin, `r = min(m, n)`, `T` invertible),
/// `W = Σ_i σ_i u_i z_iᵀ` where `z_iᵀ` is row `i` of `Zᵀ = Vᵀ T⁻¹`, and
/// `Ŵ_k = Σ_{i≤k} σ_i u_i z_iᵀ`. Since the `u_i` are orthonormal,
/// `u_iᵀ W = σ_i z_iᵀ`, hence
///
///     ⟨W, Ŵ_k⟩ = Σ_{i≤k} σ_i u_iᵀ W z_i = Σ_{i≤k} σ_i² ‖z_i‖²
///     ‖Ŵ_k‖²   = Σ_{i,j≤k} σ_iσ_j (u_iᵀu_j)(z_iᵀz_j) = Σ_{i≤k} σ_i² ‖z_i‖²
///
/// so `⟨W, Ŵ_k⟩ = ‖Ŵ_k‖²` and
///
///     cos(W, Ŵ_k) = sqrt(c_k) / ‖W‖_F,    c_k = Σ_{i≤k} σ_i² ‖z_i‖²
///
/// one pass over `Zᵀ` (`O(r n)`). For the plain SVD `‖z_i‖ = 1` and this is
/// `sqrt(Σ_{i≤k} σ_i² / Σ_i σ_i²)`. Reference-notes.md §4 (the cheap
/// criterion). Rounding can push the quotient a few ulps above 1; it is
/// clamped to 1.
///
/// - Note: Checked against brute-force cosines in `CriteriaTests`.
public func weightCosines(_ d: LowRankDecomposition) -> [Double] {
  let r = d.maxRank
  let n = d.inputs
  var out = [Double](repeating: 0, count: r + 1)
  let norm = d.weightSquaredNorm.squareRoot()
  guard norm > 0 else { return out }
  var c = 0.0  // Σ_{i≤k} σ_i² ‖z_i‖²
  d.projected.storage.withUnsafeBufferPointer { z in
    for i in 0..<r {
      var z2 = 0.0
      for j in 0..<n { z2 += z[i * n + j] * z[i * n + j] }
      c += d.svd.s[i] * d.svd.s[i] * z2
      out[i + 1] = Swift.min(c.squareRoot() / norm, 1)
    }
  }
  return out
}

/// `E_k / E_0`, the whitened error relative to the error of rank 0, for
/// every `k = 0 … r`: comparable across layers of different scale.
public func relativeWhitenedErrors(_ d: LowRankDecomposition) -> [Double] {
  let e = whitenedErrors(d)
  guard let total = e.first, total > 0 else { return e }
  return e.map { $0 / total }
}
