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

  @Test func predictionIsLogLinearInTheClosedFormAndHoldsItsSlopeBeyondThePoints() {
    let g = (0...8).map { pow(2.0, -Double($0)) }
    let guide = RankSearchGuide(closedForm: g)
    func logs(_ f: (Int) -> Double, _ indices: [Int]) -> [(index: Int, x: Double, y: Double)] {
      indices.map { (index: $0, x: log(g[$0]), y: log(f($0))) }
    }
    // Points on f = 0.1 g^0.8: the prediction follows the power law inside
    // and beyond them.
    let f = { (j: Int) in 0.1 * pow(g[j], 0.8) }
    for j in [0, 3, 4, 7, 8] {
      let y = guide.predictedLogValue(at: j, logs(f, [2, 5]))!
      #expect(abs(exp(y) - f(j)) < 1e-12 * f(j), "index \(j)")
    }
    // A steeper pair is followed between its points, clamped beyond them.
    let steep = { (j: Int) in pow(g[j], 3) }
    let inside = guide.predictedLogValue(at: 4, logs(steep, [2, 6]))!
    #expect(abs(exp(inside) - steep(4)) < 1e-12 * steep(4))
    let beyond = guide.predictedLogValue(at: 8, logs(steep, [2, 6]))!
    #expect(abs(beyond - (log(steep(6)) + 2 * (log(g[8]) - log(g[6])))) < 1e-12)
    // One point: the prior's slope through it (1 without a prior).
    let one = logs(f, [3])
    let primed = RankSearchGuide(closedForm: g, prior: GuidePrior(slope: 0.7, intercept: 0))
    #expect(
      abs(primed.predictedLogValue(at: 6, one)! - (one[0].y + 0.7 * (log(g[6]) - one[0].x))) < 1e-12
    )
    #expect(abs(guide.predictedLogValue(at: 6, one)! - (one[0].y + log(g[6]) - one[0].x)) < 1e-12)
    // No point: the prior alone, or nothing.
    #expect(abs(primed.predictedLogValue(at: 2, [])! - 0.7 * log(g[2])) < 1e-12)
    #expect(guide.predictedIndex(lo: 0, hi: 3, points: [], passes: { $0 < 1 }) == nil)
    // A candidate whose closed form is 0 is predicted to pass.
    #expect(
      RankSearchGuide(closedForm: [1, 0.5, 0, 0.25]).predictedLogValue(at: 2, logs(f, [1]))
        == -.infinity)
  }

  @Test func theFittedPriorIsTheLeastSquaresPowerLawThroughThePointNearestTheAnswer() {
    let g = (0...8).map { pow(2.0, -Double($0)) }
    let guide = RankSearchGuide(closedForm: g)
    let f = { (j: Int) in 0.1 * pow(g[j], 0.8) }
    let p = guide.fittedPrior(points: [2, 5, 6].map { ($0, f($0)) }, answer: 5)!
    #expect(abs(p.slope - 0.8) < 1e-12 && abs(p.intercept - log(0.1)) < 1e-12)
    // A slope outside the range is clamped; the line then goes through the
    // point nearest the answer.
    let steep = guide.fittedPrior(points: [1, 4].map { ($0, pow(g[$0], 5)) }, answer: 4)!
    #expect(steep.slope == 2)
    #expect(abs(steep.intercept + 2 * log(g[4]) - log(pow(g[4], 5))) < 1e-12)
    // One point: the prior's slope, or 1; no usable point: nothing.
    #expect(guide.fittedPrior(points: [(3, 0.2)], answer: 3)?.slope == 1)
    #expect(guide.fittedPrior(points: [(3, 0), (9, 0.1)], answer: 3) == nil)
  }

  @Test func aRightPowerLawPriorCertifiesWithTwoEvaluations() {
    let g = whitened
    let f = { (k: Int) in 0.05 * pow(g[k / 8], 0.8) }
    let prior = GuidePrior(slope: 0.8, intercept: log(0.05))
    for tol in [0.02, 0.005, 0.001, 0.0002] {
      let q = guided(f, tol: tol, guide: RankSearchGuide(closedForm: g, prior: prior))
      #expect(q.rank == plain(f, tol: tol).rank)
      #expect(q.evaluations <= 2, "tol \(tol): \(q.evaluations)")
    }
  }
}
