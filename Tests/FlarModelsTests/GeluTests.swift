import FlarLinAlg
import Foundation
import Testing

@testable import FlarModels

/// The vectorised erf of the GELU against float64 `erf`.
///
/// Bound: the rational approximation is a float32 minimax fit; its error on
/// a fine grid is a few float32 ulps of 1 (ulp 1.19e-7). 1e-6 absolute is
/// five times what it measures and a hundred times below what a wrong
/// coefficient gives (≥ 1e-4).
@Suite struct GeluTests {
  @Test func rationalErfMatchesDoubleErf() {
    var worst = 0.0
    var x = -6.0
    while x <= 6.0 {
      let lanes = SIMD8<Float>(repeating: Float(x))
      worst = max(worst, abs(Double(erfRational(lanes)[0]) - erf(Double(Float(x)))))
      x += 1.0 / 4096
    }
    #expect(worst < 1e-6, "largest |erf error| \(worst)")
  }

  @Test func erfIsOddAndSaturates() {
    let v = SIMD8<Float>(-9, -4, -1, -0.25, 0.25, 1, 4, 9)
    let e = erfRational(v)
    for i in 0..<4 { #expect(e[i] == -e[7 - i]) }
    #expect(e[0] == -1 && e[7] == 1)
    #expect(erfRational(SIMD8(repeating: 0))[0] == 0)
  }

  /// Every element, including the tail after the last full group of eight.
  @Test func geluMatchesTheErfFormOnEveryElement() {
    // 27 elements: three groups of eight and a tail of three.
    var m = Matrix<Float>(rows: 3, columns: 9, storage: (0..<27).map { Float($0 - 13) * 0.37 })
    let input = m.storage
    gelu(&m)
    for (y, x) in zip(m.storage, input) {
      let exact = 0.5 * Double(x) * (1 + erf(Double(x) / 2.0.squareRoot()))
      #expect(abs(Double(y) - exact) < 1e-6 * max(1, abs(exact)), "gelu(\(x)) = \(y), not \(exact)")
    }
  }

  /// The backward pass's derivative on every element, tail included.
  ///
  /// Against float64, du = dg · (Φ(u) + u φ(u)); the same bound as the
  /// forward pass: the erf approximation's few 1e-7, plus `expf`'s rounding.
  @Test func geluBackwardMatchesTheExactDerivativeOnEveryElement() {
    // 27 elements: three groups of eight and a tail of three, u in [-5.2, 4.9].
    let u = Matrix<Float>(rows: 3, columns: 9, storage: (0..<27).map { Float($0 - 14) * 0.37 })
    let dg = Matrix<Float>(
      rows: 3, columns: 9, storage: (0..<27).map { Float(($0 * 7) % 11 - 5) * 0.31 })
    let du = geluBackward(dg, preActivation: u)
    for i in 0..<27 {
      let x = Double(u.storage[i])
      let cdf = 0.5 * (1 + erf(x / 2.0.squareRoot()))
      let pdf = exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
      let exact = Double(dg.storage[i]) * (cdf + x * pdf)
      #expect(
        abs(Double(du.storage[i]) - exact) < 1e-6 * max(1, abs(exact)),
        "du at u = \(x), dg = \(dg.storage[i]): \(du.storage[i]), not \(exact)")
    }
  }

  /// An element's derivative has the same bits in a group of eight and in
  /// the tail.
  @Test func geluBackwardIsTheSameInGroupsAndInTheTail() {
    let values = (0..<19).map { Float($0 - 9) * 0.53 }
    let ones = [Float](repeating: 1, count: 19)
    let whole = geluBackward(
      Matrix(rows: 1, columns: 19, storage: ones),
      preActivation: Matrix(
        rows: 1, columns: 19, storage: values))
    for i in 0..<19 {
      let one = geluBackward(
        Matrix(rows: 1, columns: 1, storage: [1]),
        preActivation: Matrix(rows: 1, columns: 1, storage: [values[i]]))
      #expect(one.storage[0] == whole.storage[i], "u = \(values[i])")
    }
  }

  /// LayerNorm adding the residual in its pass gives the bits of the sum
  /// formed first.
  @Test func layerNormAddingAResidualIsTheSumNormalised() {
    let x = Matrix<Float>(rows: 3, columns: 10, storage: (0..<30).map { sin(Float($0)) * 3 })
    let r = Matrix<Float>(rows: 3, columns: 10, storage: (0..<30).map { cos(Float($0) * 0.7) })
    let gamma = (0..<10).map { 1 + Float($0) * 0.1 }
    let beta = (0..<10).map { Float($0) * -0.05 }
    var fused = x
    layerNorm(&fused, adding: r, gamma: gamma, beta: beta, eps: 1e-12)
    var sum = Matrix<Float>(rows: 3, columns: 10, storage: zip(x.storage, r.storage).map(+))
    layerNorm(&sum, gamma: gamma, beta: beta, eps: 1e-12)
    #expect(fused.storage == sum.storage)
    #expect(fused.storage != x.storage)
  }
}
