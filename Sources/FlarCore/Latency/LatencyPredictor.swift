import FlarLinAlg

/// Something that predicts the latency recovery ratio `Y` of a layer shape.
public protocol LatencyRatioPredicting: Sendable {
  /// The predicted `Y = (t_k − t₁) / (t_dense − t₁)` for `shape`.
  func predictedRatio(_ shape: LatencyShape) -> Double
}

/// A prediction for one layer shape and rank.
public struct LatencyPrediction: Sendable, Equatable {
  /// The predicted recovery ratio `Y` (the forest's output).
  public let ratio: Double
  /// The estimated rank-k time, `t₁ + Y (t_dense − t₁)`, in milliseconds.
  public let milliseconds: Double
  /// The power-law estimate of the dense time.
  public let denseMilliseconds: Double
  /// The power-law estimate of the rank-1 time.
  public let rank1Milliseconds: Double
  /// True when `0 < Y < 1`: the pair is predicted faster than the dense layer.
  public var paysOff: Bool { ratio > 0 && ratio < 1 }
}

/// A trained latency predictor: a random forest for the recovery ratio, two
/// power laws for the dense and rank-1 times, and what it was trained on.
///
/// Saved as JSON data (never code, unlike the reference's pickle), loaded
/// with checks that make a damaged file an error instead of a crash. The
/// forest kept is the one trained on the training split, so `r2` and `mae`
/// describe the stored model on rows it has not seen.
///
/// - Note: Checked in `LatencyPredictorTests` (round trip, malformed files,
///   held-out scores).
public struct LatencyPredictor: LatencyRatioPredicting, Equatable {
  /// The file format's name and version, checked on load.
  public static let formatName = "flar-latency-predictor"
  /// Version 2: the four derived features (version 1 had the raw five).
  public static let formatVersion = 2
  /// The features, in order (`LatencyShape.features`).
  public static let features = [
    "batch", "tokens", "in", "out", "rank", "rows", "rank_fraction", "flop_ratio", "log2_flops",
  ]

  /// What the predictor was trained on and how well it does.
  public struct Metadata: Sendable, Equatable {
    /// Where the times were measured (CPU model and core count by default).
    public var hardware: String
    /// Usable rows (finite ratio) and rows dropped for a non-finite ratio.
    public var sampleCount: Int
    public var droppedNonFinite: Int
    /// Rows in the training and held-out splits.
    public var trainCount: Int
    public var testCount: Int
    /// R² and mean absolute error of the ratio on the held-out split.
    public var r2: Double
    public var mae: Double
    /// Median |relative error| on the held-out split of the dense, rank-1
    /// and rank-k millisecond estimates.
    public var denseRelativeError: Double
    public var rank1RelativeError: Double
    public var rankRelativeError: Double
    /// Fraction of held-out rows whose "pays off" (`0 < Y < 1`) is predicted right.
    public var decisionAccuracy: Double
    /// The flar version that trained it.
    public var flarVersion: String
  }

  public let format: String
  public let version: Int
  public let featureNames: [String]
  public let forest: RandomForest
  public let denseTime: PowerLawTimeModel
  public let rank1Time: PowerLawTimeModel
  public internal(set) var metadata: Metadata

  /// `Y` for a shape (`LatencyRatioPredicting`).
  public func predictedRatio(_ shape: LatencyShape) -> Double {
    forest.predict(shape.features)
  }

  /// The ratio and the millisecond estimate for one layer shape and rank.
  ///
  /// - Throws: `LatencyError.invalidShape` for a dimension below 1 or a rank
  ///   above `min(in, out)`.
  public func predict(
    batch: Int, tokens: Int, in inFeatures: Int, out outFeatures: Int, rank: Int
  ) throws -> LatencyPrediction {
    let shape = try LatencyShape(
      batch: batch, tokens: tokens, inFeatures: inFeatures, outFeatures: outFeatures, rank: rank
    ).validated()
    return prediction(shape)
  }

  func prediction(_ shape: LatencyShape) -> LatencyPrediction {
    let y = predictedRatio(shape)
    let dense = denseTime.milliseconds(
      rows: shape.rows, in: shape.inFeatures, out: shape.outFeatures)
    let one = rank1Time.milliseconds(rows: shape.rows, in: shape.inFeatures, out: shape.outFeatures)
    return LatencyPrediction(
      ratio: y, milliseconds: one + y * (dense - one), denseMilliseconds: dense,
      rank1Milliseconds: one)
  }

  /// The first inconsistency of a decoded predictor, or nil.
  func problem() -> String? {
    if format != Self.formatName {
      return "format \"\(format)\", expected \"\(Self.formatName)\""
    }
    if version != Self.formatVersion {
      return "format version \(version), this flar reads \(Self.formatVersion)"
        + " (retrain it from its CSV: train_latency(csv, file=…))"
    }
    if featureNames != Self.features || forest.featureCount != Self.features.count {
      return "features \(featureNames), expected \(Self.features)"
    }
    if forest.trees.isEmpty { return "forest has no trees" }
    for (t, tree) in forest.trees.enumerated() {
      if let problem = tree.problem(featureCount: forest.featureCount) {
        return "tree \(t): \(problem)"
      }
    }
    if denseTime.coefficients.count != 4 || rank1Time.coefficients.count != 4 {
      return "time models need 4 coefficients each"
    }
    return nil
  }

  init(
    forest: RandomForest, denseTime: PowerLawTimeModel, rank1Time: PowerLawTimeModel,
    metadata: Metadata
  ) {
    self.format = Self.formatName
    self.version = Self.formatVersion
    self.featureNames = Self.features
    self.forest = forest
    self.denseTime = denseTime
    self.rank1Time = rank1Time
    self.metadata = metadata
  }
}

extension RegressionTree {
  /// Why the node arrays cannot be a tree grown by `grow`, or nil.
  func problem(featureCount p: Int) -> String? {
    let n = feature.count
    if n == 0 { return "no nodes" }
    if [threshold.count, left.count, right.count, value.count].contains(where: { $0 != n }) {
      return "node arrays of different lengths"
    }
    for i in 0..<n {
      if feature[i] < 0 { continue }
      if feature[i] >= p { return "node \(i) tests feature \(feature[i]) of \(p)" }
      // Children come after their parent: this also rules out cycles.
      if !(left[i] > i && left[i] < n && right[i] > i && right[i] < n) {
        return "node \(i) has children \(left[i]) and \(right[i]) outside \(i + 1)..<\(n)"
      }
    }
    return nil
  }
}
