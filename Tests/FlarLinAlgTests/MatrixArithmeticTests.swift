import FlarLinAlg
import TestSupport
import Testing

@Suite struct MatrixArithmeticTests {
  let a = Matrix<Double>([[1, 2], [3, 4]])
  let b = Matrix<Double>([[5, 6], [7, 8]])

  @Test func elementwiseOperatorsActPerElement() {
    #expect((a + b).storage == [6, 8, 10, 12])
    #expect((b - a).storage == [4, 4, 4, 4])
    #expect((a * b).storage == [5, 12, 21, 32])
    #expect((b / a).storage == [5, 3, 7.0 / 3, 2])
    #expect((a * 2).storage == [2, 4, 6, 8])
    #expect((2 * a).storage == [2, 4, 6, 8])
    #expect((a + 1).storage == [2, 3, 4, 5])
    #expect((a - 1).storage == [0, 1, 2, 3])
    #expect((a / 2).storage == [0.5, 1, 1.5, 2])
    #expect((-a).storage == [-1, -2, -3, -4])
    var c = a
    c += b
    c -= a
    c *= 3
    #expect(c.storage == [15, 18, 21, 24])
  }

  @Test func reductionsMatchHandValues() {
    #expect(a.sum == 10)
    #expect(a.trace == 5)
    #expect(a.squaredFrobeniusNorm == 30)
    #expect(a.frobeniusNorm == 30.0.squareRoot())
    #expect(a.oneNorm == 6)
    #expect(a.maxAbsoluteValue == 4)
    var d = a
    d.addToDiagonal(10)
    #expect(d.storage == [11, 2, 3, 14])
  }

  @Test func shapeCheckNamesTheOperation() {
    let c = Matrix<Double>(rows: 3, columns: 2)
    #expect(throws: LinAlgError.shapeMismatch(operation: "sum", lhs: (2, 2), rhs: (3, 2))) {
      try a.checkedSameShape(as: c, operation: "sum")
    }
  }

  @Test func diagonalScalingsScaleColumnsAndRows() {
    #expect(a.scalingColumns(by: [1, 10]).storage == [1, 20, 3, 40])
    #expect(a.scalingRows(by: [1, 10]).storage == [1, 2, 30, 40])
  }
}

@Suite struct LinAlgErrorTests {
  // Cases that LAPACK cannot be made to produce on demand are checked by
  // their payload and message; the others are raised by real calls in the
  // suites of their routines (CholeskyTests, TriangularSolveTests, …).
  @Test func everyCaseSaysWhatAndWhere() {
    #expect(
      LinAlgError.notPositiveDefinite(order: 384, leadingMinor: 17).description
        == "matrix is not positive definite: leading minor 17 of 384 is not positive")
    #expect(
      LinAlgError.svdDidNotConverge(superdiagonals: 2).description.contains("2 superdiagonals"))
    #expect(LinAlgError.eigenDidNotConverge(info: 7).description.contains("info 7"))
    #expect(LinAlgError.singular(pivot: 4).description.contains("index 4"))
    #expect(
      LinAlgError.invalidArgument(routine: "gesdd", position: 6).description
        == "internal error: argument 6 to LAPACK routine gesdd was invalid")
    #expect(
      LinAlgError.nonFinite(operation: "svd").description == "svd: input contains NaN or infinity")
  }

  @Test func matmulShapeMismatchCarriesBothShapes() {
    let a = Matrix<Double>(rows: 2, columns: 3)
    #expect(
      throws: LinAlgError.shapeMismatch(operation: "matrix product", lhs: (2, 3), rhs: (2, 3))
    ) {
      try a.matmul(a)
    }
  }
}
