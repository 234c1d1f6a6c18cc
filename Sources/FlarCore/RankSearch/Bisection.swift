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
    var lo = 0
    var hi = candidateCount
    var visited: [(rank: Int, value: Double)] = []
    var earlyExits: [Int] = []
    while hi - lo > 1 {
      let mid = (lo + hi) / 2
      let e = try evaluate(mid * step)
      visited.append((mid * step, e.value))
      if !e.exact {
        precondition(!passes(e.value), "an early exit must prove that the candidate fails")
        earlyExits.append(mid * step)
      }
      if passes(e.value) { hi = mid } else { lo = mid }
    }
    let rank: Int? = (hi >= candidateCount) ? nil : hi * step
    return RankSearchResult(
      rank: rank, evaluations: visited.count,
      curve: visited.sorted { $0.rank < $1.rank }, earlyExitRanks: earlyExits.sorted())
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
