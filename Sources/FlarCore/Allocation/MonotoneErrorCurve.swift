// A layer's error-versus-rank curve, measured at a handful of ranks and
// read at every rank in between.

/// A non-increasing error curve through measured `(rank, error)` points.
///
/// The measured values first become their upper monotone envelope
///
///     ẽ_i = max_{j ≥ i} e_j        (ranks ascending)
///
/// so a measurement that falls below a higher rank's (noise on the search
/// set) is raised, never lowered: no point undershoots what was measured.
/// Between two measured ranks the curve is the straight line through their
/// envelope values: monotone, never below the next measured point and never
/// above the previous one (a cubic spline or PCHIP through the same points
/// can dip below the lower of two neighbouring values, or, being smoother,
/// lie below the chord).
///
/// Why linear, in this direction: a layer's error falls fast at small ranks
/// and flattens towards `k_eq` (convex and decreasing in the rank, as the
/// tail sums of squared singular values behind it are). A chord of a convex
/// function lies above it, so between the measured ranks the interpolated
/// error is an over-estimate: the allocation may leave some accuracy on the
/// table, but it never buys a rank on the promise of an error lower than
/// the layer delivers. Outside the measured ranks the curve is held at the
/// end values; callers measure the smallest and the largest rank they ask
/// about.
///
/// - Note: Checked in `MonotoneErrorCurveTests` (monotone, passes through
///   the envelope, never below a measured point, above a convex curve).
public struct MonotoneErrorCurve: Sendable, Equatable {
  /// The measured points, ranks ascending.
  public let ranks: [Int]
  public let measured: [Double]
  /// The upper monotone envelope of `measured`.
  public let envelope: [Double]

  /// A curve through `points` (any order; a rank measured twice keeps the
  /// larger error).
  ///
  /// - Precondition: at least one point, every error finite.
  public init(points: [(rank: Int, error: Double)]) {
    precondition(!points.isEmpty, "a curve needs at least one point")
    var byRank: [Int: Double] = [:]
    for p in points { byRank[p.rank] = max(byRank[p.rank] ?? -.infinity, p.error) }
    ranks = byRank.keys.sorted()
    measured = ranks.map { byRank[$0]! }
    var env = measured
    if env.count > 1 {
      for i in stride(from: env.count - 2, through: 0, by: -1) {
        env[i] = max(env[i], env[i + 1])
      }
    }
    envelope = env
  }

  /// The interpolated error at `rank`.
  public func value(at rank: Int) -> Double {
    if rank <= ranks[0] { return envelope[0] }
    if rank >= ranks[ranks.count - 1] { return envelope[ranks.count - 1] }
    // The first measured rank above `rank` (binary search).
    var lo = 0
    var hi = ranks.count - 1
    while hi - lo > 1 {
      let mid = (lo + hi) / 2
      if ranks[mid] <= rank { lo = mid } else { hi = mid }
    }
    let t = Double(rank - ranks[lo]) / Double(ranks[hi] - ranks[lo])
    return envelope[lo] + t * (envelope[hi] - envelope[lo])
  }
}
