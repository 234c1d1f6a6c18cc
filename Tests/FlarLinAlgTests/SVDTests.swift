import FlarLinAlg
import TestSupport
import Testing

@Suite struct SVDTests {
  @Test func singularValuesMatchNumPyAndFactorsReconstruct() throws {
    let a = try TestSupport.fixtureMatrix("linalg/rect.npy")
    let expected = try TestSupport.fixtureMatrix("linalg/rect_s.npy").storage
    let f = try svd(a)
    #expect(f.u.rows == 7 && f.u.columns == 5 && f.vt.rows == 5 && f.vt.columns == 5)
    #expect(TestSupport.closeness(f.s, expected, rtol: 1e-12) == nil)
    #expect(zip(f.s, f.s.dropFirst()).allSatisfy { $0 >= $1 })
    let back = f.truncated(rank: 5)
    #expect((back - a).frobeniusNorm / a.frobeniusNorm < 1e-14)
    let utu = try f.u.matmul(f.u, transposeSelf: true)
    #expect((utu - Matrix.identity(5)).frobeniusNorm < 1e-14)
    #expect(TestSupport.closeness(try singularValues(a), expected, rtol: 1e-12) == nil)
  }

  @Test func wideMatrixGivesThinFactors() throws {
    let a = try TestSupport.fixtureMatrix("linalg/rect.npy").transposed  // 5 x 7
    let f = try svd(a)
    #expect(f.u.rows == 5 && f.u.columns == 5 && f.vt.rows == 5 && f.vt.columns == 7)
    #expect((f.truncated(rank: 5) - a).frobeniusNorm / a.frobeniusNorm < 1e-14)
  }

  @Test func conditionNumberMatchesNumPy() throws {
    let a = try TestSupport.fixtureMatrix("linalg/rect.npy")
    let expected = try TestSupport.fixtureMatrix("linalg/rect_cond.npy")[0, 0]
    #expect(TestSupport.relativeError(try conditionNumber(a), expected) < 1e-12)
    #expect(try conditionNumber(Matrix<Double>(rows: 2, columns: 2)) == .infinity)
  }

  @Test func nonFiniteInputIsRefused() {
    var a = Matrix<Double>(rows: 2, columns: 2)
    a[0, 1] = .infinity
    #expect(throws: LinAlgError.nonFinite(operation: "svd")) { try svd(a) }
  }
}

@Suite struct SymmetricEigenTests {
  @Test func eigenvaluesAscendAndMatchNumPy() throws {
    let a = try TestSupport.fixtureMatrix("linalg/spd.npy")
    let expected = try TestSupport.fixtureMatrix("linalg/spd_eigenvalues.npy").storage
    let e = try symmetricEigen(a)
    #expect(TestSupport.closeness(e.values, expected, rtol: 1e-12) == nil)
    let v = e.vectors!
    let back = try v.scalingColumns(by: e.values).matmul(v, transposeOther: true)
    #expect((back - a).frobeniusNorm / a.frobeniusNorm < 1e-14)
    #expect(TestSupport.closeness(try symmetricEigenvalues(a), expected, rtol: 1e-12) == nil)
  }

  @Test func nonSquareIsRefused() {
    #expect(
      throws: LinAlgError.notSquare(
        operation: "symmetric eigen-decomposition", shape: (2, 1))
    ) {
      try symmetricEigen(Matrix<Double>(rows: 2, columns: 1))
    }
  }
}
