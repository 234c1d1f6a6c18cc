// The Lagrangian relaxation of the multiple-choice knapsack: price the
// budget with a multiplier λ ≥ 0 and let every group choose alone. Cheap
// (no table), exact on the lower convex hull of each group, and it bounds
// the optimum from below, so the gap to its own feasible answer says how
// good that answer is.

/// What the Lagrangian relaxation found.
public struct LagrangianSolution: Sendable, Equatable {
  /// A feasible choice: the relaxation's at the smallest feasible λ found,
  /// then improved greedily with the budget left.
  public var primal: KnapsackSolution
  /// The multiplier whose relaxed choice `primal` started from.
  public var multiplier: Double
  /// The best lower bound on the optimum error seen,
  /// `max_λ Σ_g min_j (e_gj + λ c_gj) − λ B`.
  public var dualBound: Double
  /// `primal.error − dualBound` (≥ 0): the optimum lies within it.
  public var gap: Double { primal.error - dualBound }
}

extension MultipleChoiceKnapsack {
  /// Each group's choice minimising `e + λ c` (ties: the cheaper), and the
  /// dual function `D(λ) = Σ_g min_j (e_gj + λ c_gj) − λ B`.
  func relaxed(_ lambda: Double, budget: Double) -> (choices: [Int], dual: Double) {
    var dual = -lambda * budget
    let choices = groups.map { options -> Int in
      var best = 0
      for j in options.indices.dropFirst() {
        let a = options[j].error + lambda * options[j].cost
        let b = options[best].error + lambda * options[best].cost
        if a < b || (a == b && options[j].cost < options[best].cost) { best = j }
      }
      dual += options[best].error + lambda * options[best].cost
      return best
    }
    return (choices, dual)
  }

  /// The Lagrangian relaxation: bisection on λ for the smallest multiplier
  /// whose relaxed choice fits the budget, and the duality gap.
  ///
  /// By weak duality every `D(λ)` is a lower bound on the optimum error:
  /// for the optimal choice `x*`, `D(λ) ≤ Σ e(x*) + λ (Σ c(x*) − B) ≤ Σ e(x*)`.
  /// The relaxed cost is non-increasing in λ, so bisection finds the
  /// crossing; the feasible side's choice is then filled greedily (the
  /// upgrade with the largest error drop per unit of cost that still fits,
  /// repeated), which only lowers its error.
  ///
  /// - Throws: `KnapsackError.infeasible` when the cheapest choice exceeds
  ///   the budget.
  public func lagrangian(budget: Double) throws -> LagrangianSolution {
    let range = costRange
    guard budget.isFinite, budget >= range.lowerBound else {
      throw KnapsackError.infeasible(budget: budget, reachable: range)
    }
    var bound = -Double.infinity
    func at(_ lambda: Double) -> KnapsackSolution {
      let r = relaxed(lambda, budget: budget)
      bound = max(bound, r.dual)
      return solution(r.choices)
    }
    var lo = 0.0
    var best = at(0)
    if best.cost > budget {
      // Grow λ until the relaxed choice fits; it does once λ exceeds every
      // error difference over every cost difference.
      var hi = 1.0
      var fitting = at(hi)
      while fitting.cost > budget && hi < 1e300 {
        lo = hi
        hi *= 2
        fitting = at(hi)
      }
      for _ in 0..<200 {
        let mid = (lo + hi) / 2
        if mid == lo || mid == hi { break }
        let s = at(mid)
        if s.cost <= budget {
          hi = mid
          fitting = s
        } else {
          lo = mid
        }
      }
      best = fitting
      lo = hi
    }
    let filled = greedyFill(best, budget: budget)
    return LagrangianSolution(primal: filled, multiplier: lo, dualBound: bound)
  }

  /// Upgrades a feasible choice while the budget allows, best error drop per
  /// unit of extra cost first.
  func greedyFill(_ start: KnapsackSolution, budget: Double) -> KnapsackSolution {
    var s = start
    while true {
      var pick: (g: Int, j: Int, rate: Double)? = nil
      for (g, options) in groups.enumerated() {
        let now = options[s.choices[g]]
        for (j, o) in options.enumerated() where o.error < now.error {
          let extra = o.cost - now.cost
          guard s.cost + extra <= budget else { continue }
          let rate = extra <= 0 ? Double.infinity : (now.error - o.error) / extra
          if pick == nil || rate > pick!.rate { pick = (g, j, rate) }
        }
      }
      guard let p = pick else { return s }
      s.choices[p.g] = p.j
      s = solution(s.choices)
    }
  }
}
