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
        "input of layer \"\(layer)\" holds NaN or infinity in batch \(batch) (token \(token), channel \(channel)); that batch was left out of the statistics"
    case .noTokens(let layer):
      return "layer \"\(layer)\" has seen no calibration tokens"
    case .featureMismatch(let layer, let expected, let actual):
      return
        "layer \"\(layer)\" expects \(expected) input features, got \(actual)"
    case .shrinkageOutOfRange(let lambda):
      return "shrinkage intensity must lie in [0, 1], got \(lambda)"
    case .perBatchNotRecorded(let layer, let requested, let recorded):
      return
        "per-batch \(requested) shrinkage was requested for layer \"\(layer)\" but its statistics recorded \(recorded); choose per-batch shrinkage before calibration"
    case .perBatchSettingsDiffer(let layer):
      return
        "cannot merge statistics of layer \"\(layer)\" with different per-batch shrinkage settings"
    }
  }
}
