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
}
