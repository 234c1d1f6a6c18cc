import FlarLinAlg

/// Whether the mean is removed before the second moment is formed.
///
/// FLAR-SVD whitens with the **uncentred** second moment `H = X Xᵀ / N`
/// (reference-notes.md §1): the output error of `y = W x` involves `x`
/// itself, not `x − μ`. Centring is offered as an option. The names follow
/// scikit-learn: `.uncentered` is `assume_centered=True`.
public enum Centering: Sendable, Equatable {
  /// `H = Σ x xᵀ / N` (flar's default).
  case uncentered
  /// `C = Σ (x − μ)(x − μ)ᵀ / N = Σ x xᵀ / N − μ μᵀ` (maximum likelihood,
  /// divisor `N`, as `np.cov(X.T, bias=1)`).
  case centered
}

/// The second moment of a layer's inputs, from streamed statistics.
///
///     uncentred:  H = G / N
///     centred:    C = G / N − μ μᵀ,   μ = Σx / N
///
/// with `G = Σ x xᵀ`. The centred form is computed from the uncentred sums;
/// when `‖μ‖²` dwarfs the variance this loses digits to cancellation (about
/// `log10(‖μ‖² / var)` of them), which is the price of one pass.
///
/// - Throws: `StatisticsError.nonFiniteInput` when the statistics saw
///   NaN/Inf; `StatisticsError.noTokens` when `N = 0`.
/// - Note: Checked against `sklearn.covariance.empirical_covariance` on the
///   fixtures in `LedoitWolfTests`, both centrings.
public func secondMoment(
  _ stats: LayerStatistics, centering: Centering = .uncentered
) throws -> Matrix<Double> {
  try stats.checkUsable()
  let n = stats.features
  let count = Double(stats.tokenCount)
  var h = stats.gram
  h *= 1 / count
  if centering == .centered {
    let mu = stats.mean
    h.storage.withUnsafeMutableBufferPointer { p in
      for i in 0..<n { for j in 0..<n { p[i * n + j] -= mu[i] * mu[j] } }
    }
  }
  return h
}

/// The empirical covariance of a sample matrix (rows are samples), as
/// `sklearn.covariance.empirical_covariance(X, assume_centered:)`.
///
/// - Throws: as `secondMoment(_:centering:)`.
/// - Note: Checked against a naive centred product in `ShrinkageTests`
///   (`centeredSecondMomentMatchesSampleCovariance`).
public func empiricalCovariance(
  samples x: Matrix<Double>, centering: Centering = .uncentered
) throws -> Matrix<Double> {
  try secondMoment(LayerStatistics(samples: x), centering: centering)
}

extension LayerStatistics {
  /// Statistics of a whole sample matrix (rows are samples), as one batch.
  public init(layer: String = "", samples x: Matrix<Double>) {
    self.init(layer: layer, features: x.columns)
    try! add(batch: x)  // the width matches by construction
  }

  /// Statistics of a whole Float sample matrix (rows are samples).
  public init(layer: String = "", samples x: Matrix<Float>) {
    self.init(layer: layer, features: x.columns)
    try! add(batch: x)  // the width matches by construction
  }
}
