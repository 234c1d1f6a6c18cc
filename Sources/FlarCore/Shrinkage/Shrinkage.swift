import FlarLinAlg

/// A shrinkage estimator of a layer's second moment.
///
/// Every method returns `H_s = (1 − λ) H + λ T` with the scaled-identity
/// target `T = μ I`, `μ = tr(H) / n` (the mean of the diagonal); they differ
/// in how `λ` is chosen. See reference-notes.md §2.
public enum ShrinkageMethod: Sendable, Equatable, CustomStringConvertible {
  /// No shrinkage: `λ = 0`, the empirical `H` (SVD-LLM's whitening).
  case none
  /// Ledoit & Wolf (2004), `ledoitWolf(_:centering:)`.
  case ledoitWolf
  /// Chen, Wiesel, Eldar & Hero (2010), `oas(_:centering:)`.
  case oas
  /// The FLAR-SVD paper's formula as its public code computes it
  /// (degenerate, see `referenceShrinkage(_:centering:)`).
  case reference
  /// A fixed `λ ∈ [0, 1]`.
  case fixed(Double)

  public var description: String {
    switch self {
    case .none: return "none"
    case .ledoitWolf: return "lw"
    case .oas: return "oas"
    case .reference: return "reference"
    case .fixed(let l): return "fixed(\(l))"
    }
  }
}

/// A shrunk second moment and the intensity that produced it.
public struct ShrunkCovariance: Sendable {
  /// `H_s = (1 − λ) H + λ μ I` (`n x n`, symmetric).
  public var matrix: Matrix<Double>
  /// The shrinkage intensity `λ` (for per-batch shrinkage, the mean of the
  /// batches' intensities; each is in `LayerStatistics.perBatchLambdas`).
  public var lambda: Double
  /// The target's scale `μ = tr(H) / n`.
  public var targetScale: Double
  /// The estimator used.
  public var method: ShrinkageMethod
}

/// The shrunk second moment of a layer, by the chosen estimator.
///
/// - Parameters:
///   - stats: the layer's streamed statistics.
///   - method: how `λ` is chosen.
///   - centering: uncentred `H` (flar's default) or centred covariance.
///   - perBatch: when true, return the mean over batches of the per-batch
///     shrunk matrices that `stats` accumulated (the reference code's
///     variant; `stats` must have been created with the same
///     `PerBatchShrinkage`). The reference code sums instead of averaging;
///     the factor `1 / batches` only scales `H_s`, which changes neither the
///     whitened factors nor `λ`.
/// - Throws: `StatisticsError.nonFiniteInput`, `.noTokens`,
///   `.shrinkageOutOfRange`, `.perBatchNotRecorded`.
public func shrink(
  _ stats: LayerStatistics, method: ShrinkageMethod,
  centering: Centering = .uncentered, perBatch: Bool = false
) throws -> ShrunkCovariance {
  if perBatch { return try perBatchShrunk(stats, method: method, centering: centering) }
  switch method {
  case .none:
    let h = try secondMoment(stats, centering: centering)
    return ShrunkCovariance(
      matrix: h, lambda: 0, targetScale: h.trace / Double(Swift.max(h.rows, 1)),
      method: .none)
  case .ledoitWolf: return try ledoitWolf(stats, centering: centering)
  case .oas: return try oas(stats, centering: centering)
  case .reference: return try referenceShrinkage(stats, centering: centering)
  case .fixed(let lambda):
    return try fixedShrinkage(stats, lambda: lambda, centering: centering)
  }
}

func perBatchShrunk(
  _ stats: LayerStatistics, method: ShrinkageMethod, centering: Centering
) throws -> ShrunkCovariance {
  let wanted = PerBatchShrinkage(method: method, centering: centering)
  guard stats.perBatch == wanted, let total = stats.perBatchShrunkSum else {
    throw StatisticsError.perBatchNotRecorded(
      layer: stats.layer, requested: "\(method) (\(centering))",
      recorded: stats.perBatch.map { "\($0.method) (\($0.centering))" } ?? "none")
  }
  try stats.checkUsable()
  let batches = Double(stats.perBatchLambdas.count)
  let m = total * (1 / batches)
  let lambda = stats.perBatchLambdas.reduce(0, +) / batches
  return ShrunkCovariance(
    matrix: m, lambda: lambda, targetScale: m.trace / Double(Swift.max(m.rows, 1)),
    method: method)
}

/// `(1 − λ) H + λ μ I` with `μ = tr(H) / n`, as scikit-learn's
/// `shrunk_covariance` forms it.
func shrunkTowardScaledIdentity(
  _ h: Matrix<Double>, lambda: Double, method: ShrinkageMethod
) -> ShrunkCovariance {
  let mu = h.trace / Double(Swift.max(h.rows, 1))
  var s = h * (1 - lambda)
  s.addToDiagonal(lambda * mu)
  return ShrunkCovariance(matrix: s, lambda: lambda, targetScale: mu, method: method)
}
