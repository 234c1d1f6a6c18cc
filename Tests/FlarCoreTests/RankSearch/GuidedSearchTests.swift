import Foundation
import Testing

@testable import FlarCore

/// Certify-then-bisect (`RankSearchGuide`) against plain bisection on
/// synthetic monotone criteria: the same answers, the evaluations counted.
@Suite struct GuidedSearchTests {
  /// A 384x1536 layer: k_eq = 307, J = 38 candidates.
  let bisection = RankBisection(equivalentRank: equivalentRank(outputs: 384, inputs: 1536))

  /// A closed form like a whitened error: σ_i ∝ exp(−i/60), the relative
  /// tail energy at each candidate index.
  var whitened: [Double] {
    let sigmas2 = (0..<384).map { exp(-2 * Double($0) / 60) }
    let total = sigmas2.reduce(0, +)
    return (0...bisection.candidateCount).map { j in
      sigmas2[min(j * bisection.step, 384)...].reduce(0, +) / total
    }
  }

  /// A criterion that is the closed form times a scale drifting with the
  /// rank by up to `drift` (log-linearly), as the end-feature error departs
  /// from the whitened error.
  func criterion(_ g: [Double], scale: Double, drift: Double) -> (Int) -> Double {
    { k in
      let j = k / 8
      return scale * g[j] * exp(drift * Double(j) / Double(g.count))
    }
  }

  func plain(_ f: (Int) -> Double, tol: Double) -> RankSearchResult {
    bisection.search(evaluate: f, passes: { $0 <= tol })
  }

  func guided(
    _ f: (Int) -> Double, tol: Double, guide: RankSearchGuide
  ) -> RankSearchResult {
    bisection.search(
      evaluate: { CriterionEvaluation(value: f($0)) }, passes: { $0 <= tol }, guide: guide)
  }

  @Test(arguments: [0.0, 1.0, -1.5, 3.0])
  func sameAnswerAsBisectionOnMonotoneCriteria(drift: Double) {
    let g = whitened
    let f = criterion(g, scale: 0.05, drift: drift)
    var plainEvaluations = 0
    var guidedEvaluations = 0
    for tol in stride(from: 0.05, to: 1e-5, by: -0.0007) {
      let p = plain(f, tol: tol)
      let q = guided(f, tol: tol, guide: RankSearchGuide(closedForm: g))
      #expect(q.rank == p.rank, "tol \(tol), drift \(drift)")
      plainEvaluations += p.evaluations
      guidedEvaluations += q.evaluations
      // The guided search's last two probes bracket its answer.
      if let k = q.rank, k > bisection.step {
        #expect(q.curve.contains { $0.rank == k } && q.curve.contains { $0.rank == k - 8 })
      }
    }
    // A scaled closed form is what the guide models: far fewer evaluations;
    // with a drifting scale the saving shrinks, bounded by the safeguards.
    if drift == 0 {
      #expect(
        guidedEvaluations < plainEvaluations * 3 / 4, "\(guidedEvaluations) vs \(plainEvaluations)")
    } else if abs(drift) <= 1.5 {
      #expect(guidedEvaluations < plainEvaluations, "\(guidedEvaluations) vs \(plainEvaluations)")
    }
  }

  @Test(arguments: [0.0, 3.0, -3.0])
  func evaluationsAreBoundedByTheSafeguards(drift: Double) {
    let g = whitened
    let f = criterion(g, scale: 0.05, drift: drift)
    for tol in stride(from: 0.05, to: 1e-5, by: -0.0013) {
      for prior in [nil, 1e-4, 0.05, 50] as [Double?] {
        let guide = RankSearchGuide(closedForm: g, priorScale: prior)
        let q = guided(f, tol: tol, guide: guide)
        #expect(
          q.evaluations <= guide.maxProbes + 6, "tol \(tol), prior \(String(describing: prior))")
        #expect(q.guidedProbes <= guide.maxProbes)
        #expect(q.rank == plain(f, tol: tol).rank)
      }
    }
  }

  @Test func aRightPriorCertifiesWithTwoEvaluations() {
    let g = whitened
    let f = criterion(g, scale: 0.05, drift: 0)
    for tol in [0.02, 0.005, 0.001, 0.0002] {
      let q = guided(f, tol: tol, guide: RankSearchGuide(closedForm: g, priorScale: 0.05))
      #expect(q.rank == plain(f, tol: tol).rank)
      #expect(q.evaluations <= 2, "tol \(tol): \(q.evaluations)")
      #expect(!q.fellBack)
    }
  }

  @Test func aWrongGuideStillGivesTheBisectionAnswer() {
    // A closed form that says nothing about the criterion (flat, then
    // reversed): the guided probes are wasted, bisection finishes.
    let g = whitened
    let f = criterion(g, scale: 0.05, drift: 0)
    let misleading = RankSearchGuide(closedForm: g.reversed().map { $0 + 1e-3 }, priorScale: 1e3)
    for tol in [0.02, 0.005, 0.001, 0.0002, 1e-9] {
      let p = plain(f, tol: tol)
      let q = guided(f, tol: tol, guide: misleading)
      #expect(q.rank == p.rank, "tol \(tol)")
      #expect(q.evaluations <= misleading.maxProbes + 6)
    }
  }

  @Test func aLayerThatNeverPassesStaysDenseWhenGuided() {
    let g = whitened
    let q = bisection.search(
      evaluate: { _ in CriterionEvaluation(value: 1) }, passes: { $0 < 0 },
      guide: RankSearchGuide(closedForm: g, priorScale: 0.05))
    #expect(q.rank == nil)
    // The prediction says the top candidate below k_eq fails: one probe.
    let r = bisection.search(
      evaluate: { _ in CriterionEvaluation(value: 1) }, passes: { $0 < 0.5 },
      guide: RankSearchGuide(closedForm: g.map { _ in 1 }, priorScale: 1))
    #expect(r.rank == nil && r.evaluations == 1)
  }

  @Test func earlyExitsDoNotCalibrateTheScale() {
    // A failing evaluation that stops early reports a lower bound; the guide
    // must not read a scale from it (it would predict too small a rank).
    let g = whitened
    let f = criterion(g, scale: 0.05, drift: 0)
    let tol = 0.001
    let q = bisection.search(
      evaluate: { k in
        let v = f(k)
        return v > tol ? CriterionEvaluation(value: tol * 1.0001, exact: false) : .init(value: v)
      }, passes: { $0 <= tol }, guide: RankSearchGuide(closedForm: g))
    #expect(q.rank == plain(f, tol: tol).rank)
  }

  @Test func scaleInterpolationIsLogLinearAndHeldBeyondThePoints() {
    let points = [(2, 1.0), (6, 16.0)]
    #expect(RankSearchGuide.interpolatedScale(at: 0, points) == 1)
    #expect(abs(RankSearchGuide.interpolatedScale(at: 4, points) - 4) < 1e-12)
    #expect(RankSearchGuide.interpolatedScale(at: 9, points) == 16)
    let guide = RankSearchGuide(closedForm: [1, 0.5, 0, 0.25])
    #expect(guide.scale(index: 1, value: 0.1) == 0.2)
    #expect(guide.scale(index: 2, value: 0.1) == nil)  // g = 0
    #expect(guide.scale(index: 7, value: 0.1) == nil)  // out of range
    #expect(guide.predictedIndex(lo: 0, hi: 3, points: [], passes: { $0 < 1 }) == nil)
  }
}
