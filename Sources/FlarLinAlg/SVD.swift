/// A thin singular value decomposition `A = U diag(s) Vᵀ`.
///
/// For an `m x n` matrix with `r = min(m, n)`: `u` is `m x r` with
/// orthonormal columns, `s` holds the `r` singular values in descending
/// order (all `>= 0`), and `vt` is `r x n` with orthonormal rows.
public struct SVD<Scalar: LinAlgScalar>: Sendable {
  /// Left singular vectors, `m x r`, one per column.
  public var u: Matrix<Scalar>
  /// Singular values, descending.
  public var s: [Scalar]
  /// Right singular vectors transposed, `r x n`, one per row.
  public var vt: Matrix<Scalar>

  @inlinable

  public init(u: Matrix<Scalar>, s: [Scalar], vt: Matrix<Scalar>) {
    self.u = u
    self.s = s
    self.vt = vt
  }

  /// The rank-`k` truncation `U_k diag(s_k) V_kᵀ` (`m x n`).
  ///
  /// - Precondition: `0 <= k <= s.count`.
  @inlinable
  public func truncated(rank k: Int) -> Matrix<Scalar> {
    precondition(k >= 0 && k <= s.count, "rank \(k) outside 0...\(s.count)")
    let uk = u.slice(rows: 0..<u.rows, columns: 0..<k)
      .scalingColumns(by: Array(s[0..<k]))
    let vk = vt.slice(rows: 0..<k, columns: 0..<vt.columns)
    return try! uk.matmul(vk)  // shapes agree by construction
  }
}

/// The thin singular value decomposition of `a`.
///
///     A = U diag(s) Vᵀ,   s₁ >= s₂ >= … >= s_r >= 0,   r = min(m, n)
///
/// by divide and conquer, `O(m n r)` flops. `a` is not modified (LAPACK
/// works on a copy).
///
/// - Throws: `LinAlgError.nonFinite` for NaN or infinity in `a`;
///   `LinAlgError.svdDidNotConverge(superdiagonals:)` for LAPACK's
///   `info > 0`; `LinAlgError.invalidArgument` for `info < 0` (a flar bug).
/// - Note: Checked against NumPy in `SVDTests`.
///
/// The corresponding LAPACK routine is `dgesdd`.
@inlinable
public func svd<T: LinAlgScalar>(_ a: Matrix<T>) throws -> SVD<T> {
  guard !a.hasNonFinite else { throw LinAlgError.nonFinite(operation: "svd") }
  let (m, n) = (a.rows, a.columns)
  let r = Swift.min(m, n)
  var work = a
  var s = [T](repeating: 0, count: r)
  var u = Matrix<T>(rows: m, columns: r)
  var vt = Matrix<T>(rows: r, columns: n)
  if r == 0 { return SVD(u: u, s: s, vt: vt) }
  let info = work.storage.withUnsafeMutableBufferPointer { pa in
    s.withUnsafeMutableBufferPointer { ps in
      u.storage.withUnsafeMutableBufferPointer { pu in
        vt.storage.withUnsafeMutableBufferPointer { pv in
          lapackGesdd(
            m: m, n: n, a: pa.baseAddress!, lda: n, s: ps.baseAddress!,
            u: pu.baseAddress!, ldu: r, vt: pv.baseAddress!, ldvt: n)
        }
      }
    }
  }
  try checkSVDInfo(info)
  return SVD(u: u, s: s, vt: vt)
}

/// The singular values of `a`, descending, without the vectors.
///
/// - Throws: as `svd(_:)`.
/// - Note: Checked against NumPy in `SVDTests`.
///
/// The corresponding LAPACK routine is `dgesdd` (`jobz = 'N'`).
@inlinable
public func singularValues<T: LinAlgScalar>(_ a: Matrix<T>) throws -> [T] {
  guard !a.hasNonFinite else {
    throw LinAlgError.nonFinite(operation: "singular values")
  }
  let r = Swift.min(a.rows, a.columns)
  var s = [T](repeating: 0, count: r)
  if r == 0 { return s }
  var work = a
  let info = work.storage.withUnsafeMutableBufferPointer { pa in
    s.withUnsafeMutableBufferPointer { ps in
      lapackGesddValues(
        m: a.rows, n: a.columns, a: pa.baseAddress!, lda: a.columns,
        s: ps.baseAddress!)
    }
  }
  try checkSVDInfo(info)
  return s
}

/// The 2-norm condition number `κ₂(A) = s_max / s_min`.
///
/// Infinite when the smallest singular value is zero (`A` singular); 1 for
/// an empty matrix.
///
/// - Throws: as `singularValues(_:)`.
/// - Note: Checked against `numpy.linalg.cond` in `SVDTests`.
///
/// The corresponding LAPACK routine is `dgesdd` (`jobz = 'N'`).
@inlinable
public func conditionNumber<T: LinAlgScalar>(_ a: Matrix<T>) throws -> T {
  let s = try singularValues(a)
  guard let largest = s.first, let smallest = s.last else { return 1 }
  return smallest == 0 ? .infinity : largest / smallest
}

@usableFromInline func checkSVDInfo(_ info: Int32) throws {
  if info > 0 { throw LinAlgError.svdDidNotConverge(superdiagonals: Int(info)) }
  if info < 0 {
    throw LinAlgError.invalidArgument(routine: "gesdd", position: Int(-info))
  }
}
