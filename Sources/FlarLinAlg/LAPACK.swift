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

extension Float {
  public static func _pocon(
    _ uplo: Triangle, n: Int, a: UnsafePointer<Float>, lda: Int, anorm: Float,
    rcond: UnsafeMutablePointer<Float>
  ) -> Int32 {
    // The factor is read in place, column-major, as `_potrf` wrote it.
    LAPACKE_spocon(
      columnMajor, transposedUplo(uplo), Int32(n), a, Int32(lda), anorm, rcond)
  }
  public static func _potrf(
    _ uplo: Triangle, n: Int, a: UnsafeMutablePointer<Float>, lda: Int
  ) -> Int32 {
    // A symmetric matrix is its own transpose, so the row-major buffer can
    // go to LAPACK as column-major with the other triangle named: this
    // skips LAPACKE's two transposing copies (a quarter of the time at
    // n = 1536) and gives the same factor in the same memory.
    LAPACKE_spotrf(columnMajor, transposedUplo(uplo), Int32(n), a, Int32(lda))
  }
  public static func _gesdd(
    m: Int, n: Int, a: UnsafeMutablePointer<Float>, lda: Int,
    s: UnsafeMutablePointer<Float>, u: UnsafeMutablePointer<Float>, ldu: Int,
    vt: UnsafeMutablePointer<Float>, ldvt: Int
  ) -> Int32 {
    LAPACKE_sgesdd(
      rowMajor, lapackChar("S"), Int32(m), Int32(n), a, Int32(lda), s, u,
      Int32(ldu), vt, Int32(ldvt))
  }
  public static func _gesddValues(
    m: Int, n: Int, a: UnsafeMutablePointer<Float>, lda: Int,
    s: UnsafeMutablePointer<Float>
  ) -> Int32 {
    // LAPACKE's row-major path checks ldvt >= n even for jobz 'N' (it
    // returns -11 otherwise), so give it conforming, unused buffers.
    var dummyU = [Float](repeating: 0, count: Swift.max(1, m))
    var dummyV = [Float](repeating: 0, count: Swift.max(1, n))
    return LAPACKE_sgesdd(
      rowMajor, lapackChar("N"), Int32(m), Int32(n), a, Int32(lda), s,
      &dummyU, Int32(Swift.max(1, m)), &dummyV, Int32(Swift.max(1, n)))
  }
  public static func _syevd(
    vectors: Bool, n: Int, a: UnsafeMutablePointer<Float>, lda: Int,
    w: UnsafeMutablePointer<Float>
  ) -> Int32 {
    LAPACKE_ssyevd(
      rowMajor, lapackChar(vectors ? "V" : "N"), lapackChar("L"), Int32(n), a,
      Int32(lda), w)
  }
}

extension Double {
  public static func _pocon(
    _ uplo: Triangle, n: Int, a: UnsafePointer<Double>, lda: Int, anorm: Double,
    rcond: UnsafeMutablePointer<Double>
  ) -> Int32 {
    // The factor is read in place, column-major, as `_potrf` wrote it.
    LAPACKE_dpocon(
      columnMajor, transposedUplo(uplo), Int32(n), a, Int32(lda), anorm, rcond)
  }
  public static func _potrf(
    _ uplo: Triangle, n: Int, a: UnsafeMutablePointer<Double>, lda: Int
  ) -> Int32 {
    // A symmetric matrix is its own transpose, so the row-major buffer can
    // go to LAPACK as column-major with the other triangle named: this
    // skips LAPACKE's two transposing copies (a quarter of the time at
    // n = 1536) and gives the same factor in the same memory.
    LAPACKE_dpotrf(columnMajor, transposedUplo(uplo), Int32(n), a, Int32(lda))
  }
  public static func _gesdd(
    m: Int, n: Int, a: UnsafeMutablePointer<Double>, lda: Int,
    s: UnsafeMutablePointer<Double>, u: UnsafeMutablePointer<Double>,
    ldu: Int, vt: UnsafeMutablePointer<Double>, ldvt: Int
  ) -> Int32 {
    LAPACKE_dgesdd(
      rowMajor, lapackChar("S"), Int32(m), Int32(n), a, Int32(lda), s, u,
      Int32(ldu), vt, Int32(ldvt))
  }
  public static func _gesddValues(
    m: Int, n: Int, a: UnsafeMutablePointer<Double>, lda: Int,
    s: UnsafeMutablePointer<Double>
  ) -> Int32 {
    // LAPACKE's row-major path checks ldvt >= n even for jobz 'N' (it
    // returns -11 otherwise), so give it conforming, unused buffers.
    var dummyU = [Double](repeating: 0, count: Swift.max(1, m))
    var dummyV = [Double](repeating: 0, count: Swift.max(1, n))
    return LAPACKE_dgesdd(
      rowMajor, lapackChar("N"), Int32(m), Int32(n), a, Int32(lda), s,
      &dummyU, Int32(Swift.max(1, m)), &dummyV, Int32(Swift.max(1, n)))
  }
  public static func _syevd(
    vectors: Bool, n: Int, a: UnsafeMutablePointer<Double>, lda: Int,
    w: UnsafeMutablePointer<Double>
  ) -> Int32 {
    LAPACKE_dsyevd(
      rowMajor, lapackChar(vectors ? "V" : "N"), lapackChar("L"), Int32(n), a,
      Int32(lda), w)
  }
}
