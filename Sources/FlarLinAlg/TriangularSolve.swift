/// Solves a triangular system without forming an inverse.
///
/// With `A` triangular (`n x n`) and `op(A)` equal to `A` or `Aᵀ`:
///
///     side .left:   op(A) X = B     (B is n x k, X is n x k)
///     side .right:  X op(A) = B     (B is k x n, X is k x n)
///
/// so `X = op(A)⁻¹ B` or `X = B op(A)⁻¹`, computed by substitution, which is
/// both faster and more accurate than multiplying by an explicit inverse
/// (and never forms `A⁻¹`). Cost `n² k` flops.
///
/// - Parameters:
///   - a: the triangular matrix; only `triangle` is read.
///   - b: the right-hand side.
///   - side: whether `op(A)` multiplies `X` from the left or the right.
///   - triangle: which triangle of `a` holds the factor (default lower).
///   - transpose: solve with `Aᵀ` instead of `A`.
/// - Throws: `LinAlgError.notSquare` when `a` is not square;
///   `LinAlgError.shapeMismatch` when `b` does not conform;
///   `LinAlgError.singular(pivot:)` for a zero on the diagonal of `a`
///   (0-based index), where substitution would divide by zero;
///   `LinAlgError.nonFinite` when `a` or `b` holds NaN or infinity.
/// - Note: Checked against an explicit inverse in `TriangularSolveTests`.
///
/// The corresponding BLAS routine is `dtrsm`.
@inlinable
public func solveTriangular<T: LinAlgScalar>(
  _ a: Matrix<T>, _ b: Matrix<T>, side: Side, triangle: Triangle = .lower,
  transpose: Bool = false
) throws -> Matrix<T> {
  guard a.isSquare else {
    throw LinAlgError.notSquare(
      operation: "triangular solve", shape: (a.rows, a.columns))
  }
  let n = a.rows
  let conforming = side == .left ? b.rows == n : b.columns == n
  guard conforming else {
    throw LinAlgError.shapeMismatch(
      operation: side == .left ? "triangular solve A X = B" : "triangular solve X A = B",
      lhs: (a.rows, a.columns), rhs: (b.rows, b.columns))
  }
  guard !a.hasNonFinite, !b.hasNonFinite else {
    throw LinAlgError.nonFinite(operation: "triangular solve")
  }
  for i in 0..<n where a.storage[i * n + i] == 0 {
    throw LinAlgError.singular(pivot: i)
  }
  var x = b
  if b.count == 0 { return x }
  a.storage.withUnsafeBufferPointer { pa in
    x.storage.withUnsafeMutableBufferPointer { px in
      blasTrsm(
        side, triangle, transpose ? .transpose : .none, unitDiagonal: false,
        m: x.rows, n: x.columns, alpha: 1, a: pa.baseAddress!, lda: n,
        b: px.baseAddress!, ldb: x.columns)
    }
  }
  return x
}
