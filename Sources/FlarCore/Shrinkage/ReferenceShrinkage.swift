import FlarLinAlg

/// The FLAR-SVD paper's shrinkage formula, as its public code computes it.
///
/// What the paper prints (Eq. for the shrinkage intensity), with
/// `T = mean(diag(H)) I`:
///
///     λ = (tr(H) − tr(T)) / ‖H − T‖²_F
///
/// Since `tr(T) = n · mean(diag(H)) = tr(H)`, the numerator is zero: the
/// formula is **degenerate**. The reference code multiplies the numerator
/// by `1e10` and clips to `[0, 1]`:
///
///     λ = clip(1e10 · (tr(H) − tr(T)) / ‖H − T‖²_F, 0, 1)
///
/// so `λ` is 0 or 1 (rarely in between) according to the sign and size of
/// the rounding error in `tr(H) − n · (tr(H) / n)`. This function computes
/// exactly that, in float64, so that the paper's numbers can be
/// reproduced; it is not a sound estimator. Use `ledoitWolf` (the estimator
/// the paper names) or `oas` for a real one. Reference-notes.md §2.
///
/// Departure: when `H = T` exactly (`‖H − T‖ = 0`, e.g. all-zero inputs or
/// `n = 1`) the reference divides 0 by 0 and gets NaN; flar returns `λ = 0`.
/// The reference applies this per calibration batch (see
/// `PerBatchShrinkage`); on the whole calibration set it is offered too.
///
/// Thoma, M. et al. (2025). FLAR-SVD: Fast and Latency-Aware Singular Value
/// Decomposition for Model Compression. CVPR Workshops (CVPRW).
///
/// - Throws: `StatisticsError.nonFiniteInput`, `StatisticsError.noTokens`.
/// - Note: Checked in `ShrinkageTests` (λ ∈ {0, 1} on random data).
public func referenceShrinkage(
  _ stats: LayerStatistics, centering: Centering = .uncentered
) throws -> ShrunkCovariance {
  let h = try secondMoment(stats, centering: centering)
  let n = Double(h.rows)
  let traceH = h.trace
  let meanDiagonal = traceH / n
  let traceT = n * meanDiagonal
  var difference = h
  difference.addToDiagonal(-meanDiagonal)
  let denominator = difference.squaredFrobeniusNorm
  var lambda = 0.0
  if denominator > 0 {
    // The reference's 1e10 factor on a numerator that is zero up to rounding.
    lambda = Swift.min(Swift.max(1e10 * (traceH - traceT) / denominator, 0), 1)
  }
  return shrunkTowardScaledIdentity(h, lambda: lambda, method: .reference)
}
