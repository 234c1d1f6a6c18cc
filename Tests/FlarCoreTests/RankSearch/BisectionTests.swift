import Testing

@testable import FlarCore

@Suite struct BisectionTests {
  /// The exhaustive answer: the smallest candidate that passes, unless it is
  /// the top candidate (then dense).
  func exhaustive(_ b: RankBisection, _ f: (Int) -> Double, tol: Double) -> Int? {
    let passing = b.candidates.first { f($0) <= tol }
    guard let r = passing, r < b.candidateCount * b.step else { return nil }
    return r
  }

  @Test func findsTheSmallestPassingRankOnAMonotoneCriterion() {
    // A 384x1536 layer: k_eq = 307, J = 38 candidates.
    let b = RankBisection(equivalentRank: equivalentRank(outputs: 384, inputs: 1536))
    #expect(b.equivalentRank == 307)
    #expect(b.candidateCount == 38)
    let f: (Int) -> Double = { 1.0 / Double($0) }
    for tol in [0.2, 0.05, 0.0126, 0.01, 0.004, 0.0033, 0.001] {
      let r = b.search(evaluate: f, passes: { $0 <= tol })
      #expect(r.rank == exhaustive(b, f, tol: tol), "tol \(tol)")
      #expect(r.evaluations <= 6)  // ceil(log2 38)
    }
  }

  @Test func spendsExactlyLog2EvaluationsForAPowerOfTwo() {
    // 256x256: k_eq = 128, J = 16 → 4 evaluations whatever the answer.
    let b = RankBisection(equivalentRank: equivalentRank(outputs: 256, inputs: 256))
    for threshold in stride(from: 0, through: 140, by: 4) {
      let r = b.search(evaluate: { Double($0) }, passes: { $0 >= Double(threshold) })
      #expect(r.evaluations == 4)
      #expect(r.curve.map(\.rank) == r.curve.map(\.rank).sorted())
    }
  }

  @Test func aLayerThatNeverPassesStaysDense() {
    let b = RankBisection(equivalentRank: 192)
    let r = b.search(evaluate: { _ in 1 }, passes: { $0 < 0 })
    #expect(r.rank == nil)
    #expect(r.evaluations == 5)  // ceil(log2 24)
  }

  @Test func tinyLayerHasNoCandidatesAndNoEvaluations() {
    let b = RankBisection(equivalentRank: equivalentRank(outputs: 8, inputs: 8))
    let r = b.search(
      evaluate: { _ in
        Issue.record("evaluated")
        return 0
      }, passes: { _ in true })
    #expect(r.rank == nil && r.evaluations == 0)
  }

  @Test func monotonicityViolationsAreReportedWithTheirRanks() {
    let curve: [(rank: Int, value: Double)] = [
      (8, 0.5), (16, 0.3), (24, 0.35), (32, 0.1), (40, 0.1 + 1e-12),
    ]
    let v = monotonicityViolations(curve, decreasing: true)
    #expect(
      v == [
        MonotonicityViolation(lowerRank: 16, higherRank: 24, lowerValue: 0.3, higherValue: 0.35)
      ])
    let negated: [(rank: Int, value: Double)] = curve.map { (rank: $0.0, value: -$0.1) }
    #expect(monotonicityViolations(negated, decreasing: false).count == 1)
  }
}
