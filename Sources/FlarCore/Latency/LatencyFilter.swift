/// The latency filter of FLAR-SVD: keep a layer low-rank only where the
/// pair is predicted faster than the dense layer, trying a few smaller ranks
/// first.
///
/// A rank `k` pays off when the predicted recovery ratio satisfies
/// `0 < Y(k) < 1` (the reference drops `Y ≥ 1`, not faster, and `Y ≤ 0`,
/// outside what the ratio can mean). Departure from the reference
/// (reference-notes §8): the reference sends a layer that does not pay off
/// straight back to dense; flar first tries the nearest smaller multiples of
/// 8 below the candidate (`k = 100` → 96, 88, 80, …), at most
/// `maximumLowerings` of them and never below 8, and reports every decision
/// with the ratios it saw. Priorities, in order: never keep a pair predicted
/// slower; stay close to the rank the search chose (a lowered rank costs
/// accuracy the search did not approve, hence the small default of 4 steps,
/// 32 rank units at most); say why.
///
/// - Note: Checked in `LatencyFilterTests` with a scripted ratio model.
public struct LatencyFilter: Sendable {
  /// The ratio model (a trained `LatencyPredictor`, or any other).
  public let predictor: any LatencyRatioPredicting
  /// The most smaller ranks tried before giving up on a layer.
  public var maximumLowerings: Int
  /// The rank step, and the alignment of lowered ranks.
  public var multiple: Int

  /// A filter over `predictor`.
  public init(predictor: any LatencyRatioPredicting, maximumLowerings: Int = 4, multiple: Int = 8) {
    precondition(maximumLowerings >= 0 && multiple >= 1, "latency filter settings")
    self.predictor = predictor
    self.maximumLowerings = maximumLowerings
    self.multiple = multiple
  }

  /// Rounds `rank` down to a multiple of `multiple`, at least `multiple`:
  /// the hardware-aligned rank (GEMM kernels work in blocks of 8 or 16
  /// floats, so a rank of 100 costs what 104 does).
  public static func alignedRank(_ rank: Int, multiple: Int = 8) -> Int {
    Swift.max(multiple, rank / multiple * multiple)
  }

  /// Decides the rank of one layer.
  ///
  /// - Parameter shape: the layer at its real call (batch and tokens of the
  ///   runtime's call) with the candidate rank.
  /// - Returns: the decision, with every rank tried and its ratio.
  public func decide(_ shape: LatencyShape) -> LatencyDecision {
    var trials: [LatencyDecision.Trial] = []
    var rank = shape.rank
    while true {
      var tried = shape
      tried.rank = rank
      let y = predictor.predictedRatio(tried)
      trials.append(.init(rank: rank, ratio: y))
      if y > 0 && y < 1 {
        return LatencyDecision(
          shape: shape, outcome: .lowRank(rank: rank),
          reason: rank == shape.rank ? .paysOff : .paysOffAtLowerRank, trials: trials)
      }
      // The nearest multiple of `multiple` strictly below `rank`.
      let lower = (rank - 1) / multiple * multiple
      if trials.count > maximumLowerings || lower < multiple {
        let reason: LatencyDecision.Reason = y >= 1 ? .notFaster : .ratioOutOfRange
        return LatencyDecision(shape: shape, outcome: .dense, reason: reason, trials: trials)
      }
      rank = lower
    }
  }

  /// `decide` on the shape given by its dimensions.
  public func decide(batch: Int, tokens: Int, in inFeatures: Int, out outFeatures: Int, rank: Int)
    throws -> LatencyDecision
  {
    try decide(
      LatencyShape(
        batch: batch, tokens: tokens, inFeatures: inFeatures, outFeatures: outFeatures, rank: rank
      ).validated())
  }
}

/// The latency filter's decision for one layer, with its reason.
public struct LatencyDecision: Sendable, Equatable, CustomStringConvertible {
  /// Low-rank at a rank, or dense.
  public enum Outcome: Sendable, Equatable {
    case lowRank(rank: Int)
    case dense
  }
  /// Why.
  public enum Reason: Sendable, Equatable {
    /// The candidate rank is predicted faster than dense (`0 < Y < 1`).
    case paysOff
    /// The candidate was not, a smaller rank is.
    case paysOffAtLowerRank
    /// No rank tried is faster: the last ratio was `Y ≥ 1` (or `+∞`).
    case notFaster
    /// The last ratio was `Y ≤ 0` or NaN, outside what the ratio can mean.
    case ratioOutOfRange
  }
  /// One rank tried and its predicted ratio.
  public struct Trial: Sendable, Equatable {
    public let rank: Int
    public let ratio: Double
  }

  /// The layer, with the candidate rank.
  public let shape: LatencyShape
  public let outcome: Outcome
  public let reason: Reason
  /// Ranks in the order tried, the candidate first.
  public let trials: [Trial]

  /// The rank kept, or nil for dense.
  public var rank: Int? {
    if case .lowRank(let k) = outcome { return k }
    return nil
  }

  public var description: String {
    let seen = trials.map { "Y(\($0.rank)) = \(($0.ratio * 1000).rounded() / 1000)" }
      .joined(separator: ", ")
    switch reason {
    case .paysOff: return "rank \(shape.rank) kept: \(seen)"
    case .paysOffAtLowerRank: return "rank \(shape.rank) lowered to \(rank!): \(seen)"
    case .notFaster: return "rank \(shape.rank) left dense, no rank tried is faster: \(seen)"
    case .ratioOutOfRange: return "rank \(shape.rank) left dense, ratio out of (0, 1): \(seen)"
    }
  }
}
