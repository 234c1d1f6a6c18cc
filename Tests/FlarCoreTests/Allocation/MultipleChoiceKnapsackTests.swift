import Testing

@testable import FlarCore

@Suite struct MultipleChoiceKnapsackTests {
  /// Random groups of 1–4 options with integer costs 0…9 and errors in
  /// [0, 1), 2–5 groups.
  func randomInstance(_ rng: inout SplitMix64) -> [[KnapsackOption]] {
    let groupCount = 2 + Int(rng.next() % 4)
    return (0..<groupCount).map { _ in
      (0..<(1 + Int(rng.next() % 4))).map { _ in
        KnapsackOption(cost: Double(rng.next() % 10), error: rng.nextUnit())
      }
    }
  }

  /// Every combination: the least error within the budget (nil: none fits).
  func bruteForce(_ groups: [[KnapsackOption]], budget: Double) -> Double? {
    var best: Double? = nil
    func visit(_ g: Int, _ cost: Double, _ error: Double) {
      if g == groups.count {
        if cost <= budget, best == nil || error < best! { best = error }
        return
      }
      for o in groups[g] { visit(g + 1, cost + o.cost, error + o.error) }
    }
    visit(0, 0, 0)
    return best
  }

  @Test func dynamicProgrammingMatchesBruteForceOnRandomInstances() throws {
    var rng = SplitMix64(seed: 18)
    var solved = 0
    for trial in 0..<400 {
      let groups = randomInstance(&rng)
      let k = try MultipleChoiceKnapsack(groups: groups)
      let budget = Double(rng.next() % 30)
      let expected = bruteForce(groups, budget: budget)
      guard let expected else {
        #expect(throws: KnapsackError.self) { try k.solve(budget: budget, unit: 1) }
        continue
      }
      let s = try k.solve(budget: budget, unit: 1)
      #expect(abs(s.error - expected) < 1e-12, "trial \(trial)")
      #expect(s.cost <= budget, "trial \(trial)")
      #expect(s == k.solution(s.choices))
      solved += 1
    }
    #expect(solved > 200)
  }

  @Test func theGreatestCommonDivisorUnitKeepsTheOptimumExact() throws {
    // Parameter-like costs, k (m + n) at steps of 8, and a budget between.
    var rng = SplitMix64(seed: 7)
    for _ in 0..<100 {
      let groups = (0..<4).map { _ in
        (1...3).map { k in
          KnapsackOption(cost: Double(8 * k * 768), error: rng.nextUnit() / Double(k))
        } + [KnapsackOption(cost: 147_456, error: 0)]
      }
      let k = try MultipleChoiceKnapsack(groups: groups)
      #expect(k.integerUnit == 6144)
      let budget = Double(6144 * (4 + Int(rng.next() % 80)))
      let s = try k.solve(budget: budget, unit: k.integerUnit!)
      #expect(abs(s.error - bruteForce(groups, budget: budget)!) < 1e-12)
    }
  }

  @Test func aCoarseUnitStaysWithinTheTrueBudget() throws {
    // Real-valued costs: the rounded answer must fit the true budget.
    var rng = SplitMix64(seed: 3)
    for _ in 0..<200 {
      let groups = (0..<4).map { _ in
        (0..<3).map { _ in KnapsackOption(cost: 10 * rng.nextUnit(), error: rng.nextUnit()) }
      }
      let k = try MultipleChoiceKnapsack(groups: groups)
      let budget = k.costRange.lowerBound + 15 * rng.nextUnit()
      guard let s = try? k.solve(budget: budget, unit: budget / 50) else { continue }
      #expect(s.cost <= budget)
      #expect(s.error >= bruteForce(groups, budget: budget)! - 1e-12)
    }
  }

  @Test func lagrangianBoundsTheOptimumAndReportsItsGap() throws {
    var rng = SplitMix64(seed: 11)
    for trial in 0..<400 {
      let groups = randomInstance(&rng)
      let k = try MultipleChoiceKnapsack(groups: groups)
      let budget = k.costRange.lowerBound + Double(rng.next() % 20)
      let optimum = bruteForce(groups, budget: budget)!
      let l = try k.lagrangian(budget: budget)
      #expect(l.primal.cost <= budget, "trial \(trial)")
      #expect(l.dualBound <= optimum + 1e-9, "trial \(trial)")
      #expect(l.primal.error >= optimum - 1e-12, "trial \(trial)")
      #expect(l.gap >= -1e-9 && l.gap >= l.primal.error - optimum - 1e-9, "trial \(trial)")
    }
  }

  @Test func lagrangianIsExactWhenTheBudgetIsSlack() throws {
    let k = try MultipleChoiceKnapsack(groups: [
      [KnapsackOption(cost: 1, error: 1), KnapsackOption(cost: 4, error: 0)],
      [KnapsackOption(cost: 2, error: 0.5), KnapsackOption(cost: 3, error: 0)],
    ])
    let l = try k.lagrangian(budget: 7)
    #expect(l.primal.choices == [1, 1])
    #expect(l.gap == 0)
  }

  @Test func badInputIsRejectedWithWhatAndWhere() throws {
    #expect(throws: KnapsackError.emptyGroup(group: 1)) {
      try MultipleChoiceKnapsack(groups: [[KnapsackOption(cost: 1, error: 0)], []])
    }
    #expect(throws: KnapsackError.invalidOption(group: 0, option: 1, what: "cost -1.0")) {
      try MultipleChoiceKnapsack(groups: [
        [KnapsackOption(cost: 1, error: 0), KnapsackOption(cost: -1, error: 0)]
      ])
    }
    #expect(throws: KnapsackError.invalidOption(group: 0, option: 0, what: "error nan")) {
      try MultipleChoiceKnapsack(groups: [[KnapsackOption(cost: 1, error: .nan)]])
    }
    let k = try MultipleChoiceKnapsack(groups: [
      [KnapsackOption(cost: 2, error: 1), KnapsackOption(cost: 5, error: 0)]
    ])
    #expect(throws: KnapsackError.infeasible(budget: 1, reachable: 2...5)) {
      try k.solve(budget: 1, unit: 1)
    }
    #expect(throws: KnapsackError.infeasible(budget: 1, reachable: 2...5)) {
      try k.lagrangian(budget: 1)
    }
    #expect(throws: KnapsackError.invalidUnit(0)) { try k.solve(budget: 3, unit: 0) }
    #expect(throws: KnapsackError.tableTooLarge(cells: 100_000_001, limit: 60_000_000)) {
      try MultipleChoiceKnapsack(groups: [[KnapsackOption(cost: 1e8, error: 0)]])
        .solve(budget: 1e8, unit: 1)
    }
    #expect(
      "\(KnapsackError.infeasible(budget: 1, reachable: 2...5))"
        == "budget 1.0 cannot be met: the choices reach 2.0 to 5.0")
  }
}

@Suite struct KnapsackRaiseTests {
  @Test func raisingSpendsSlackOnlyWhereNoErrorIsLost() throws {
    // A flat curve: ranks 1–3 of each group tie, so the optimum may stop at
    // the cheapest; raising moves up while the budget allows.
    let group = [
      KnapsackOption(cost: 1, error: 0.5), KnapsackOption(cost: 2, error: 0.2),
      KnapsackOption(cost: 3, error: 0.2), KnapsackOption(cost: 9, error: 0),
    ]
    let k = try MultipleChoiceKnapsack(groups: [group, group])
    let s = try k.solve(budget: 6, unit: 1)
    let r = k.raised(s, budget: 6)
    #expect(r.error == s.error)
    #expect(r.cost == 6 && r.choices == [2, 2])
    for (g, j) in r.choices.enumerated() {
      let next = k.groups[g].filter { $0.cost > k.groups[g][j].cost }.min { $0.cost < $1.cost }!
      #expect(r.cost - k.groups[g][j].cost + next.cost > 6 || next.error > k.groups[g][j].error)
    }
  }
}

@Suite struct KnapsackFrontTests {
  @Test func everyPointOfTheFrontIsTheOptimumAtItsBudget() throws {
    var rng = SplitMix64(seed: 23)
    for _ in 0..<100 {
      let groups = (0..<3).map { _ in
        (0..<3).map { _ in
          KnapsackOption(cost: Double(rng.next() % 10), error: rng.nextUnit())
        }
      }
      let k = try MultipleChoiceKnapsack(groups: groups)
      let front = try k.front(unit: 1)
      #expect(front.first?.cost == k.costRange.lowerBound)
      for (a, b) in zip(front, front.dropFirst()) { #expect(b.cost > a.cost && b.error < a.error) }
      for p in front {
        let optimum = try k.solve(budget: p.cost, unit: 1).error
        #expect(abs(p.error - optimum) < 1e-12)
        // Nothing cheaper reaches that error.
        if p.cost > 0 {
          #expect((try? k.solve(budget: p.cost - 1, unit: 1).error) ?? 1e9 > p.error)
        }
      }
    }
  }
}
