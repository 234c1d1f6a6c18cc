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

  /// A synthetic end-feature-like criterion, batch by batch.
  ///
  /// The error at rank k is a sum over 4 "batches" of non-negative terms (the
  /// first carrying most of it), over a denominator known in advance (here
  /// 1). The early-exit evaluation stops after the first batch whose partial
  /// sum already fails.
  func batchedError(_ k: Int) -> [Double] {
    [0.7, 0.1, 0.1, 0.1].enumerated().map { b, w in
      w * 30 / (Double(k) + 5) + 1e-7 * Double((k * (b + 1)) % 7)
    }
  }

  @Test(arguments: [0.05, 0.1, 0.12, 0.2, 0.5, 1.5, 3.0])
  func earlyExitGivesTheSameRanksWithFewerBatches(tol: Double) {
    let b = RankBisection(equivalentRank: equivalentRank(outputs: 384, inputs: 1536))
    var fullBatches = 0
    let exact = b.search(
      evaluate: { k -> Double in
        let terms = batchedError(k)
        fullBatches += terms.count
        return terms.reduce(0, +)
      }, passes: { SearchCriterion.featMSEDense.passes($0, tolerance: tol) })
    var earlyBatches = 0
    let early = b.search(
      evaluate: { k -> CriterionEvaluation in
        var partial = 0.0
        let terms = batchedError(k)
        for (i, term) in terms.enumerated() {
          partial += term
          earlyBatches += 1
          if i < terms.count - 1, partial > tol {
            return CriterionEvaluation(value: partial, exact: false)
          }
        }
        return CriterionEvaluation(value: partial)
      }, passes: { SearchCriterion.featMSEDense.passes($0, tolerance: tol) })
    let exhaustiveAnswer = exhaustive(b, { batchedError($0).reduce(0, +) }, tol: tol)
    #expect(exact.rank == exhaustiveAnswer)
    #expect(early.rank == exact.rank)
    #expect(early.evaluations == exact.evaluations)
    #expect(early.curve.map(\.rank) == exact.curve.map(\.rank))
    // Every failing candidate whose first three batches already fail exits
    // early; the others run in full and report the same value.
    let failing = exact.curve.filter { $0.value > tol }
    #expect(
      early.earlyExits
        == failing.filter { batchedError($0.rank).prefix(3).reduce(0, +) > tol }.count)
    #expect(earlyBatches <= fullBatches)
    #expect(early.earlyExits > 0 || tol >= 3)
    if early.earlyExits > 0 { #expect(earlyBatches < fullBatches) }
    for (a, e) in zip(exact.curve, early.curve) where e.value <= tol {
      #expect(a.value == e.value)
    }
  }

  @Test func thePassRuleFollowsTheCriterion() {
    #expect(SearchCriterion.featMSE.passes(0.01, tolerance: 0.01))
    #expect(!SearchCriterion.featMSEDense.passes(0.011, tolerance: 0.01))
    #expect(SearchCriterion.weightCosine.passes(0.99, tolerance: 0.98))
    #expect(!SearchCriterion.weightCosine.passes(0.97, tolerance: 0.98))
    #expect(SearchCriterion.whitenedError.comparison == "<=")
    #expect(SearchCriterion.weightCosine.comparison == ">=")
    #expect(SearchCriterion.allCases.filter(\.needsForwardPasses) == [.featMSE, .featMSEDense])
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
