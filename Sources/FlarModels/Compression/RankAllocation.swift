// Rank allocation as an axis of its own, independent of the factorisation
// (the reference code's `--search_method` beside `--svd_method`).

import FlarCore

/// How `compress` chooses one rank per layer.
public enum AllocationMethod: String, Sendable, CaseIterable {
  /// The same fraction of every layer's equivalent rank, corrected to the
  /// target (the default of every method but flar).
  case uniform
  /// ASVD's sensitivity search: each layer alone at 0.4…0.9 of its
  /// equivalent rank, the list sorted by sensitivity, a cut in it.
  case asvd
  /// FLAR-SVD's threshold and bisection, then one common rescaling (the
  /// default of method flar).
  case flar
  /// The multiple-choice knapsack over measured per-layer error curves: the
  /// least summed error within a parameter, FLOP or latency budget.
  case global

  /// The allocation a method uses when none is named.
  public static func defaultFor(_ method: CompressionMethod) -> AllocationMethod {
    method == .flar ? .flar : .uniform
  }
}

/// What a global allocation's budget counts.
public enum AllocationMeasure: String, Sendable, CaseIterable {
  /// Parameters of the compressed linear layers (integer costs: exact).
  case params
  /// Multiply-adds per token (integer costs: exact).
  case flops
  /// The latency predictor's milliseconds per layer call (discretised).
  case latency
}

/// One layer of an allocation: its measured curve and the point chosen.
public struct AllocatedLayer: Sendable {
  public var name: String
  /// The `(rank, error)` points measured with only this layer compressed.
  public var measured: [(rank: Int, value: Double)]
  /// The rank chosen (nil: dense).
  public var rank: Int?
  /// The interpolated error and the cost of the chosen point.
  public var error: Double
  public var cost: Double
  /// The layer's dense cost.
  public var denseCost: Double
  /// `m + n`: a rank-k pair costs `k (m + n)` weights.
  public var sidesSum: Double
  /// Ranks dropped because the predictor says they are not faster than
  /// dense (latency budgets).
  public var slowerThanDense: [Int] = []
}

/// One entry of ASVD's sensitivity list.
public struct SensitivityEntry: Sendable, Equatable {
  public var layer: String
  /// Fraction of the layer's equivalent rank.
  public var ratio: Double
  public var rank: Int
  /// The criterion with only this layer at this rank.
  public var value: Double
}

/// What an allocation stage decided and what it cost.
public struct AllocationReport: Sendable {
  public var method: AllocationMethod
  public var measure: AllocationMeasure
  /// The budget, the cost of every layer dense and the cheapest reachable
  /// total, in the measure's units (weights, multiply-adds per token,
  /// milliseconds).
  public var budget: Double
  public var denseCost: Double
  public var minimumCost: Double
  public var layers: [AllocatedLayer]
  /// The summed per-layer (each alone) errors and costs of the choice.
  public var predictedError: Double
  public var predictedCost: Double
  /// The criterion of the whole compressed model on the search set (every
  /// chosen layer compressed at once), measured after the choice.
  public var measuredError: Double?
  /// global: the Lagrangian relaxation's lower bound on the summed error,
  /// and its own feasible answer's error (the gap is their difference).
  public var dualBound: Double?
  public var lagrangianError: Double?
  /// global: the discretisation unit of the exact solver.
  public var unit: Double?
  /// global: the least summed error at every budget on the same curves
  /// (the Pareto front of the knapsack), as (fraction of dense, error).
  public var front: [(fraction: Double, error: Double)] = []
  /// A cost `c` is the fraction `(c + offset) / total` of the dense
  /// model's measure.
  public var fractionTotal: Double = 1
  public var fractionOffset: Double = 0
  /// asvd: the sorted sensitivity list and the cut taken in it.
  public var sensitivity: [SensitivityEntry] = []
  public var cut: Int?
  /// Criterion evaluations, and batch forward passes in full-pass
  /// equivalents (the dense reference and the measured total included).
  public var evaluations: Int
  public var forwardPasses: Double
}

extension AllocationReport {
  /// The fraction of the dense model's measure that a cost is.
  public func fraction(ofCost c: Double) -> Double { (c + fractionOffset) / fractionTotal }

  /// Another choice of ranks (by layer name; nil or missing: dense) on this
  /// allocation's curves: its summed interpolated error and its cost, with
  /// the layers' costs as this allocation counts them (params and FLOP
  /// measures only).
  ///
  /// - Returns: nil for a latency measure, whose costs need the predictor.
  public func evaluate(ranks: [String: Int?]) -> (fraction: Double, error: Double)? {
    guard measure != .latency else { return nil }
    var cost = 0.0
    var error = 0.0
    for l in layers {
      guard let k = ranks[l.name] ?? nil, !l.measured.isEmpty else {
        cost += l.denseCost
        continue
      }
      cost += Double(k) * l.sidesSum
      error += MonotoneErrorCurve(points: l.measured.map { ($0.rank, $0.value) }).value(at: k)
    }
    return (fraction(ofCost: cost), error)
  }
}
