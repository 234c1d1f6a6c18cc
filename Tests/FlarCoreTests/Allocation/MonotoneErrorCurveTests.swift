import Testing

@testable import FlarCore

@Suite struct MonotoneErrorCurveTests {
  @Test func neverUndershootsAMeasuredPointAndIsMonotone() {
    var rng = SplitMix64(seed: 5)
    for _ in 0..<200 {
      // Noisy decreasing measurements at 2–7 ranks.
      let count = 2 + Int(rng.next() % 6)
      let ranks = (0..<count).map { 8 + 8 * $0 * (1 + Int(rng.next() % 4)) }
      let points = ranks.map { k in (rank: k, error: 1 / Double(k) + 0.01 * rng.nextUnit()) }
      let c = MonotoneErrorCurve(points: points)
      for p in points { #expect(c.value(at: p.rank) >= p.error) }
      var last = Double.infinity
      for k in (c.ranks.first!)...(c.ranks.last!) {
        let v = c.value(at: k)
        #expect(v <= last)
        last = v
      }
      for (k, e) in zip(c.ranks, c.envelope) { #expect(c.value(at: k) == e) }
    }
  }

  @Test func liesBetweenItsNeighboursAndAboveAConvexCurve() {
    let f: (Int) -> Double = { 1 / Double($0) }
    let c = MonotoneErrorCurve(points: [8, 40, 96, 200].map { (rank: $0, error: f($0)) })
    for k in 8...200 {
      #expect(c.value(at: k) >= f(k) - 1e-15)
    }
    #expect(c.value(at: 60) <= f(40) && c.value(at: 60) >= f(96))
  }

  @Test func aDipBelowAHigherRankIsRaisedNotLowered() {
    let c = MonotoneErrorCurve(points: [(8, 0.5), (16, 0.1), (24, 0.2), (32, 0.05)])
    #expect(c.envelope == [0.5, 0.2, 0.2, 0.05])
    #expect(c.value(at: 20) == 0.2)
    #expect(c.value(at: 4) == 0.5 && c.value(at: 64) == 0.05)
  }
}
