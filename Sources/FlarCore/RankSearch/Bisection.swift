import Foundation

/// Monotone rank search by bisection (FLAR-SVD's second contribution).
///
/// Goals, in order of priority: (1) the result is the smallest candidate
/// rank whose criterion passes, given that the criterion is monotone in the
/// rank; (2) as few criterion evaluations as possible, since each one can
/// cost a forward pass.
///
/// Candidates are multiples of `step` (8 by default, hardware-friendly):
/// `rank = step · j` for `j` in `1…J`, `J = floor(k_eq / step)`, where
/// `k_eq = floor(m n / (m + n))` is the equivalent rank above which the two
/// factors hold more parameters than the dense weight. The search keeps the
/// invariant "`lo` fails, `hi` passes", starting from `lo = 0` (rank 0
/// always fails) and `hi = J` taken as passing without evaluation: if the
/// answer stays at `J`, the low-rank pair would hold about as many
/// parameters as the dense layer, so the layer is left dense — as the
/// reference code does. This spends at most `ceil(log2 J)` evaluations
/// (exactly that many when `J` is a power of two).
///
/// Thoma et al. (2025), "FLAR-SVD: Fast and Latency-Aware Singular Value
/// Decomposition for Model Compression", CVPR Workshops; see
/// reference-notes.md §4.
///
/// - Note: Checked against an exhaustive scan in `BisectionTests`.
public struct RankBisection: Sendable {
  /// The rank granularity (default 8).
  public var step: Int
  /// The equivalent rank `k_eq` of the layer.
  public var equivalentRank: Int

  public init(equivalentRank: Int, step: Int = 8) {
    precondition(step >= 1, "rank step must be positive")
    self.step = step
    self.equivalentRank = equivalentRank
  }

  /// `J = floor(k_eq / step)`: the number of candidate ranks.
  public var candidateCount: Int { max(0, equivalentRank / step) }

  /// The candidate ranks in increasing order.
  public var candidates: [Int] { (0..<candidateCount).map { ($0 + 1) * step } }

  /// Runs the search.
  ///
  /// - Parameters:
  ///   - evaluate: the criterion at a rank (may throw, e.g. on cancellation).
  ///   - passes: whether a criterion value meets the tolerance.
  /// - Returns: the smallest passing rank (nil: leave the layer dense), the
  ///   number of evaluations, and every `(rank, value)` visited, by rank.
  public func search(
    evaluate: (Int) throws -> Double, passes: (Double) -> Bool
  ) rethrows -> RankSearchResult {
    try search(evaluate: { CriterionEvaluation(value: try evaluate($0)) }, passes: passes)
  }

  /// Runs the search with an evaluation that may stop early.
  ///
  /// An evaluation marked not `exact` stopped as soon as it knew that its
  /// value fails (its `value` is then a bound that already fails); the
  /// search counts it as an early exit and moves on exactly as it would
  /// have with the full value, so the answer is the same.
  public func search(
    evaluate: (Int) throws -> CriterionEvaluation, passes: (Double) -> Bool
  ) rethrows -> RankSearchResult {
    try search(evaluate: evaluate, passes: passes, guide: nil)
  }

  /// Runs the search, probing where `guide` predicts the answer to be
  /// (certify-then-bisect) instead of at the middle of the bracket.
  ///
  /// The bracket invariant is the bisection's — the lower end fails, the
  /// upper end passes (or is `J`, dense) — and the search ends, as bisection
  /// does, when the two are adjacent; only the order of the probes differs.
  /// A prediction that is right costs two evaluations: the predicted rank
  /// (it passes) and the one a step below (it fails), which certify the
  /// answer. So on a monotone criterion the answer is the bisection's, the
  /// smallest passing rank. Two safeguards bound the cost of poor
  /// predictions: when `guide.creepingLimit` guided probes in a row land on
  /// the same side (the prediction creeping towards the answer a step at a
  /// time), the next probe is the bracket's middle; and after
  /// `guide.maxProbes` guided probes the search falls back to plain
  /// bisection inside the bracket left, so it never spends more than
  /// `maxProbes + ceil(log2 J)`.
  ///
  /// - Parameter guide: nil searches by plain bisection.
  public func search(
    evaluate: (Int) throws -> CriterionEvaluation, passes: (Double) -> Bool,
    guide: RankSearchGuide?
  ) rethrows -> RankSearchResult {
    var lo = 0
    var hi = candidateCount
    var visited: [(rank: Int, value: Double)] = []
    var exactPoints: [(index: Int, value: Double)] = []
    var earlyExits: [Int] = []
    var guidedProbes = 0
    var fellBack = false
    // The outcomes (passed or not) of the probes in a row that were guided.
    var guidedOutcomes: [Bool] = []
    while hi - lo > 1 {
      var probe = (lo + hi) / 2
      var guided = false
      if let guide {
        let limit = max(1, guide.creepingLimit)
        let creeping =
          guidedOutcomes.count >= limit
          && guidedOutcomes.suffix(limit).allSatisfy { $0 == guidedOutcomes.last! }
          && hi - lo > 2
        if guidedProbes >= guide.maxProbes {
          fellBack = true
        } else if !creeping,
          let p = guide.predictedIndex(lo: lo, hi: hi, points: exactPoints, passes: passes)
        {
          // The predicted smallest passing index: probe it, or, when the
          // bracket already ends there, the index below it, which must fail.
          probe = min(max(p, lo + 1), hi - 1)
          guidedProbes += 1
          guided = true
        }
      }
      let e = try evaluate(probe * step)
      visited.append((probe * step, e.value))
      if e.exact {
        exactPoints.append((probe, e.value))
      } else {
        precondition(!passes(e.value), "an early exit must prove that the candidate fails")
        earlyExits.append(probe * step)
      }
      if passes(e.value) { hi = probe } else { lo = probe }
      if guided { guidedOutcomes.append(passes(e.value)) } else { guidedOutcomes = [] }
    }
    let rank: Int? = (hi >= candidateCount) ? nil : hi * step
    var result = RankSearchResult(
      rank: rank, evaluations: visited.count,
      curve: visited.sorted { $0.rank < $1.rank }, earlyExitRanks: earlyExits.sorted())
    result.guidedProbes = guidedProbes
    result.fellBack = fellBack
    result.exactPoints = exactPoints
    return result
  }
}

/// A power law `f ≈ e^c · g^α` between a layer's criterion `f` and its
/// closed form `g`: what a search ends with, and what the next layer of the
/// same kind starts from.
public struct GuidePrior: Sendable, Equatable {
  /// α, the slope of `log f` against `log g`.
  public var slope: Double
  /// c, the intercept.
  public var intercept: Double

  public init(slope: Double, intercept: Double) {
    self.slope = slope
    self.intercept = intercept
  }

  /// `f = s · g`: slope 1, the scale `s`.
  public init(scale: Double) {
    self.init(slope: 1, intercept: log(scale))
  }
}

/// Where to probe first: a closed-form curve of the layer (for the
/// end-feature errors, the relative whitened error `Σ_{i>k} σ_i² / Σ σ_i²`)
/// mapped to the criterion by a power law read off the points evaluated so
/// far.
///
/// Model: `log f(j) ≈ c + α log g(j)` at candidate index `j`. Between two
/// evaluated points, `log f` is interpolated linearly in `log g` (α and c
/// from the two); beyond them, the nearest pair's slope is held (within
/// `slopeRange`), anchored at the nearest point; with one point, the slope
/// is the prior's (1 without one). Before any evaluation, `prior` (the
/// power law another layer of the same kind ended with) predicts; without
/// it the first probe is the bisection's. On MiniLM's 36 layers the
/// end-feature error follows `g^α` with α from 0.72 to 1.68 (0.75–0.93 for
/// the feed-forward layers, residuals below 6 % in `f`), which a fixed scale
/// (α = 1) misses by several steps on the wide layers. The prediction only
/// orders the probes: `RankBisection` certifies every answer by evaluation.
public struct RankSearchGuide: Sendable {
  /// `g` at every candidate index `0…J` (index `j` is rank `j · step`).
  public var closedForm: [Double]
  /// The power law to predict with before the layer's first evaluation.
  public var prior: GuidePrior?
  /// Guided probes before plain bisection takes over.
  public var maxProbes: Int
  /// Guided probes in a row on the same side before one bisection step.
  public var creepingLimit: Int = 3
  /// The slopes a fit or an extrapolation may take.
  public static let slopeRange = 0.5...2.0

  public init(closedForm: [Double], prior: GuidePrior? = nil, maxProbes: Int = 6) {
    self.closedForm = closedForm
    self.prior = prior
    self.maxProbes = max(0, maxProbes)
  }

  /// A guide whose prior is a constant scale `f = s · g`.
  public init(closedForm: [Double], priorScale: Double?, maxProbes: Int = 6) {
    self.init(
      closedForm: closedForm, prior: priorScale.map { GuidePrior(scale: $0) },
      maxProbes: maxProbes)
  }

  /// `(log g, log f)` of an evaluated point, when both are positive and
  /// finite.
  func logPoint(index: Int, value: Double) -> (x: Double, y: Double)? {
    guard index >= 0, index < closedForm.count else { return nil }
    let g = closedForm[index]
    guard g > 0, value > 0, g.isFinite, value.isFinite else { return nil }
    return (log(g), log(value))
  }

  /// The usable points (`logPoint`) as `(index, log g, log f)`, by index.
  func logPoints(_ points: [(index: Int, value: Double)]) -> [(index: Int, x: Double, y: Double)] {
    points.compactMap { p in
      logPoint(index: p.index, value: p.value).map { (index: p.index, x: $0.x, y: $0.y) }
    }
    .sorted { $0.index < $1.index }
  }

  /// The prior's slope within `slopeRange`, or 1 without a prior.
  var priorSlope: Double { prior.map { Self.clampedSlope($0.slope) } ?? 1 }

  /// The predicted `log f` at index `j` from the points (sorted by index),
  /// or nil with nothing to predict from; `-inf` where `g` is 0.
  func predictedLogValue(at j: Int, _ points: [(index: Int, x: Double, y: Double)]) -> Double? {
    guard j >= 0, j < closedForm.count else { return nil }
    let g = closedForm[j]
    guard g.isFinite, g >= 0 else { return nil }
    let x = g > 0 ? log(g) : -Double.infinity
    guard let first = points.first, let last = points.last else {
      guard let prior else { return nil }
      return x == -.infinity ? x : prior.intercept + priorSlope * x
    }
    if x == -.infinity { return x }
    if points.count == 1 { return first.y + priorSlope * (x - first.x) }
    let p: (index: Int, x: Double, y: Double)
    let q: (index: Int, x: Double, y: Double)
    let inside: Bool
    if j <= first.index {
      (p, q, inside) = (points[0], points[1], false)
    } else if j >= last.index {
      (p, q, inside) = (points[points.count - 2], last, false)
    } else {
      let upper = points.firstIndex { $0.index >= j }!
      (p, q, inside) = (points[upper - 1], points[upper], true)
    }
    var slope = q.x != p.x ? (q.y - p.y) / (q.x - p.x) : priorSlope
    if !inside || !slope.isFinite { slope = Self.clampedSlope(slope.isFinite ? slope : 1) }
    let anchor = abs(j - p.index) <= abs(j - q.index) ? p : q
    return anchor.y + slope * (x - anchor.x)
  }

  /// The smallest index in `lo + 1 … hi` whose predicted value passes
  /// (`hi` when none below it does), or nil with nothing to predict from.
  public func predictedIndex(
    lo: Int, hi: Int, points: [(index: Int, value: Double)], passes: (Double) -> Bool
  ) -> Int? {
    let logs = logPoints(points)
    if logs.isEmpty && prior == nil { return nil }
    guard lo + 1 < hi else { return hi }
    for j in (lo + 1)..<hi {
      guard let y = predictedLogValue(at: j, logs) else { break }
      if passes(exp(y)) { return j }
    }
    return hi
  }

  /// The power law a finished search hands to the next layer of its kind.
  ///
  /// The least-squares slope of `log f` on `log g` over the exact points
  /// (within `slopeRange`; the prior's, or 1, with fewer than two), through
  /// the exact point nearest index `answer`. Nil without an exact point.
  public func fittedPrior(points: [(index: Int, value: Double)], answer: Int) -> GuidePrior? {
    let logs = logPoints(points)
    guard !logs.isEmpty else { return nil }
    var slope = priorSlope
    if logs.count >= 2 {
      let n = Double(logs.count)
      let mx = logs.reduce(0) { $0 + $1.x } / n
      let my = logs.reduce(0) { $0 + $1.y } / n
      let sxx = logs.reduce(0) { $0 + ($1.x - mx) * ($1.x - mx) }
      let sxy = logs.reduce(0) { $0 + ($1.x - mx) * ($1.y - my) }
      if sxx > 0, (sxy / sxx).isFinite { slope = Self.clampedSlope(sxy / sxx) }
    }
    let anchor = logs.min { abs($0.index - answer) < abs($1.index - answer) }!
    return GuidePrior(slope: slope, intercept: anchor.y - slope * anchor.x)
  }

  static func clampedSlope(_ s: Double) -> Double {
    min(max(s, slopeRange.lowerBound), slopeRange.upperBound)
  }
}

/// One evaluation of a criterion: its value, or, when it stopped early, a
/// bound on it that already fails the tolerance.
public struct CriterionEvaluation: Sendable, Equatable {
  /// The value (`exact`), or a bound that fails the tolerance.
  public var value: Double
  /// False when the evaluation stopped as soon as the candidate was known
  /// to fail.
  public var exact: Bool

  public init(value: Double, exact: Bool = true) {
    self.value = value
    self.exact = exact
  }
}

/// What a rank search found.
public struct RankSearchResult: Sendable {
  /// The smallest passing rank, or nil when the layer stays dense.
  public var rank: Int?
  /// How many times the criterion was evaluated.
  public var evaluations: Int
  /// Every `(rank, value)` the search visited, sorted by rank; at an early
  /// exit the value is the failing bound the evaluation stopped at.
  public var curve: [(rank: Int, value: Double)]
  /// The ranks whose evaluation stopped early (a subset of the curve's).
  public var earlyExitRanks: [Int]
  /// Batch forward passes this search spent, in full-pass equivalents (a
  /// run of the part after the layer counts the fraction of blocks it ran);
  /// 0 for the closed-form criteria.
  public var forwardPasses: Double

  public init(
    rank: Int?, evaluations: Int, curve: [(rank: Int, value: Double)],
    earlyExitRanks: [Int] = [], forwardPasses: Double = 0
  ) {
    self.rank = rank
    self.evaluations = evaluations
    self.curve = curve
    self.earlyExitRanks = earlyExitRanks
    self.forwardPasses = forwardPasses
  }

  /// How many evaluations stopped early.
  public var earlyExits: Int { earlyExitRanks.count }
  /// Probes placed by a `RankSearchGuide` (0 for plain bisection).
  public var guidedProbes: Int = 0
  /// Whether a guided search used up its guided probes and finished by
  /// plain bisection.
  public var fellBack: Bool = false
  /// The exact evaluations by candidate index (`rank / step`), in the order
  /// they ran: what a guide fits its power law to.
  public var exactPoints: [(index: Int, value: Double)] = []
}

/// A violation of monotonicity found in a criterion sweep.
public struct MonotonicityViolation: Sendable, Equatable {
  /// The smaller rank.
  public var lowerRank: Int
  /// The larger rank, whose value is worse than at `lowerRank`.
  public var higherRank: Int
  public var lowerValue: Double
  public var higherValue: Double
}

/// The places where a sweep `(rank, value)` sorted by rank is not monotone.
///
/// For an error criterion (`decreasing: true`) the value must not grow with
/// the rank; for a similarity it must not shrink. Values within `tolerance`
/// (relative to the larger magnitude) count as equal, so rounding noise in
/// a flat tail is not reported.
public func monotonicityViolations(
  _ curve: [(rank: Int, value: Double)], decreasing: Bool,
  tolerance: Double = 1e-9
) -> [MonotonicityViolation] {
  var out: [MonotonicityViolation] = []
  for (a, b) in zip(curve, curve.dropFirst()) {
    let scale = max(abs(a.value), abs(b.value), .leastNormalMagnitude)
    let worse = decreasing ? b.value - a.value : a.value - b.value
    if worse > tolerance * scale {
      out.append(
        MonotonicityViolation(
          lowerRank: a.rank, higherRank: b.rank, lowerValue: a.value, higherValue: b.value))
    }
  }
  return out
}
