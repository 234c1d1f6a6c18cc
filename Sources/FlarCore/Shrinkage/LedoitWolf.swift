import FlarLinAlg

/// The Ledoit–Wolf shrinkage intensity, from streamed statistics only.
///
/// Legend: `N` tokens `y_i ∈ ℝᵖ` (`y_i = x_i` uncentred, `y_i = x_i − μ`
/// centred), `S = Σ y yᵀ / N`, `μ_S = tr(S) / p`. As scikit-learn's
/// `ledoit_wolf_shrinkage` (its `beta_`, `delta_`, `mu`):
///
///     δ = ‖S − μ_S I‖²_F / p
///     β = (Σ‖y_i‖⁴ / N − ‖S‖²_F) / (p N)
///     λ = min(β, δ) / δ              (λ = 0 when min(β, δ) = 0)
///
/// scikit-learn forms `Σ‖y_i‖⁴` as `Σ_jk ((Y∘Y)ᵀ(Y∘Y))_jk`, which needs
/// the samples. Here it is one streamed scalar uncentred. Centred, with
/// `a_i = ‖x_i‖²`, `b_i = x_iᵀμ`, `c = ‖μ‖²`, `‖y_i‖² = a_i − 2b_i + c`, and
/// expanding the square and summing, using `Σ b_i = N c`,
/// `Σ b_i² = μᵀGμ`, `Σ a_i b_i = μᵀ q` (`G = Σ x xᵀ`, `q = Σ ‖x‖² x`):
///
///     Σ‖y_i‖⁴ = Σ‖x_i‖⁴ − 4 μᵀq + 4 μᵀGμ + 2c Σ‖x_i‖² − 3 N c²
///
/// so `β` needs only `Σ‖x‖⁴`, `Σ‖x‖² x`, `Σ‖x‖²`, `Σx` and `G`. Like the
/// centred `S` itself, this cancels digits when `‖μ‖²` dwarfs the spread.
///
/// Edge cases, as scikit-learn: `p = 1` gives `λ = 0` (shrinking toward a
/// multiple of the identity changes nothing); `N = 1` is computed as is
/// (centred, `S = 0` and `λ = 0`); all-zero inputs give `S = 0`, `λ = 0`.
///
/// Ledoit, O. & Wolf, M. (2004). A well-conditioned estimator for
/// large-dimensional covariance matrices. Journal of Multivariate Analysis
/// 88(2), 365–411. https://doi.org/10.1016/S0047-259X(03)00096-4
///
/// - Throws: `StatisticsError.nonFiniteInput`, `StatisticsError.noTokens`.
/// - Note: Checked against `sklearn.covariance.ledoit_wolf` (both
///   centrings) and a naive sample-matrix version in `LedoitWolfTests`.
public func ledoitWolfShrinkage(
  _ stats: LayerStatistics, centering: Centering = .uncentered
) throws -> Double {
  let s = try secondMoment(stats, centering: centering)
  return ledoitWolfShrinkage(stats, secondMoment: s, centering: centering)
}

func ledoitWolfShrinkage(
  _ stats: LayerStatistics, secondMoment s: Matrix<Double>, centering: Centering
) -> Double {
  let p = Double(stats.features)
  let count = Double(stats.tokenCount)
  // Only one feature: the result is the same whatever the shrinkage.
  if stats.features == 1 { return 0 }
  let traceS = s.trace
  let mu = traceS / p
  let frob2 = s.squaredFrobeniusNorm  // scikit-learn's delta_ after / N²
  let fourth =
    centering == .uncentered
    ? stats.sumNormFourth : centredSumNormFourth(stats)
  var beta = (fourth / count - frob2) / (p * count)
  let delta = (frob2 - 2 * mu * traceS + p * mu * mu) / p
  // Never shrink by more than 1, which would invert the covariances.
  beta = Swift.min(beta, delta)
  return beta == 0 ? 0 : beta / delta
}

/// `Σ‖x_i − μ‖⁴` from the uncentred sums (derivation above).
func centredSumNormFourth(_ stats: LayerStatistics) -> Double {
  let n = stats.features
  let count = Double(stats.tokenCount)
  let mu = stats.mean
  let g = stats.gram
  var muGmu = 0.0  // μᵀ G μ
  g.storage.withUnsafeBufferPointer { p in
    for i in 0..<n {
      var row = 0.0
      for j in 0..<n { row += p[i * n + j] * mu[j] }
      muGmu += mu[i] * row
    }
  }
  var muQ = 0.0  // μᵀ Σ‖x‖² x
  var c = 0.0  // ‖μ‖²
  for j in 0..<n {
    muQ += mu[j] * stats.sumNormSquaredX[j]
    c += mu[j] * mu[j]
  }
  return stats.sumNormFourth - 4 * muQ + 4 * muGmu
    + 2 * c * stats.sumNormSquared - 3 * count * c * c
}

/// The Ledoit–Wolf shrunk second moment `(1 − λ) S + λ μ_S I`, from
/// streamed statistics (`λ` from `ledoitWolfShrinkage(_:centering:)`).
///
/// Equals `sklearn.covariance.ledoit_wolf(X, assume_centered: centering ==
/// .uncentered)` on the samples the statistics saw.
///
/// Ledoit, O. & Wolf, M. (2004). J. Multivariate Anal. 88(2), 365–411.
///
/// - Throws: `StatisticsError.nonFiniteInput`, `StatisticsError.noTokens`.
/// - Note: Checked against scikit-learn in `LedoitWolfTests`.
public func ledoitWolf(
  _ stats: LayerStatistics, centering: Centering = .uncentered
) throws -> ShrunkCovariance {
  let s = try secondMoment(stats, centering: centering)
  let lambda = ledoitWolfShrinkage(stats, secondMoment: s, centering: centering)
  return shrunkTowardScaledIdentity(s, lambda: lambda, method: .ledoitWolf)
}
