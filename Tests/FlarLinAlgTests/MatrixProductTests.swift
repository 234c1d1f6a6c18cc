import TestSupport
import Testing

@testable import FlarLinAlg

@Suite struct MatrixProductTests {
  /// A naive triple loop, the reference for every GEMM path.
  func naiveProduct(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Matrix<Double> {
    var c = Matrix<Double>(rows: a.rows, columns: b.columns)
    for i in 0..<a.rows {
      for j in 0..<b.columns {
        var s = 0.0
        for k in 0..<a.columns { s += a[i, k] * b[k, j] }
        c[i, j] = s
      }
    }
    return c
  }

  func sample(_ m: Int, _ n: Int, seed: Int) -> Matrix<Double> {
    Matrix(
      rows: m, columns: n,
      storage: (0..<(m * n)).map { Double(($0 * 7919 + seed * 104729) % 201) / 50 - 2 })
  }

  @Test func productMatchesNaiveForEveryTransposeCombination() throws {
    let a = sample(5, 3, seed: 1)
    let b = sample(3, 4, seed: 2)
    let expected = naiveProduct(a, b)
    let cases: [(Matrix<Double>, Matrix<Double>, Bool, Bool)] = [
      (a, b, false, false), (a.transposed, b, true, false),
      (a, b.transposed, false, true), (a.transposed, b.transposed, true, true),
    ]
    for (x, y, tx, ty) in cases {
      let c = try x.matmul(y, transposeSelf: tx, transposeOther: ty)
      #expect(c.shape == (5, 4))
      // Only the summation order differs from the naive loop.
      #expect(TestSupport.closeness(c.storage, expected.storage, rtol: 1e-13) == nil)
    }
  }

  @Test func mismatchedInnerDimensionsNameBothShapes() {
    let a = sample(2, 3, seed: 1)
    #expect(
      throws: LinAlgError.shapeMismatch(operation: "matrix product", lhs: (2, 3), rhs: (2, 3))
    ) {
      _ = try a.matmul(a)
    }
  }

  @Test func gramAccumulatedInBatchesEqualsGramOfAllRows() throws {
    let x = sample(40, 6, seed: 3)
    var g = Matrix<Double>(rows: 6, columns: 6)
    try g.addGram(of: x.slice(rows: 0..<17, columns: 0..<6))
    try g.addGram(of: x.slice(rows: 17..<40, columns: 0..<6))
    let expected = naiveProduct(x.transposed, x)
    #expect(TestSupport.closeness(g.storage, expected.storage, rtol: 1e-13) == nil)
    #expect(g == g.transposed)
  }

  @Test func floatProductAgreesWithDoubleToSinglePrecision() throws {
    let a = sample(8, 16, seed: 4)
    let b = sample(16, 3, seed: 5)
    let cf = try a.converted(to: Float.self).matmul(b.converted(to: Float.self))
    let cd = naiveProduct(a, b)
    // Float32 path: rtol 1e-5 per the suite's policy.
    #expect(TestSupport.closeness(cf.storage.map(Double.init), cd.storage, rtol: 1e-5) == nil)
  }
}
