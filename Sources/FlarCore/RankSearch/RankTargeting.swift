/// What a compression target counts.
public enum TargetMeasure: String, Sendable, CaseIterable {
  /// Parameters of the compressed linear layers.
  case params
  /// Multiply-accumulates per token of the compressed linear layers.
  case flops
}

/// One linear layer as rank targeting sees it: its shape and a rank.
public struct LayerBudget: Sendable, Equatable {
  public var name: String
  /// Output features `m`.
  public var rows: Int
  /// Input features `n`.
  public var columns: Int
  /// The rank chosen so far; nil means dense.
  public var rank: Int?

  public init(name: String, rows: Int, columns: Int, rank: Int?) {
    self.name = name
    self.rows = rows
    self.columns = columns
    self.rank = rank
  }

  /// `m n` dense, `k (m + n)` for a rank-`k` pair (bias excluded: it is
  /// kept either way).
  ///
  /// Per token, FLOPs are proportional to the same counts
  /// (one multiply-add per weight), so both measures share this cost.
  public var cost: Int {
    guard let k = rank else { return rows * columns }
    return k * (rows + columns)
  }

  /// Dense cost `m n`.
  public var denseCost: Int { rows * columns }
}

/// What the ratio correction does with a layer the search left dense.
public enum DenseLayerHandling: String, Sendable, CaseIterable {
  /// It stays dense; only the low-rank layers are rescaled. The reference
  /// code's behaviour (its rank map marks such a layer −1): the search found
  /// that no rank below `k_eq` meets the tolerance.
  case keep
  /// It enters the rescaling with `r_i = k_eq` like any other layer, so a
  /// factor below 1 can make it low-rank. The uniform methods need this:
  /// every layer starts dense there.
  case rescale
}

/// Ratio correction: rescale searched ranks by one common factor so the
/// total meets a budget.
///
/// Goals, in order: (1) the total never exceeds the budget; (2) it is as
/// close to it as one rank step per layer allows; (3) the relative sizes
/// the search chose between layers are kept.
///
/// The reference code multiplies the ranks by one linear factor
/// `budget / total`, which does not guarantee the target (its log prints
/// the miss; reference-notes.md §8). Here the factor `c` is found by
/// bisection on the monotone total cost: each rescaled layer gets
/// `floor(c · r_i / step) · step` (dense when that reaches its equivalent
/// rank), and the largest `c` whose total fits is kept. Raising `c` any
/// further moves some layer up by one step and breaks the budget, hence "to
/// within one rank step per layer". With `dense: .keep` (the reference's
/// behaviour) a layer that enters dense stays dense and only the others are
/// rescaled; with `.rescale` it enters with `r_i = k_eq`.
///
/// - Parameters:
///   - layers: the layers with their searched ranks (nil: dense).
///   - budget: the largest allowed total cost (see `LayerBudget.cost`).
///   - step: the rank granularity.
///   - dense: what happens to the layers that enter dense.
/// - Returns: the layers with corrected ranks; ranks below `step` stay at
///   `step` (a layer is never removed), so an unreachable budget returns
///   the smallest configuration and the caller reports the miss.
public func correctRanks(
  _ layers: [LayerBudget], budget: Int, step: Int = 8, dense: DenseLayerHandling = .rescale
) -> [LayerBudget] {
  let fixed = layers.map { dense == .keep && $0.rank == nil }
  func assign(_ c: Double) -> [LayerBudget] {
    zip(layers, fixed).map { layer, isFixed in
      if isFixed { return layer }
      var out = layer
      let keq = equivalentRank(outputs: layer.rows, inputs: layer.columns)
      let base = Double(layer.rank ?? keq)
      let k = max(step, Int((c * base) / Double(step)) * step)
      out.rank = k >= keq ? nil : k
      return out
    }
  }
  func total(_ ls: [LayerBudget]) -> Int { ls.reduce(0) { $0 + $1.cost } }

  var lo = 0.0
  var hi = 1.0
  // Grow the upper bound until it breaks the budget (or everything is dense).
  while total(assign(hi)) <= budget {
    if assign(hi).allSatisfy({ $0.rank == nil }) { return assign(hi) }
    lo = hi
    hi *= 2
  }
  // 60 halvings resolve c far below one rank step of any real layer.
  for _ in 0..<60 {
    let mid = (lo + hi) / 2
    if total(assign(mid)) <= budget { lo = mid } else { hi = mid }
  }
  return assign(lo)
}
