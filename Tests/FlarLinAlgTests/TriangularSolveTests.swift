import FlarLinAlg
import TestSupport
import Testing

@Suite struct TriangularSolveTests {
  @Test func leftSolvesMatchSciPy() throws {
    let l = try TestSupport.fixtureMatrix("linalg/spd_cholesky.npy")
    let b = try TestSupport.fixtureMatrix("linalg/trsm_b.npy")
    let x = try solveTriangular(l, b, side: .left)
    #expect(
      TestSupport.closeness(x, try TestSupport.fixtureMatrix("linalg/trsm_left.npy"), rtol: 1e-12)
        == nil)
    let xt = try solveTriangular(l, b, side: .left, transpose: true)
    #expect(
      TestSupport.closeness(
        xt, try TestSupport.fixtureMatrix("linalg/trsm_left_t.npy"), rtol: 1e-12) == nil)
  }

  @Test func rightSolveAgreesWithExplicitInverse() throws {
    let l = try TestSupport.fixtureMatrix("linalg/spd_cholesky.npy")
    let b = try TestSupport.fixtureMatrix("linalg/trsm_b.npy").transposed  // 4 x 6
    let x = try solveTriangular(l, b, side: .right)
    // Naive reference: the explicit inverse, columns solved one by one.
    let inverse = try solveTriangular(l, Matrix<Double>.identity(6), side: .left)
    let naive = try b.matmul(inverse)
    #expect(TestSupport.closeness(x, naive, rtol: 1e-12) == nil)
    let back = try x.matmul(l)
    #expect(TestSupport.closeness(back, b, rtol: 1e-12) == nil)
  }

  @Test func zeroPivotIsReportedWithItsIndex() {
    var l = Matrix<Double>.identity(4)
    l[2, 2] = 0
    #expect(throws: LinAlgError.singular(pivot: 2)) {
      try solveTriangular(l, Matrix<Double>(rows: 4, columns: 1, repeating: 1), side: .left)
    }
  }

  @Test func nonConformingRightHandSideIsRefused() {
    let l = Matrix<Double>.identity(3)
    let b = Matrix<Double>(rows: 2, columns: 2)
    #expect(
      throws: LinAlgError.shapeMismatch(
        operation: "triangular solve A X = B", lhs: (3, 3), rhs: (2, 2))
    ) {
      try solveTriangular(l, b, side: .left)
    }
  }
}
