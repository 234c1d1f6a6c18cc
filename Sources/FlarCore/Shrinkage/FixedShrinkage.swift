import FlarLinAlg

/// Shrinkage with a user-given intensity.
///
///     H_s = (1 − λ) H + λ μ I,   μ = tr(H) / n,   λ ∈ [0, 1]
///
/// The convex combination of scikit-learn's `shrunk_covariance(emp_cov,
/// shrinkage=λ)`; `λ = 0` is the empirical `H`, `λ = 1` the scaled
/// identity.
///
/// - Parameters:
///   - stats: the layer's streamed statistics.
///   - lambda: the shrinkage intensity.
///   - centering: uncentred `H` (default) or centred covariance.
/// - Throws: `StatisticsError.shrinkageOutOfRange` for `λ ∉ [0, 1]` or NaN;
///   `StatisticsError.nonFiniteInput`, `.noTokens` from the statistics.
/// - Note: Checked against scikit-learn in `ShrinkageTests`.
public func fixedShrinkage(
  _ stats: LayerStatistics, lambda: Double, centering: Centering = .uncentered
) throws -> ShrunkCovariance {
  guard lambda >= 0, lambda <= 1 else {
    throw StatisticsError.shrinkageOutOfRange(lambda: lambda)
  }
  let h = try secondMoment(stats, centering: centering)
  return shrunkTowardScaledIdentity(h, lambda: lambda, method: .fixed(lambda))
}
