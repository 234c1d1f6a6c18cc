/// Draws random layer shapes for a latency data set, as FLAR-SVD does, with
/// caps that keep one sample fast on a CPU.
///
/// The paper (supplementary §7; reference-notes §5) draws: batch a power of
/// 2; tokens `t²` with `t ∈ {7, 8, 12, 14, 16, 30, 32}` (+0 or +1 for a class
/// token); width `{96, 128} × 2^p`; out = in × {1, 3, 4} or in = out × 4;
/// rank at 10–100 % of `k_eq` in steps of 5 %, rounded to a multiple of 8.
///
/// Departures, all for CPU time, and their reasons:
/// - batch is `2^b` with `b ∈ 0…5` (1…32), not the GPU's larger batches;
/// - width `{96, 128} × 2^p` with `p ∈ 0…4`, so `96…2048` (and `in` up to
///   8192 in the `in = out × 4` case);
/// - rows `batch · tokens ≤ 8192` and dense FLOPs `2 · rows · in · out ≤
///   2·10⁹` (about 15–30 ms a call here): tokens, width and expansion are
///   drawn first, then the batch uniformly among the powers of 2 that fit;
///   when none fits, the whole draw is repeated. Large widths therefore come
///   with small batches, as they would under a memory budget.
/// - rank = `max(8, 8 · round(f · k_eq / 8))` for `f ∈ {0.10, 0.15, …, 1.00}`.
public struct LatencyShapeSampler: Sendable {
  /// Batch sizes drawn from.
  public var batches = [1, 2, 4, 8, 16, 32]
  /// Token grid sides; tokens are `side²` plus 0 or 1.
  public var tokenSides = [7, 8, 12, 14, 16, 30, 32]
  /// Width bases, multiplied by `2^p` for `p` in `widthPowers`.
  public var widthBases = [96, 128]
  /// Powers of 2 applied to the width bases.
  public var widthPowers = Array(0...4)
  /// Largest `batch · tokens`.
  public var maximumRows = 8192
  /// Largest dense FLOP count `2 · rows · in · out`.
  public var maximumDenseFlops = 2_000_000_000.0
  /// Rank fractions of `k_eq`.
  public var rankFractions = stride(from: 10, through: 100, by: 5).map { Double($0) / 100 }

  /// The sampler with the caps of the type's discussion.
  public init() {}

  /// The rank `max(multiple, multiple · round(fraction · k_eq / multiple))`.
  public static func rank(fraction: Double, equalRank: Int, multiple: Int = 8) -> Int {
    let steps = (fraction * Double(equalRank) / Double(multiple)).rounded()
    return Swift.max(multiple, multiple * Int(steps))
  }

  /// Draws one shape from `generator`.
  mutating func next(using generator: inout SplitMix64) -> LatencyShape {
    while true {
      let side = tokenSides.randomElement(using: &generator)!
      let tokens = side * side + Int.random(in: 0...1, using: &generator)
      let base = widthBases.randomElement(using: &generator)!
      let width = base << widthPowers.randomElement(using: &generator)!
      // Four layer kinds: out = in × 1, 3, 4 (attention, MLP up), in = out × 4
      // (MLP down).
      let (inFeatures, outFeatures): (Int, Int)
      switch Int.random(in: 0..<4, using: &generator) {
      case 0: (inFeatures, outFeatures) = (width, width)
      case 1: (inFeatures, outFeatures) = (width, 3 * width)
      case 2: (inFeatures, outFeatures) = (width, 4 * width)
      default: (inFeatures, outFeatures) = (4 * width, width)
      }
      let fitting = batches.filter { b in
        let rows = b * tokens
        return rows <= maximumRows
          && 2 * Double(rows) * Double(inFeatures) * Double(outFeatures) <= maximumDenseFlops
      }
      guard let batch = fitting.randomElement(using: &generator) else { continue }
      var shape = LatencyShape(
        batch: batch, tokens: tokens, inFeatures: inFeatures, outFeatures: outFeatures, rank: 1)
      let fraction = rankFractions.randomElement(using: &generator)!
      shape.rank = Self.rank(fraction: fraction, equalRank: shape.equalRank)
      return shape
    }
  }

  /// `count` shapes from the seeded generator: the same seed, the same list.
  public func shapes(count: Int, seed: UInt64) -> [LatencyShape] {
    var generator = SplitMix64(seed: seed)
    var sampler = self
    return (0..<count).map { _ in sampler.next(using: &generator) }
  }
}
