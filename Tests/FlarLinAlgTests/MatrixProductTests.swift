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

  /// A product of strided blocks, written into a block of a third matrix,
  /// equals the naive product of the copied blocks, and leaves the rest of
  /// the output untouched, for every transpose combination and for Float.
  @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
  func viewProductOfStridedBlocksMatchesNaive(transposeA: Bool, transposeB: Bool) {
    let big = sample(9, 11, seed: 3)
    // op(A) is (4, 3) and op(B) is (3, 5), as blocks of `big`.
    let (ar, ac) = transposeA ? (2..<5, 1..<5) : (2..<6, 1..<4)
    let (br, bc) = transposeB ? (4..<9, 6..<9) : (5..<8, 3..<8)
    var blockA = big.slice(rows: ar, columns: ac)
    var blockB = big.slice(rows: br, columns: bc)
    if transposeA { blockA = blockA.transposed }
    if transposeB { blockB = blockB.transposed }
    let expected = naiveProduct(blockA, blockB)
    var out = Matrix<Double>(rows: 7, columns: 8, repeating: -1)
    big.withView { v in
      out.withMutableView { o in
        o.block(rows: 2..<6, columns: 3..<8).setProduct(
          v.block(rows: ar, columns: ac), v.block(rows: br, columns: bc),
          transposeA: transposeA, transposeB: transposeB)
      }
    }
    #expect(
      TestSupport.closeness(
        out.slice(rows: 2..<6, columns: 3..<8).storage, expected.storage, rtol: 1e-13) == nil)
    let untouched = (0..<7).flatMap { i in
      (0..<8).filter { j in !(2..<6).contains(i) || !(3..<8).contains(j) }.map { out[i, $0] }
    }
    #expect(untouched.count == 56 - 20 && untouched.allSatisfy { $0 == -1 })

    var single = Matrix<Float>(rows: 4, columns: 5)
    let bigF = big.converted(to: Float.self)
    bigF.withView { v in
      single.withMutableView { o in
        o.setProduct(
          v.block(rows: ar, columns: ac), v.block(rows: br, columns: bc),
          transposeA: transposeA, transposeB: transposeB)
      }
    }
    // Float32 rounding of entries of size ≤ 2 summed over 3 terms: 1e-5 absolute.
    let worst = zip(single.storage, expected.storage).map { abs(Double($0) - $1) }.max()!
    #expect(worst < 1e-5)
  }

  /// alpha and beta scale as BLAS defines them: `C = alpha A B + beta C`.
  @Test func viewProductAccumulatesWithAlphaAndBeta() {
    let a = sample(3, 2, seed: 4)
    let b = sample(2, 3, seed: 5)
    var c = sample(3, 3, seed: 6)
    let before = c
    let ab = naiveProduct(a, b)
    a.withView { va in
      b.withView { vb in
        c.withMutableView { vc in vc.setProduct(va, vb, alpha: 2, beta: 0.5) }
      }
    }
    let expected = (0..<9).map { 2 * ab.storage[$0] + 0.5 * before.storage[$0] }
    #expect(TestSupport.closeness(c.storage, expected, rtol: 1e-13) == nil)
  }

  /// An empty inner dimension gives `beta C`, as BLAS does, without calling it.
  @Test func viewProductWithEmptyInnerDimensionScalesByBeta() {
    let a = Matrix<Double>(rows: 2, columns: 0)
    let b = Matrix<Double>(rows: 0, columns: 2)
    var c = Matrix<Double>([[1, 2], [3, 4]])
    a.withView { va in
      b.withView { vb in c.withMutableView { $0.setProduct(va, vb, beta: 3) } }
    }
    #expect(c == Matrix([[3, 6], [9, 12]]))
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
