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
  /// predictions: when two guided probes in a row land on the same side
  /// (the prediction creeping towards the answer one step at a time), the
  /// next probe is the bracket's middle; and after `guide.maxProbes` guided
  /// probes the search falls back to plain bisection inside the bracket
  /// left, so it never spends more than `maxProbes + ceil(log2 J)`.
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
        let creeping =
          guidedOutcomes.count >= 2
          && guidedOutcomes.suffix(2).allSatisfy { $0 == guidedOutcomes.last! }
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
    return result
  }
}

/// Where to probe first: a closed-form curve of the layer (for the
/// end-feature errors, the relative whitened error `Σ_{i>k} σ_i² / Σ σ_i²`)
/// scaled to the criterion by the points evaluated so far.
///
/// Model: `f(j) ≈ s(j) · g(j)` at candidate index `j`, where `g` is the
/// closed form and the scale `s` is read off the exact evaluations — one
/// point gives a constant scale, two or more a scale interpolated linearly
/// in `log s` between the neighbouring points and held constant beyond them.
/// Before any evaluation, `priorScale` (the scale another layer of the same
/// kind ended with) is used; without it the first probe is the bisection's.
/// The prediction only orders the probes: `RankBisection` certifies every
/// answer by evaluation.
public struct RankSearchGuide: Sendable {
  /// `g` at every candidate index `0…J` (index `j` is rank `j · step`).
  public var closedForm: [Double]
  /// The scale to predict with before the layer's first evaluation.
  public var priorScale: Double?
  /// Guided probes before plain bisection takes over.
  public var maxProbes: Int

  public init(closedForm: [Double], priorScale: Double? = nil, maxProbes: Int = 6) {
    self.closedForm = closedForm
    self.priorScale = priorScale
    self.maxProbes = max(0, maxProbes)
  }

  /// The scale `f / g` at an evaluated point, when both are positive and
  /// finite.
  public func scale(index: Int, value: Double) -> Double? {
    guard index >= 0, index < closedForm.count else { return nil }
    let g = closedForm[index]
    let s = value / g
    return g > 0 && s.isFinite && s > 0 ? s : nil
  }

  /// The smallest index in `lo + 1 … hi` whose predicted value passes
  /// (`hi` when none below it does), or nil with nothing to predict from.
  public func predictedIndex(
    lo: Int, hi: Int, points: [(index: Int, value: Double)], passes: (Double) -> Bool
  ) -> Int? {
    let scaled = points.compactMap { p in
      scale(index: p.index, value: p.value).map { (p.index, $0) }
    }
    .sorted { $0.0 < $1.0 }
    if scaled.isEmpty && priorScale == nil { return nil }
    guard lo + 1 < hi else { return hi }
    for j in (lo + 1)..<hi {
      guard j < closedForm.count else { break }
      let s = scaled.isEmpty ? priorScale! : Self.interpolatedScale(at: j, scaled)
      if passes(s * closedForm[j]) { return j }
    }
    return hi
  }

  /// `s(j)`: linear in `log s` between the nearest points on either side,
  /// the nearest point's scale beyond the ends.
  static func interpolatedScale(at j: Int, _ points: [(Int, Double)]) -> Double {
    guard let first = points.first, let last = points.last else { return .nan }
    if j <= first.0 { return first.1 }
    if j >= last.0 { return last.1 }
    let upper = points.firstIndex { $0.0 >= j }!
    let (j1, s1) = points[upper - 1]
    let (j2, s2) = points[upper]
    if j2 == j1 { return s2 }
    let t = Double(j - j1) / Double(j2 - j1)
    return exp(log(s1) + t * (log(s2) - log(s1)))
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
