import FlarLinAlg

/// Oracle Approximating Shrinkage of a layer's second moment.
///
/// With `S` the (uncentred or centred) second moment of `N` samples in
/// `ℝᵖ`, `μ = tr(S)/p`, and scikit-learn's current form of Eq. 23 of
/// [Chen 2010]:
///
///     α = ‖S‖²_F / p²                        (mean of the squared entries)
///     λ = min( (α + μ²) / ((N + 1)(α − μ²/p)), 1 )    (λ = 1 when the
///                                                       denominator is 0)
///     S_oas = (1 − λ) S + λ μ I
///
/// The paper's factor `2/p` in front of `tr(S)²` is dropped, as scikit-learn
/// (≥ 1.3) drops it, "since it does not impact the value of the estimator
/// for large p". `p = 1` gives `λ = 0`, as scikit-learn. `S = μ I` exactly
/// (all-zero inputs included) makes the denominator zero, so `λ = 1`.
///
/// Chen, Y., Wiesel, A., Eldar, Y. C. & Hero, A. O. (2010). Shrinkage
/// algorithms for MMSE covariance estimation. IEEE Transactions on Signal
/// Processing 58(10), 5016–5029. https://doi.org/10.1109/TSP.2010.2053029
///
/// - Throws: `StatisticsError.nonFiniteInput`, `StatisticsError.noTokens`.
/// - Note: Checked against `sklearn.covariance.oas` (both centrings) in
///   `OASTests`.
public func oas(
  _ stats: LayerStatistics, centering: Centering = .uncentered
) throws -> ShrunkCovariance {
  let s = try secondMoment(stats, centering: centering)
  // Only one feature: the result is the same whatever the shrinkage.
  if stats.features == 1 {
    return shrunkTowardScaledIdentity(s, lambda: 0, method: .oas)
  }
  let p = Double(stats.features)
  let count = Double(stats.tokenCount)
  let alpha = s.squaredFrobeniusNorm / (p * p)
  let mu = s.trace / p
  let muSquared = mu * mu
  // Eq. 23 of [Chen 2010] with the factor 2/p dropped; the 1/p² cancels.
  let numerator = alpha + muSquared
  let denominator = (count + 1) * (alpha - muSquared / p)
  let lambda = denominator == 0 ? 1 : Swift.min(numerator / denominator, 1)
  return shrunkTowardScaledIdentity(s, lambda: lambda, method: .oas)
}
