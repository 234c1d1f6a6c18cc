// Rank allocation to a budget as a multiple-choice knapsack: one group per
// layer, one option per rank the layer may take (dense included), each with
// a cost (parameters, FLOPs or predicted milliseconds) and an error (the
// layer's end-feature error at that rank). Exactly one option per group;
// minimise the summed error subject to the summed cost staying within the
// budget.
//
// Goals, in order: (1) the budget is never exceeded, in the true costs,
// whatever the discretisation; (2) the optimum of the discretised problem
// exactly (dynamic programming), which is the true optimum when the costs
// are integer multiples of the unit; (3) the Lagrangian relaxation as a
// cheap second answer with its duality gap, for budgets too fine for the
// table.

/// One choice within a group: what it costs and the error it brings.
public struct KnapsackOption: Sendable, Equatable {
  public var cost: Double
  public var error: Double

  public init(cost: Double, error: Double) {
    self.cost = cost
    self.error = error
  }
}

/// One option per group, with the totals they reach.
public struct KnapsackSolution: Sendable, Equatable {
  /// The index of the chosen option in each group.
  public var choices: [Int]
  /// Summed true cost and error of the choices.
  public var cost: Double
  public var error: Double
}

/// A multiple-choice knapsack problem: groups of options, one to pick from
/// each.
///
///     minimise   Σ_g e_g(x_g)
///     subject to Σ_g c_g(x_g) ≤ B,   x_g ∈ options of group g
///
/// `solve(budget:unit:)` is exact dynamic programming over the budget in
/// whole units: each cost becomes `⌈c / unit⌉` units and the budget
/// `⌊B / unit⌋`. Rounding the costs up and the budget down keeps every
/// answer within the true budget; when every cost and the budget are
/// integer multiples of `unit` (a parameter or FLOP budget, with the unit
/// the greatest common divisor of the costs, `integerUnit`) nothing is
/// rounded and the answer is the exact optimum. For real-valued costs
/// (milliseconds) the unit is `B / resolution`, and each chosen layer may
/// lose up to one unit of budget to the rounding: the answer is feasible
/// and optimal for the rounded costs, and `lagrangian(budget:)` bounds how
/// far from the true optimum it can be.
///
/// Kellerer, H., Pferschy, U. & Pisinger, D. (2004). Knapsack Problems,
/// ch. 11 (the multiple-choice knapsack problem), Springer.
/// DOI 10.1007/978-3-540-24777-7.
///
/// - Note: Checked against brute force in `MultipleChoiceKnapsackTests`.
public struct MultipleChoiceKnapsack: Sendable {
  /// The options of every group.
  public let groups: [[KnapsackOption]]

  /// The largest table `solve` builds: groups × (budget units + 1) cells.
  public static let maximumCells = 60_000_000

  /// Checks that every group has an option and every option a finite,
  /// non-negative cost and a finite error.
  ///
  /// - Throws: `KnapsackError.emptyGroup`, `.invalidOption`.
  public init(groups: [[KnapsackOption]]) throws {
    for (g, options) in groups.enumerated() {
      if options.isEmpty { throw KnapsackError.emptyGroup(group: g) }
      for (j, o) in options.enumerated() where !(o.cost.isFinite && o.cost >= 0) {
        throw KnapsackError.invalidOption(group: g, option: j, what: "cost \(o.cost)")
      }
      for (j, o) in options.enumerated() where !o.error.isFinite {
        throw KnapsackError.invalidOption(group: g, option: j, what: "error \(o.error)")
      }
    }
    self.groups = groups
  }

  /// The smallest and largest total cost a choice can reach.
  public var costRange: ClosedRange<Double> {
    let lo = groups.reduce(0) { $0 + $1.map(\.cost).min()! }
    let hi = groups.reduce(0) { $0 + $1.map(\.cost).max()! }
    return lo...hi
  }

  /// The greatest common divisor of every cost, when every cost is a whole
  /// number (nil otherwise): the unit that makes `solve` exact.
  public var integerUnit: Double? {
    var d = 0
    for options in groups {
      for o in options {
        guard o.cost == o.cost.rounded(), o.cost < 1e15 else { return nil }
        d = gcd(d, Int(o.cost))
      }
    }
    return d > 0 ? Double(d) : nil
  }

  /// The totals of a choice, in the true costs.
  public func solution(_ choices: [Int]) -> KnapsackSolution {
    var cost = 0.0
    var error = 0.0
    for (g, j) in choices.enumerated() {
      cost += groups[g][j].cost
      error += groups[g][j].error
    }
    return KnapsackSolution(choices: choices, cost: cost, error: error)
  }

  /// The least-error choice whose rounded cost fits the budget, by dynamic
  /// programming over the budget in whole units of `unit`.
  ///
  /// `best_g[b]`, the least error of groups `0…g` within `b` units, is
  /// `min_j best_{g−1}[b − u_gj] + e_gj`; the choices are read back from
  /// the table of arg-minima. Ties go to the cheaper option.
  ///
  /// - Throws: `KnapsackError.infeasible` when even the cheapest choice
  ///   exceeds the budget (after rounding), `.tableTooLarge` when the table
  ///   would exceed `maximumCells`, `.invalidUnit` for a unit that is not
  ///   positive and finite.
  public func solve(budget: Double, unit: Double) throws -> KnapsackSolution {
    guard unit.isFinite, unit > 0 else { throw KnapsackError.invalidUnit(unit) }
    let range = costRange
    guard budget.isFinite, budget >= range.lowerBound else {
      throw KnapsackError.infeasible(budget: budget, reachable: range)
    }
    // Costs round up and the budget down: feasible in the true costs.
    let units = groups.map { $0.map { Int(($0.cost / unit * (1 - 1e-12)).rounded(.up)) } }
    let capacity = min(
      Int((budget / unit * (1 + 1e-12)).rounded(.down)),
      units.reduce(0) { $0 + $1.max()! })
    let cells = groups.count * (capacity + 1)
    guard cells <= Self.maximumCells else {
      throw KnapsackError.tableTooLarge(cells: cells, limit: Self.maximumCells)
    }
    let (best, argmin) = table(units: units, capacity: capacity, recordChoices: true)
    guard best[capacity] < .infinity else {
      throw KnapsackError.infeasible(budget: budget, reachable: range)
    }
    var choices = [Int](repeating: 0, count: groups.count)
    var b = capacity
    for g in stride(from: groups.count - 1, through: 0, by: -1) {
      let j = Int(argmin[g * (capacity + 1) + b])
      choices[g] = j
      b -= units[g][j]
    }
    return solution(choices)
  }

  /// The least error within every budget, `⌊c / unit⌋` units at a time,
  /// from the cheapest choice to the dearest: the Pareto front of error
  /// against cost, as `(cost, error)` at each cost where the error falls.
  ///
  /// One table answers every budget (the last row of `solve`'s), so the
  /// front costs what one solution does.
  ///
  /// - Throws: `KnapsackError.invalidUnit`, `.tableTooLarge`.
  public func front(unit: Double) throws -> [(cost: Double, error: Double)] {
    guard unit.isFinite, unit > 0 else { throw KnapsackError.invalidUnit(unit) }
    let units = groups.map { $0.map { Int(($0.cost / unit * (1 - 1e-12)).rounded(.up)) } }
    let capacity = units.reduce(0) { $0 + $1.max()! }
    guard capacity + 1 <= Self.maximumCells else {
      throw KnapsackError.tableTooLarge(cells: capacity + 1, limit: Self.maximumCells)
    }
    let (best, _) = table(units: units, capacity: capacity, recordChoices: false)
    var points: [(cost: Double, error: Double)] = []
    for (b, e) in best.enumerated() where e < (points.last?.error ?? .infinity) {
      points.append((Double(b) * unit, e))
    }
    return points
  }

  /// `best[b]`, the least error of all groups within `b` units, and (when
  /// asked) the arg-minimum of every group at every `b`, row by row.
  private func table(units: [[Int]], capacity: Int, recordChoices: Bool) -> ([Double], [Int32]) {
    var best = [Double](repeating: 0, count: capacity + 1)
    var argmin = [Int32](repeating: -1, count: recordChoices ? groups.count * (capacity + 1) : 0)
    for (g, options) in groups.enumerated() {
      var next = [Double](repeating: .infinity, count: capacity + 1)
      let row = g * (capacity + 1)
      for b in 0...capacity {
        var chosen = -1
        var chosenCost = 0.0
        for (j, o) in options.enumerated() where units[g][j] <= b {
          let e = best[b - units[g][j]] + o.error
          if e < next[b] || (e == next[b] && chosen >= 0 && o.cost < chosenCost) {
            next[b] = e
            chosen = j
            chosenCost = o.cost
          }
        }
        if recordChoices { argmin[row + b] = Int32(chosen) }
      }
      best = next
    }
    return (best, argmin)
  }

  /// Spends what is left of the budget on moves that cost no error: while
  /// some group's next costlier option is no worse and fits, take it.
  ///
  /// An optimum can leave budget unused where the errors tie (a curve held
  /// flat beyond its last measured rank); raising then changes no error and
  /// leaves no group able to move up one option within the budget unless
  /// that move would cost error.
  public func raised(_ start: KnapsackSolution, budget: Double) -> KnapsackSolution {
    var s = start
    var moved = true
    while moved {
      moved = false
      for (g, options) in groups.enumerated() {
        let now = options[s.choices[g]]
        let next = options.indices.filter { options[$0].cost > now.cost }
          .min { options[$0].cost < options[$1].cost }
        guard let j = next, options[j].error <= now.error,
          s.cost - now.cost + options[j].cost <= budget
        else { continue }
        s.choices[g] = j
        s = solution(s.choices)
        moved = true
      }
    }
    return s
  }

  private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}

/// Failures of the knapsack solver.
public enum KnapsackError: Error, Equatable, CustomStringConvertible {
  /// A group with no option to choose.
  case emptyGroup(group: Int)
  /// An option with a negative or non-finite cost, or a non-finite error.
  case invalidOption(group: Int, option: Int, what: String)
  /// The budget is below the cheapest choice (or not finite).
  case infeasible(budget: Double, reachable: ClosedRange<Double>)
  /// The discretisation unit is not positive and finite.
  case invalidUnit(Double)
  /// The budget in units makes a table larger than the solver builds.
  case tableTooLarge(cells: Int, limit: Int)

  public var description: String {
    switch self {
    case .emptyGroup(let g):
      return "knapsack group \(g) has no option to choose"
    case .invalidOption(let g, let j, let what):
      return "knapsack group \(g), option \(j): \(what) (costs must be finite and ≥ 0)"
    case .infeasible(let budget, let r):
      return
        "budget \(budget) cannot be met: the choices reach \(r.lowerBound) to \(r.upperBound)"
    case .invalidUnit(let u):
      return "knapsack unit must be positive and finite, got \(u)"
    case .tableTooLarge(let cells, let limit):
      return
        "the budget needs a table of \(cells) cells, more than \(limit); use a coarser unit"
    }
  }
}
