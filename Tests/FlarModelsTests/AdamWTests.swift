import FlarLinAlg
import TestSupport
import Testing

@testable import FlarModels

/// AdamW and the warm-up schedule against torch.optim.AdamW with LambdaLR
/// (Tests/Fixtures/generate_heal.py: 7 parameters, 6 steps of fixed
/// gradients, peak rate 0.05, 2 warm-up steps).
@Suite struct AdamWTests {
  @Test(arguments: ["linear", "cosine"], [0.0, 0.1])
  func trajectoryMatchesPyTorch(_ shape: String, _ weightDecay: Double) throws {
    let arrays = try TestSupport.fixtureArchive("heal/adamw.npz")
    let p0 = try #require(arrays["p0"]).matrix()
    let grads = try #require(arrays["grads"]).matrix()
    let key = "\(shape)_\(weightDecay == 0 ? "0.0" : "0.1")"
    let expected = try #require(arrays[key]).matrix()
    let schedule = LearningRateSchedule(
      peak: 0.05, warmupSteps: 2, totalSteps: 6, shape: .init(rawValue: shape)!)
    var optimizer = AdamW(weightDecay: weightDecay)
    var theta = p0.storage.map { Float($0) }
    for s in 0..<6 {
      optimizer.beginStep()
      let g = (0..<7).map { Float(grads[s, $0]) }
      optimizer.update(&theta, gradient: g, name: "p", rate: schedule.rate(atStep: s))
      for i in 0..<7 {
        // Float32 parameters against PyTorch's float64: the difference is
        // the rounding of θ, m and v to Float (a few 1e-7 relative).
        let want = expected[s, i]
        #expect(
          abs(Double(theta[i]) - want) <= 2e-6 * max(1, abs(want)),
          "step \(s) θ[\(i)] = \(theta[i]), PyTorch \(want)")
      }
    }
  }

  @Test func scheduleNeverReachesZeroAndPeaksAfterWarmup() {
    let s = LearningRateSchedule(peak: 1, warmupSteps: 3, totalSteps: 10, shape: .cosine)
    let rates = (0..<10).map { s.rate(atStep: $0) }
    #expect(rates[0] == 0.25 && rates[2] == 0.75)
    #expect(rates.allSatisfy { $0 > 0 && $0 <= 1 })
    #expect(zip(rates.dropFirst(3), rates.dropFirst(4)).allSatisfy { $0 > $1 })
  }
}
