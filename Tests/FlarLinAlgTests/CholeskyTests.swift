import FlarLinAlg
import TestSupport
import Testing

@Suite struct CholeskyTests {
  @Test func choleskyMatchesNumPyAndReconstructs() throws {
    let a = try TestSupport.fixtureMatrix("linalg/spd.npy")
    let expected = try TestSupport.fixtureMatrix("linalg/spd_cholesky.npy")
    let l = try cholesky(a)
    // LAPACK and NumPy run the same algorithm; only blocking differs.
    #expect(TestSupport.closeness(l, expected, rtol: 1e-12) == nil)
    let back = try l.matmul(l, transposeOther: true)
    #expect((back - a).frobeniusNorm / a.frobeniusNorm < 1e-14)
    for i in 0..<6 { for j in (i + 1)..<6 { #expect(l[i, j] == 0) } }
  }

  @Test func indefiniteMatrixReportsLeadingMinorThree() throws {
    // Leading minors of order 1 and 2 are positive, order 3 is not.
    var a = Matrix<Double>.identity(5)
    a[2, 2] = -1
    #expect(throws: LinAlgError.notPositiveDefinite(order: 5, leadingMinor: 3)) {
      try cholesky(a)
    }
    do {
      _ = try cholesky(a)
    } catch let LinAlgError.notPositiveDefinite(order, minor) {
      #expect(order == 5 && minor == 3)
    }
  }

  @Test func nanInputIsRefusedBeforeLAPACK() {
    var a = Matrix<Double>.identity(3)
    a[1, 0] = .nan
    #expect(throws: LinAlgError.nonFinite(operation: "cholesky")) { try cholesky(a) }
  }

  @Test func nonSquareInputIsRefused() {
    let a = Matrix<Double>(rows: 2, columns: 3)
    #expect(throws: LinAlgError.notSquare(operation: "cholesky", shape: (2, 3))) {
      try cholesky(a)
    }
  }

  @Test func floatCholeskyReconstructs() throws {
    let a: Matrix<Float> = try TestSupport.fixtureMatrix("linalg/spd.npy").converted()
    let l = try cholesky(a)
    let back = try l.matmul(l, transposeOther: true)
    // Float32: a few ulps of 1.2e-7 times the condition of a 6x6 SPD.
    #expect((back - a).frobeniusNorm / a.frobeniusNorm < 1e-5)
  }

  @Test func conditionEstimateIsCloseToExact() throws {
    let a = try TestSupport.fixtureMatrix("linalg/spd.npy")
    let rcond = try reciprocalConditionEstimate(
      choleskyFactor: try cholesky(a), oneNorm: a.oneNorm)
    let exact2 = try conditionNumber(a)
    // κ₁ and κ₂ agree within a factor n for an n x n matrix.
    #expect(1 / rcond >= exact2 / 6 && 1 / rcond <= exact2 * 6)
  }
}
