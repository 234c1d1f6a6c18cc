/// A random-forest regressor: the mean of regression trees, each grown on a
/// bootstrap sample with random feature subsets.
///
/// For `T` trees with predictions `h_t(x)`:
///
///     ŷ(x) = (1/T) Σ_t h_t(x)
///
/// Tree `t` is grown (see `RegressionTree`, unpruned unless `maxDepth` is
/// set) on `n` rows drawn with replacement from the `n` training rows when
/// `bootstrap` is true, else on all rows; at each node it examines
/// `max(1, ⌊maxFeatures · p⌋)` non-constant features in random order.
///
/// Breiman, L. (2001). Random Forests. Machine Learning 45(1), 5–32,
/// doi:10.1023/A:1010933404324. The defaults are scikit-learn's
/// `RandomForestRegressor` (100 trees, `max_features=1.0`, bootstrap, no
/// depth limit, `min_samples_leaf=1`), which the FLAR-SVD reference uses.
///
/// Departures from scikit-learn, none of which changes the estimator:
/// bootstrap repeats are materialised rows instead of sample weights; the
/// random streams are `SplitMix64`, tree `t` seeded by
/// `SplitMix64.derivedSeed(seed, index: t)`, so trees are reproducible one by
/// one and a seed gives the same forest on every platform, but not
/// scikit-learn's trees (its `random_state` drives NumPy's Mersenne Twister).
///
/// - Note: Checked in `RandomForestTests`: determinism per seed, predictions
///   within the target range, and held-out R² within 0.02 of scikit-learn's on
///   `Tests/Fixtures/latency/synthetic.csv`.
public struct RandomForest: Sendable, Equatable {
  /// Training options, with scikit-learn's defaults.
  public struct Options: Sendable, Equatable {
    /// Number of trees (`n_estimators`).
    public var treeCount: Int
    /// Deepest node level; nil grows until leaves are pure.
    public var maxDepth: Int?
    /// Least samples on each side of a split.
    public var minSamplesLeaf: Int
    /// Fraction of features examined per node, in (0, 1].
    public var maxFeatures: Double
    /// Whether each tree sees a bootstrap sample (else all rows).
    public var bootstrap: Bool
    /// Seed of every random draw.
    public var seed: UInt64

    /// Options; see the properties.
    public init(
      treeCount: Int = 100, maxDepth: Int? = nil, minSamplesLeaf: Int = 1,
      maxFeatures: Double = 1.0, bootstrap: Bool = true, seed: UInt64 = 0
    ) {
      self.treeCount = treeCount
      self.maxDepth = maxDepth
      self.minSamplesLeaf = minSamplesLeaf
      self.maxFeatures = maxFeatures
      self.bootstrap = bootstrap
      self.seed = seed
    }

    func validated() throws -> Options {
      func bad(_ name: String, _ value: Any, _ expected: String) -> LatencyError {
        .invalidOption(name: name, value: "\(value)", expected: expected)
      }
      if treeCount < 1 { throw bad("tree count", treeCount, "at least 1") }
      if let d = maxDepth, d < 1 { throw bad("max depth", d, "at least 1, or nil") }
      if minSamplesLeaf < 1 { throw bad("min samples per leaf", minSamplesLeaf, "at least 1") }
      if !(maxFeatures > 0 && maxFeatures <= 1) {
        throw bad("max features", maxFeatures, "a fraction in (0, 1]")
      }
      return self
    }
  }

  /// The options the forest was trained with.
  public let options: Options
  /// Number of features per row.
  public let featureCount: Int
  /// The trees.
  public let trees: [RegressionTree]

  /// Trains a forest on feature rows and their targets.
  ///
  /// - Throws: `LatencyError.invalidOption` for an option out of range, no
  ///   rows, rows of different lengths, a row count that differs from the
  ///   target count, or a non-finite value.
  ///
  /// `shouldStop` is asked before each tree (Ctrl-C); when it says yes the
  /// fit throws `LatencyError.trainingCancelled`.
  public static func fit(
    features rows: [[Double]], targets: [Double], options: Options = Options(),
    shouldStop: () -> Bool = { false }
  ) throws -> RandomForest {
    let options = try options.validated()
    let p = rows.first?.count ?? 0
    try checkData(rows, targets, p)
    let flat = rows.flatMap { $0 }
    let n = rows.count
    let limits = RegressionTree.Limits(
      maxDepth: options.maxDepth, minSamplesLeaf: options.minSamplesLeaf,
      maxFeatures: Swift.max(1, Int(options.maxFeatures * Double(p))))
    var trees: [RegressionTree] = []
    trees.reserveCapacity(Swift.min(options.treeCount, 4096))
    for t in 0..<options.treeCount {
      if shouldStop() {
        throw LatencyError.trainingCancelled(treesGrown: t, of: options.treeCount)
      }
      var generator = SplitMix64(seed: SplitMix64.derivedSeed(options.seed, index: t))
      let samples =
        options.bootstrap
        ? (0..<n).map { _ in Int.random(in: 0..<n, using: &generator) } : Array(0..<n)
      trees.append(
        RegressionTree.grow(
          features: flat, featureCount: p, targets: targets, samples: samples, limits: limits,
          generator: &generator))
    }
    return RandomForest(options: options, featureCount: p, trees: trees)
  }

  private static func checkData(_ rows: [[Double]], _ targets: [Double], _ p: Int) throws {
    func bad(_ value: String, _ expected: String) -> LatencyError {
      .invalidOption(name: "training data", value: value, expected: expected)
    }
    if rows.isEmpty || p == 0 { throw bad("of \(rows.count) rows", "at least one row and feature") }
    if rows.count != targets.count {
      throw bad("of \(rows.count) rows", "as many rows as targets (\(targets.count))")
    }
    if let i = rows.firstIndex(where: { $0.count != p }) {
      throw bad("row \(i) of \(rows[i].count) features", "\(p) features as row 0")
    }
    if let i = rows.firstIndex(where: { !$0.allSatisfy(\.isFinite) }) {
      throw bad("row \(i) \(rows[i])", "finite features")
    }
    if let i = targets.firstIndex(where: { !$0.isFinite }) {
      throw bad("target \(i) = \(targets[i])", "finite targets")
    }
  }

  /// The forest's prediction for one row: the mean of the trees'.
  ///
  /// - Precondition: `x.count == featureCount` (a flar bug otherwise).
  public func predict(_ x: [Double]) -> Double {
    precondition(x.count == featureCount, "row of \(x.count) features for \(featureCount)")
    var sum = 0.0  // Σ_t h_t(x)
    for tree in trees { sum += tree.predict(x) }
    return sum / Double(trees.count)
  }

  /// Predictions for several rows.
  public func predict(rows: [[Double]]) -> [Double] { rows.map { predict($0) } }
}

/// Regression scores, as scikit-learn's `r2_score` and `mean_absolute_error`.
public enum RegressionScore {
  /// `R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)²`; 1 when both sums are 0, 0 when only
  /// the denominator is (scikit-learn's convention).
  public static func r2(actual y: [Double], predicted yHat: [Double]) -> Double {
    precondition(y.count == yHat.count && !y.isEmpty, "score of mismatched or empty arrays")
    let mean = y.reduce(0, +) / Double(y.count)
    var residual = 0.0  // Σ (y − ŷ)²
    var total = 0.0  // Σ (y − ȳ)²
    for (a, b) in zip(y, yHat) {
      residual += (a - b) * (a - b)
      total += (a - mean) * (a - mean)
    }
    if total == 0 { return residual == 0 ? 1 : 0 }
    return 1 - residual / total
  }

  /// `MAE = (1/n) Σ |y − ŷ|`.
  public static func meanAbsoluteError(actual y: [Double], predicted yHat: [Double]) -> Double {
    precondition(y.count == yHat.count && !y.isEmpty, "score of mismatched or empty arrays")
    return zip(y, yHat).reduce(0) { $0 + abs($1.0 - $1.1) } / Double(y.count)
  }
}
