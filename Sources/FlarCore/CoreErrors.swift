// The error enums of FlarCore: one for the statistics and shrinkage
// estimators, one for whitening and factorisation. Messages follow
// style.md §2.0: lower-case, no full stop, what and where.

import FlarLinAlg

/// Failures of the statistics, covariance and shrinkage code, each naming
/// the layer whose statistics were involved.
public enum StatisticsError: Error, Equatable, CustomStringConvertible {
  /// A batch held NaN or infinity; `batch` is the 0-based batch index (as
  /// counted by the accumulator), `token` and `channel` the first such entry.
  case nonFiniteInput(layer: String, batch: Int, token: Int, channel: Int)
  /// An estimator was asked for the statistics of a layer that saw no token.
  case noTokens(layer: String)
  /// A batch or a merged accumulator has another feature count.
  case featureMismatch(layer: String, expected: Int, actual: Int)
  /// A fixed shrinkage intensity outside `[0, 1]` (or NaN).
  case shrinkageOutOfRange(lambda: Double)
  /// Per-batch shrinkage was asked for but the accumulator recorded another
  /// (or none); per-batch shrinkage must be chosen before the batches come.
  case perBatchNotRecorded(layer: String, requested: String, recorded: String)
  /// Two accumulators with different per-batch settings were merged.
  case perBatchSettingsDiffer(layer: String)

  public var description: String {
    switch self {
    case .nonFiniteInput(let layer, let batch, let token, let channel):
      return
        "\(subject("input", layer)) holds NaN or infinity in batch \(batch) (token \(token), channel \(channel)): no covariance or shrinkage can come from these statistics; find where the NaN comes from and hook again"
    case .noTokens(let layer):
      return layer.isEmpty
        ? "the statistics have seen no calibration tokens"
        : "layer \"\(layer)\" has seen no calibration tokens"
    case .featureMismatch(let layer, let expected, let actual):
      return layer.isEmpty
        ? "the statistics expect \(expected) input features, got \(actual)"
        : "layer \"\(layer)\" expects \(expected) input features, got \(actual)"
    case .shrinkageOutOfRange(let lambda):
      return "shrinkage intensity must lie in [0, 1], got \(lambda)"
    case .perBatchNotRecorded(let layer, let requested, let recorded):
      return
        "per-batch \(requested) shrinkage was requested\(ofLayer(layer, "for")) but the statistics recorded \(recorded); choose per-batch shrinkage before calibration"
    case .perBatchSettingsDiffer(let layer):
      return
        "cannot merge statistics\(ofLayer(layer)) with different per-batch shrinkage settings"
    }
  }
}

/// Failures of whitening and low-rank factorisation, naming the layer.
public enum FactorizationError: Error, Equatable, CustomStringConvertible {
  /// Cholesky failed, then failed again after the eigenvalue shift
  /// `H + jitter · I`; `smallestEigenvalue` is `H`'s, `leadingMinor` the
  /// order at which the second attempt failed.
  case whiteningFailed(
    layer: String, smallestEigenvalue: Double, jitter: Double, leadingMinor: Int)
  /// The second moment is zero (all-zero activations): no scale to whiten
  /// by or to shift relative to.
  case zeroSecondMoment(layer: String)
  /// The matrix has a negative mean diagonal (`chol(-eye(3))`): it cannot
  /// be a second moment `XᵀX / n`, whose diagonal is never negative.
  case notASecondMoment(layer: String, meanDiagonal: Double)
  /// The weight's input width differs from the whitening matrix's order.
  case shapeMismatch(layer: String, weight: [Int], whitening: Int)
  /// A rank outside `0...r`, `r = min(m, n)`.
  case rankOutOfRange(layer: String, rank: Int, maximum: Int)
  /// The weight or scaling holds NaN or infinity.
  case nonFinite(layer: String, what: String)
  /// An ASVD scale factor that is zero or negative (it must be inverted).
  case nonPositiveScale(layer: String, channel: Int, value: Double)

  public var description: String {
    switch self {
    case .whiteningFailed(let layer, let lambdaMin, let jitter, let minor):
      return
        "cholesky of the second moment\(ofLayer(layer)) failed even after adding \(jitter) to the diagonal (smallest eigenvalue \(lambdaMin), leading minor \(minor) not positive)"
    case .zeroSecondMoment(let layer):
      return
        "second moment\(ofLayer(layer)) is zero (all-zero activations); nothing to whiten with"
    case .notASecondMoment(let layer, let meanDiagonal):
      return
        "the matrix\(ofLayer(layer)) is not a second moment: the mean of its diagonal is \(NumberFormat.shortest(meanDiagonal)), and XᵀX/n has a non-negative diagonal (chol takes cov(…) or shrink(…), a positive semi-definite matrix)"
    case .shapeMismatch(let layer, let w, let n):
      return
        "\(subject("weight", layer)) has shape (\(w.map(String.init).joined(separator: ", "))), its whitening matrix is \(n) x \(n)"
    case .rankOutOfRange(let layer, let rank, let maximum):
      return "rank \(rank)\(ofLayer(layer, "for")) is outside 0...\(maximum)"
    case .nonFinite(let layer, let what):
      return "\(subject(what, layer)) holds NaN or infinity"
    case .nonPositiveScale(let layer, let channel, let value):
      return
        "scale of input channel \(channel)\(ofLayer(layer)) is \(value); scales must be positive"
    }
  }
}

/// ` of layer "name"` (or ` for layer "name"`), or nothing when no layer is
/// known: a message names a layer only when there is one (`chol(-eye(3))`
/// has none).
private func ofLayer(_ layer: String, _ preposition: String = "of") -> String {
  layer.isEmpty ? "" : " \(preposition) layer \"\(layer)\""
}

/// `input of layer "name"`, or `the input` when no layer is known.
private func subject(_ what: String, _ layer: String) -> String {
  layer.isEmpty ? "the \(what)" : "\(what) of layer \"\(layer)\""
}
