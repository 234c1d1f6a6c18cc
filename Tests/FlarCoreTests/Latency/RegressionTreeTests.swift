import Testing

@testable import FlarCore

@Suite struct RegressionTreeTests {
  static func grow(
    _ x: [[Double]], _ y: [Double], maxDepth: Int? = nil, minLeaf: Int = 1, seed: UInt64 = 0
  ) -> RegressionTree {
    var g = SplitMix64(seed: seed)
    return RegressionTree.grow(
      features: x.flatMap { $0 }, featureCount: x[0].count, targets: y,
      samples: Array(x.indices),
      limits: .init(maxDepth: maxDepth, minSamplesLeaf: minLeaf, maxFeatures: x[0].count),
      generator: &g)
  }

  @Test func separableDataIsFittedExactly() {
    // Distinct feature rows, arbitrary targets: an unpruned tree isolates each row.
    let x = (0..<30).map { [Double($0 % 7), Double($0 / 7)] }
    let y = (0..<30).map { Double(($0 * 37) % 11) - 5 }
    let tree = Self.grow(x, y)
    #expect(x.map(tree.predict) == y)
    #expect(tree.leafCount == 30)
  }

  @Test func firstSplitIsTheBestVarianceReduction() {
    // y jumps at x0 = 2.5; x1 is noise with a weaker relation.
    let x: [[Double]] = [[0, 0], [1, 1], [2, 0], [3, 1], [4, 0], [5, 1]]
    let y: [Double] = [0, 0, 0, 10, 10, 10]
    let tree = Self.grow(x, y, maxDepth: 1)
    #expect(tree.feature[0] == 0)
    #expect(tree.threshold[0] == 2.5)  // midpoint, as scikit-learn
    #expect(tree.nodeCount == 3)
    #expect(tree.predict([2.5, 0]) == 0)  // x ≤ threshold goes left
    #expect(tree.predict([2.6, 0]) == 10)
  }

  @Test func minSamplesLeafIsRespected() {
    let x = (0..<40).map { [Double($0)] }
    let y = x.map { $0[0] * $0[0] }
    let tree = Self.grow(x, y, minLeaf: 5)
    var perLeaf: [Int: Int] = [:]
    for row in x {
      var node = 0
      while tree.feature[node] >= 0 {
        node = row[tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node]
      }
      perLeaf[node, default: 0] += 1
    }
    #expect(perLeaf.values.allSatisfy { $0 >= 5 })
    #expect(perLeaf.count > 1)
  }

  @Test func constantTargetsGiveOneLeaf() {
    let tree = Self.grow([[1], [2], [3]], [4, 4, 4])
    #expect(tree.nodeCount == 1)
    #expect(tree.predict([100]) == 4)
  }

  @Test func wellFormedTreeHasNoProblem() {
    let tree = Self.grow([[1], [2], [3]], [1, 2, 3])
    #expect(tree.problem(featureCount: 1) == nil)
    #expect(tree.problem(featureCount: 0) != nil)
  }
}
