import FlarCore
import FlarLinAlg
import TestSupport
import Testing

@Suite struct WhiteningTests {
  /// A Gram whose channel 2 never fires: exactly singular, so the first
  /// Cholesky fails at leading minor 3 and the fallback must shift.
  func rankDeficientSecondMoment() throws -> Matrix<Double> {
    var x = TestSupport.randomMatrix(rows: 40, columns: 6, seed: 5)
    for i in 0..<40 { x[i, 2] = 0 }
    return try secondMoment(LayerStatistics(samples: x))
  }

  @Test func positiveDefiniteMomentNeedsNoJitter() throws {
    let h = try secondMoment(
      LayerStatistics(samples: TestSupport.randomMatrix(rows: 50, columns: 5, seed: 9)))
    let w = try whitening(h)
    #expect(!w.shifted && w.jitter == 0 && w.smallestEigenvalue == nil)
    let back = try w.factor.matmul(w.factor, transposeOther: true)
    #expect(TestSupport.closeness(back, h, rtol: 1e-13) == nil)
    // κ₁ estimate within a factor n of the exact κ₂.
    let exact = try conditionNumber(h)
    #expect(w.conditionNumber >= exact / 5 && w.conditionNumber <= exact * 5)
  }

  @Test func rankDeficientGramTakesTheShiftAndReportsJitter() throws {
    let h = try rankDeficientSecondMoment()
    #expect(throws: LinAlgError.notPositiveDefinite(order: 6, leadingMinor: 3)) { try cholesky(h) }
    let w = try whitening(h, layer: "l")
    let scale = h.trace / 6
    #expect(w.shifted)
    let lambdaMin = try #require(w.smallestEigenvalue)
    #expect(abs(lambdaMin) < 1e-14 * scale)
    #expect(TestSupport.relativeError(w.jitter, -lambdaMin + 1e-6 * scale) < 1e-12)
    var shifted = h
    shifted.addToDiagonal(w.jitter)
    let back = try w.factor.matmul(w.factor, transposeOther: true)
    #expect(TestSupport.closeness(back, shifted, rtol: 1e-12) == nil)
    // κ₂ of H + εI is λ_max/ε up to the tiny λ_min: about 1e6 here.
    #expect(w.conditionNumber > 1e5 && w.conditionNumber < 1e7)
  }

  @Test func secondFailureThrowsWithEigenvalueAndJitter() throws {
    // A negative relative jitter leaves the shifted matrix indefinite.
    let h = try rankDeficientSecondMoment()
    do {
      _ = try whitening(h, layer: "encoder.layer.3.output.dense", relativeJitter: -0.5)
      Issue.record("expected whiteningFailed")
    } catch let FactorizationError.whiteningFailed(layer, lambdaMin, jitter, minor) {
      #expect(layer == "encoder.layer.3.output.dense")
      #expect(abs(lambdaMin) < 1e-12 && jitter < 0 && minor >= 1)
    }
  }

  @Test func allZeroMomentIsRefusedByName() {
    #expect(throws: FactorizationError.zeroSecondMoment(layer: "z")) {
      try whitening(Matrix<Double>(rows: 3, columns: 3), layer: "z")
    }
  }

  @Test func nonFiniteMomentIsRefused() {
    var h = Matrix<Double>.identity(3)
    h[0, 0] = .nan
    #expect(throws: FactorizationError.nonFinite(layer: "n", what: "second moment")) {
      try whitening(h, layer: "n")
    }
  }
}
