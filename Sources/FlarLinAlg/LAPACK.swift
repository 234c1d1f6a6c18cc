import CLinAlg

// Every LAPACKE call of flar, wrapped once. Row-major throughout; LAPACKE
// transposes to column-major internally. Each returns LAPACK's `info`.

private let rowMajor = Int32(LAPACK_ROW_MAJOR)
private let columnMajor = Int32(LAPACK_COL_MAJOR)

@inline(__always)
private func lapackChar(_ c: Unicode.Scalar) -> CChar { CChar(UInt8(ascii: c)) }

@inline(__always)
private func lapackUplo(_ u: Triangle) -> CChar {
  lapackChar(u == .lower ? "L" : "U")
}

/// The triangle letter that names row-major triangle `u` in a column-major
/// call: a row-major `n x n` buffer read column-major is the transpose, so
/// row-major lower is column-major upper.
@inline(__always)
private func transposedUplo(_ u: Triangle) -> CChar {
  lapackChar(u == .lower ? "U" : "L")
}

/// Reciprocal 1-norm condition estimate from a Cholesky factor; returns
/// `info` (`spocon`/`dpocon`).
@usableFromInline
func lapackPocon<T: LinAlgScalar>(
  _ uplo: Triangle, n: Int, a: UnsafePointer<T>, lda: Int, anorm: T,
  rcond: UnsafeMutablePointer<T>
) -> Int32 {
  // The factor is read in place, column-major, as `lapackPotrf` wrote it.
  switch Precision(T.self) {
  case .single:
    LAPACKE_spocon(
      columnMajor, transposedUplo(uplo), Int32(n), rebound(a, to: Float.self), Int32(lda),
      unsafeBitCast(anorm, to: Float.self), rebound(rcond, to: Float.self))
  case .double:
    LAPACKE_dpocon(
      columnMajor, transposedUplo(uplo), Int32(n), rebound(a, to: Double.self), Int32(lda),
      unsafeBitCast(anorm, to: Double.self), rebound(rcond, to: Double.self))
  }
}

/// Cholesky factor in place; returns `info` (`spotrf`/`dpotrf`).
@usableFromInline
func lapackPotrf<T: LinAlgScalar>(
  _ uplo: Triangle, n: Int, a: UnsafeMutablePointer<T>, lda: Int
) -> Int32 {
  // A symmetric matrix is its own transpose, so the row-major buffer can
  // go to LAPACK as column-major with the other triangle named: this
  // skips LAPACKE's two transposing copies (a quarter of the time at
  // n = 1536) and gives the same factor in the same memory.
  switch Precision(T.self) {
  case .single:
    LAPACKE_spotrf(
      columnMajor, transposedUplo(uplo), Int32(n), rebound(a, to: Float.self), Int32(lda))
  case .double:
    LAPACKE_dpotrf(
      columnMajor, transposedUplo(uplo), Int32(n), rebound(a, to: Double.self), Int32(lda))
  }
}

/// Thin SVD by divide and conquer; returns `info` (`sgesdd`/`dgesdd`).
@usableFromInline
func lapackGesdd<T: LinAlgScalar>(
  m: Int, n: Int, a: UnsafeMutablePointer<T>, lda: Int, s: UnsafeMutablePointer<T>,
  u: UnsafeMutablePointer<T>, ldu: Int, vt: UnsafeMutablePointer<T>, ldvt: Int
) -> Int32 {
  switch Precision(T.self) {
  case .single:
    LAPACKE_sgesdd(
      rowMajor, lapackChar("S"), Int32(m), Int32(n), rebound(a, to: Float.self), Int32(lda),
      rebound(s, to: Float.self), rebound(u, to: Float.self), Int32(ldu),
      rebound(vt, to: Float.self), Int32(ldvt))
  case .double:
    LAPACKE_dgesdd(
      rowMajor, lapackChar("S"), Int32(m), Int32(n), rebound(a, to: Double.self), Int32(lda),
      rebound(s, to: Double.self), rebound(u, to: Double.self), Int32(ldu),
      rebound(vt, to: Double.self), Int32(ldvt))
  }
}

/// Singular values only; returns `info` (`sgesdd`/`dgesdd` with `jobz = 'N'`).
@usableFromInline
func lapackGesddValues<T: LinAlgScalar>(
  m: Int, n: Int, a: UnsafeMutablePointer<T>, lda: Int, s: UnsafeMutablePointer<T>
) -> Int32 {
  // LAPACKE's row-major path checks ldvt >= n even for jobz 'N' (it
  // returns -11 otherwise), so give it conforming, unused buffers.
  var dummyU = [T](repeating: 0, count: Swift.max(1, m))
  var dummyV = [T](repeating: 0, count: Swift.max(1, n))
  let (ldu, ldvt) = (Int32(Swift.max(1, m)), Int32(Swift.max(1, n)))
  return dummyU.withUnsafeMutableBufferPointer { pu in
    dummyV.withUnsafeMutableBufferPointer { pv in
      switch Precision(T.self) {
      case .single:
        LAPACKE_sgesdd(
          rowMajor, lapackChar("N"), Int32(m), Int32(n), rebound(a, to: Float.self),
          Int32(lda), rebound(s, to: Float.self), rebound(pu.baseAddress!, to: Float.self),
          ldu, rebound(pv.baseAddress!, to: Float.self), ldvt)
      case .double:
        LAPACKE_dgesdd(
          rowMajor, lapackChar("N"), Int32(m), Int32(n), rebound(a, to: Double.self),
          Int32(lda), rebound(s, to: Double.self), rebound(pu.baseAddress!, to: Double.self),
          ldu, rebound(pv.baseAddress!, to: Double.self), ldvt)
      }
    }
  }
}

/// Symmetric eigen-decomposition, eigenvalues ascending; returns `info`
/// (`ssyevd`/`dsyevd`).
@usableFromInline
func lapackSyevd<T: LinAlgScalar>(
  vectors: Bool, n: Int, a: UnsafeMutablePointer<T>, lda: Int, w: UnsafeMutablePointer<T>
) -> Int32 {
  let jobz = lapackChar(vectors ? "V" : "N")
  switch Precision(T.self) {
  case .single:
    return LAPACKE_ssyevd(
      rowMajor, jobz, lapackChar("L"), Int32(n), rebound(a, to: Float.self), Int32(lda),
      rebound(w, to: Float.self))
  case .double:
    return LAPACKE_dsyevd(
      rowMajor, jobz, lapackChar("L"), Int32(n), rebound(a, to: Double.self), Int32(lda),
      rebound(w, to: Double.self))
  }
}
