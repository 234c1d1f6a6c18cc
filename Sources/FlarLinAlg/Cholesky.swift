/// The Cholesky factor `L` of a symmetric positive definite matrix.
///
/// Returns the lower triangular `L` (`n x n`, zeros above the diagonal) with
///
///     A = L Lᵀ
///
/// Only the lower triangle of `a` is read; the caller promises symmetry.
/// Cost `n³/3` flops.
///
/// - Parameter a: a square symmetric matrix.
/// - Returns: the lower triangular factor `L`.
/// - Throws: `LinAlgError.notSquare` for a non-square `a`;
///   `LinAlgError.nonFinite` when `a` holds NaN or infinity (refused before
///   LAPACK sees it, which would otherwise propagate it silently);
///   `LinAlgError.notPositiveDefinite(order:leadingMinor:)` with LAPACK's
///   `info` as the 1-based order of the first leading minor that is not
///   positive; `LinAlgError.invalidArgument` for `info < 0` (a flar bug).
/// - Note: Checked against NumPy in `CholeskyTests`.
///
/// The corresponding LAPACK routine is `dpotrf`.
@inlinable
public func cholesky<T: LinAlgScalar>(_ a: Matrix<T>) throws -> Matrix<T> {
  guard a.isSquare else {
    throw LinAlgError.notSquare(operation: "cholesky", shape: (a.rows, a.columns))
  }
  guard !a.hasNonFinite else { throw LinAlgError.nonFinite(operation: "cholesky") }
  let n = a.rows
  var l = a
  if n == 0 { return l }
  let info = l.storage.withUnsafeMutableBufferPointer { p in
    lapackPotrf(.lower, n: n, a: p.baseAddress!, lda: n)
  }
  if info > 0 {
    throw LinAlgError.notPositiveDefinite(order: n, leadingMinor: Int(info))
  }
  if info < 0 {
    throw LinAlgError.invalidArgument(routine: "potrf", position: Int(-info))
  }
  l.zeroStrictUpperTriangle()
  return l
}

/// The reciprocal condition number estimate `1 / (‖A‖₁ ‖A⁻¹‖₁)` of a
/// symmetric positive definite `A`, from its Cholesky factor.
///
/// LAPACK's estimator (Higham's 1-norm method) costs `O(n²)` once `L` is
/// known, against `O(n³)` for the exact value from singular values.
///
/// - Parameters:
///   - factor: the lower Cholesky factor `L` of `A`.
///   - oneNorm: `‖A‖₁`, the largest column sum of `|a_ij|` of the original.
/// - Throws: `LinAlgError.invalidArgument` for `info < 0` (a flar bug).
///
/// The corresponding LAPACK routine is `dpocon`.
@inlinable
public func reciprocalConditionEstimate<T: LinAlgScalar>(
  choleskyFactor factor: Matrix<T>, oneNorm: T
) throws -> T {
  let n = factor.rows
  if n == 0 { return 1 }
  var rcond: T = 0
  let info = factor.storage.withUnsafeBufferPointer { p in
    lapackPocon(.lower, n: n, a: p.baseAddress!, lda: n, anorm: oneNorm, rcond: &rcond)
  }
  if info < 0 {
    throw LinAlgError.invalidArgument(routine: "pocon", position: Int(-info))
  }
  return rcond
}

extension Matrix {
  /// The 1-norm `‖A‖₁ = max_j Σ_i |a_ij|` (largest absolute column sum).
  @inlinable
  public var oneNorm: Scalar {
    var sums = [Double](repeating: 0, count: columns)
    for i in 0..<rows {
      for j in 0..<columns { sums[j] += Double(Swift.abs(storage[i * columns + j])) }
    }
    return Scalar(sums.max() ?? 0)
  }
}
