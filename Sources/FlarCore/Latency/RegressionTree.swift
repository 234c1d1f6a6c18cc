/// A regression tree grown by variance reduction (CART with the MSE
/// criterion), stored as flat node arrays.
///
/// At a node holding samples `S` with targets `y`, every threshold between
/// two consecutive distinct values of a candidate feature splits `S` into
/// `L ∪ R`; the split kept minimises the summed squared error
///
///     SSE(L) + SSE(R),  SSE(A) = Σ_{i∈A} (y_i − ȳ_A)²,
///
/// which is the same as maximising `(Σ_L y)² / |L| + (Σ_R y)² / |R|` (the
/// proxy scikit-learn's `MSE.proxy_impurity_improvement` uses). The threshold
/// is the midpoint of the two values, and a sample goes left when
/// `x[feature] ≤ threshold`, both as in scikit-learn. A leaf predicts the
/// mean of its targets, so every prediction lies within the range of the
/// training targets.
///
/// Breiman, L., Friedman, J. H., Olshen, R. A. & Stone, C. J. (1984).
/// Classification and Regression Trees. Wadsworth, ch. 8.
///
/// A node becomes a leaf when it is at `maxDepth`, holds fewer than
/// `2 · minSamplesLeaf` samples (or fewer than 2), has all targets equal, or
/// no split leaves `minSamplesLeaf` samples on each side. Candidate features
/// are visited in a random order and the search stops after `maxFeatures`
/// features that are not constant at the node, as scikit-learn's best
/// splitter does; ties keep the first split found.
///
/// - Note: Checked in `RegressionTreeTests` (exact fit on separable data,
///   predictions inside the target range, a piecewise-constant function).
public struct RegressionTree: Sendable, Equatable {
  /// Feature tested at each node; -1 at a leaf.
  public private(set) var feature: [Int] = []
  /// Threshold at each node (go left when `x[feature] ≤ threshold`).
  public private(set) var threshold: [Double] = []
  /// Index of the left child; -1 at a leaf.
  public private(set) var left: [Int] = []
  /// Index of the right child; -1 at a leaf.
  public private(set) var right: [Int] = []
  /// Mean target of the samples that reached the node.
  public private(set) var value: [Double] = []

  /// An empty tree, for `grow` to fill.
  init() {}

  /// A tree from its node arrays, as a file holds them (checked by `problem`).
  init(feature: [Int], threshold: [Double], left: [Int], right: [Int], value: [Double]) {
    self.feature = feature
    self.threshold = threshold
    self.left = left
    self.right = right
    self.value = value
  }

  /// Growth limits of one tree.
  public struct Limits: Sendable, Equatable {
    /// Deepest node level (the root is 0); nil grows until leaves are pure.
    public var maxDepth: Int?
    /// Least samples on each side of a split.
    public var minSamplesLeaf: Int
    /// Non-constant features examined per node.
    public var maxFeatures: Int
  }

  /// The prediction for one feature row: the value of the leaf it reaches.
  public func predict(_ x: [Double]) -> Double {
    var node = 0
    while feature[node] >= 0 {
      node = x[feature[node]] <= threshold[node] ? left[node] : right[node]
    }
    return value[node]
  }

  /// Number of nodes.
  public var nodeCount: Int { feature.count }
  /// Number of leaves.
  public var leafCount: Int { feature.filter { $0 < 0 }.count }

  /// Grows a tree on the rows `samples` (repeats allowed: a bootstrap draw)
  /// of the row-major `features` (`featureCount` columns) and `targets`.
  static func grow(
    features: [Double], featureCount p: Int, targets: [Double], samples: [Int],
    limits: Limits, generator: inout SplitMix64
  ) -> RegressionTree {
    var tree = RegressionTree()
    // Work list of (node index, its samples, its depth); children are
    // appended as nodes are split, so a parent always precedes its children.
    var pending: [(node: Int, samples: [Int], depth: Int)] = [
      (tree.addLeaf(samples, targets), samples, 0)
    ]
    while let (node, rows, depth) = pending.popLast() {
      if let maxDepth = limits.maxDepth, depth >= maxDepth { continue }
      if rows.count < Swift.max(2, 2 * limits.minSamplesLeaf) { continue }
      let first = targets[rows[0]]
      if rows.allSatisfy({ targets[$0] == first }) { continue }
      guard
        let split = bestSplit(
          features: features, p: p, targets: targets, rows: rows, limits: limits,
          generator: &generator)
      else { continue }
      let goesLeft = rows.map { features[$0 * p + split.feature] <= split.threshold }
      let leftRows = zip(rows, goesLeft).filter { $0.1 }.map { $0.0 }
      let rightRows = zip(rows, goesLeft).filter { !$0.1 }.map { $0.0 }
      let l = tree.addLeaf(leftRows, targets)
      let r = tree.addLeaf(rightRows, targets)
      tree.feature[node] = split.feature
      tree.threshold[node] = split.threshold
      tree.left[node] = l
      tree.right[node] = r
      pending.append((r, rightRows, depth + 1))
      pending.append((l, leftRows, depth + 1))
    }
    return tree
  }

  private mutating func addLeaf(_ rows: [Int], _ targets: [Double]) -> Int {
    var sum = 0.0  // Σ y over the node's samples
    for i in rows { sum += targets[i] }
    feature.append(-1)
    threshold.append(0)
    left.append(-1)
    right.append(-1)
    value.append(sum / Double(rows.count))
    return value.count - 1
  }

  /// The split with the largest proxy `(Σ_L y)²/|L| + (Σ_R y)²/|R|`.
  private static func bestSplit(
    features: [Double], p: Int, targets: [Double], rows: [Int], limits: Limits,
    generator: inout SplitMix64
  ) -> (feature: Int, threshold: Double)? {
    var best: (feature: Int, threshold: Double, proxy: Double)? = nil
    var visited = 0  // non-constant features examined so far
    let n = rows.count
    let minLeaf = limits.minSamplesLeaf
    for f in Array(0..<p).shuffled(using: &generator) {
      if visited >= limits.maxFeatures { break }
      let sorted = rows.map { (x: features[$0 * p + f], y: targets[$0]) }.sorted { $0.x < $1.x }
      if sorted[0].x == sorted[n - 1].x { continue }  // constant here: not counted
      visited += 1
      var total = 0.0  // Σ y over the node
      for s in sorted { total += s.y }
      var leftSum = 0.0  // Σ y over sorted[0...i]
      for i in 0..<(n - 1) {
        leftSum += sorted[i].y
        let nLeft = i + 1
        if sorted[i].x == sorted[i + 1].x || nLeft < minLeaf || n - nLeft < minLeaf { continue }
        let rightSum = total - leftSum
        let proxy = leftSum * leftSum / Double(nLeft) + rightSum * rightSum / Double(n - nLeft)
        if best == nil || proxy > best!.proxy {
          var t = (sorted[i].x + sorted[i + 1].x) / 2
          // A midpoint that rounds up to the right value would send it left.
          if t == sorted[i + 1].x { t = sorted[i].x }
          best = (f, t, proxy)
        }
      }
    }
    return best.map { ($0.feature, $0.threshold) }
  }
}
