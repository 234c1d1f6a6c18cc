/// The eigen-decomposition `A = V diag(w) Vᵀ` of a symmetric matrix.
public struct SymmetricEigen<Scalar: LinAlgScalar>: Sendable {
  /// Eigenvalues in ascending order.
  public var values: [Scalar]
  /// Orthonormal eigenvectors, one per **column** (`vectors[:, i]` belongs
  /// to `values[i]`), as `numpy.linalg.eigh` returns them; `nil` when only
  /// values were asked for.
  public var vectors: Matrix<Scalar>?

  @inlinable
  public init(values: [Scalar], vectors: Matrix<Scalar>?) {
    self.values = values
    self.vectors = vectors
  }
}

/// The eigenvalues (and optionally eigenvectors) of a symmetric matrix.
///
///     A = V diag(w) Vᵀ,   w₁ <= w₂ <= … <= w_n
///
/// by divide and conquer, `O(n³)`. Only the lower triangle of `a` is read.
///
/// - Parameters:
///   - a: a square symmetric matrix.
///   - vectors: also compute the eigenvectors (default true).
/// - Throws: `LinAlgError.notSquare`; `LinAlgError.nonFinite` for NaN or
///   infinity; `LinAlgError.eigenDidNotConverge(info:)` for LAPACK's
///   `info > 0`; `LinAlgError.invalidArgument` for `info < 0` (a flar bug).
/// - Note: Checked against `numpy.linalg.eigh` in `SymmetricEigenTests`.
///
/// The corresponding LAPACK routine is `dsyevd`.
@inlinable
public func symmetricEigen<T: LinAlgScalar>(
  _ a: Matrix<T>, vectors: Bool = true
) throws -> SymmetricEigen<T> {
  guard a.isSquare else {
    throw LinAlgError.notSquare(
      operation: "symmetric eigen-decomposition", shape: (a.rows, a.columns))
  }
  guard !a.hasNonFinite else {
    throw LinAlgError.nonFinite(operation: "symmetric eigen-decomposition")
  }
  let n = a.rows
  var work = a
  var w = [T](repeating: 0, count: n)
  if n == 0 { return SymmetricEigen(values: w, vectors: vectors ? work : nil) }
  let info = work.storage.withUnsafeMutableBufferPointer { pa in
    w.withUnsafeMutableBufferPointer { pw in
      lapackSyevd(vectors: vectors, n: n, a: pa.baseAddress!, lda: n, w: pw.baseAddress!)
    }
  }
  if info > 0 { throw LinAlgError.eigenDidNotConverge(info: Int(info)) }
  if info < 0 {
    throw LinAlgError.invalidArgument(routine: "syevd", position: Int(-info))
  }
  return SymmetricEigen(values: w, vectors: vectors ? work : nil)
}

/// The eigenvalues of a symmetric matrix, ascending.
///
/// - Throws: as `symmetricEigen(_:vectors:)`.
///
/// The corresponding LAPACK routine is `dsyevd` (`jobz = 'N'`).
@inlinable
public func symmetricEigenvalues<T: LinAlgScalar>(_ a: Matrix<T>) throws -> [T] {
  try symmetricEigen(a, vectors: false).values
}
