import Foundation
import TestSupport
import Testing

/// `allocate` through the real binary on the tiny random BERT.
@Suite struct AllocationEndToEndTests {
  /// One line per layer, "out in rank" (rank nil when dense), then the
  /// budget and the solver's cost.
  static let script = """
    m = load("Tests/Fixtures/models/tiny")
    s = text("Tests/Fixtures/models/sentences.txt")
    a = allocate(m, params=TARGET, step=4, points=3, calib=s, search=s, batch=16)
    for l in a.layers do print(l.shape[0], l.shape[1], l.rank) end
    print("budget", a.allocation.budget, a.allocation.predicted_cost)
    print("after", a.params.linear_after, a.params.linear_before)
    """

  @Test(arguments: [0.35, 0.5, 0.75])
  func aParamsBudgetIsMetToOneStepPerLayer(target: Double) throws {
    let source = Self.script.replacingOccurrences(of: "TARGET", with: "\(target)")
    let result = try runFlar(
      arguments: ["--quiet", "-e", source], directory: TestSupport.repositoryRoot.path)
    #expect(result.status == 0, "\(result)")
    let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ") }
    let layers = lines.filter { $0.count == 3 && Int($0[0]) != nil }.map { f in
      (rows: Int(f[0])!, cols: Int(f[1])!, rank: Int(f[2]))
    }
    #expect(layers.count == 12)
    let budget = try #require(lines.first { $0.first == "budget" }.flatMap { Double($0[1]) })
    let weights = layers.reduce(0) { s, l in
      s + (l.rank.map { $0 * (l.rows + l.cols) } ?? l.rows * l.cols)
    }
    #expect(Double(weights) <= budget)
    // No layer could take one more rank step (or go dense) within the budget.
    for l in layers {
      guard let k = l.rank else { continue }
      let keq = l.rows * l.cols / (l.rows + l.cols)
      let next = k + 4 < keq ? (k + 4) * (l.rows + l.cols) : l.rows * l.cols
      #expect(Double(weights - k * (l.rows + l.cols) + next) > budget, "\(l)")
    }
    // The whole model's linear parameters (biases included) are under the target.
    let after = try #require(lines.first { $0.first == "after" })
    #expect(Double(after[1])! <= target * Double(after[2])!)
  }
}
