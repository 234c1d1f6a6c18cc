/// Transposition flag for BLAS calls.
public enum Transpose: Sendable { case none, transpose }

/// Which triangle of a symmetric or triangular matrix is referenced.
public enum Triangle: Sendable { case lower, upper }

/// Side of a triangular solve: `op(A) X = B` (`.left`) or `X op(A) = B` (`.right`).
public enum Side: Sendable { case left, right }

/// The raw routines each scalar type binds, all row-major.
///
/// Underscored because they are the binding layer's contract, not API: call
/// the `Matrix` methods instead. Their bodies are in `BLAS.swift` and
/// `LAPACK.swift`, the only files that import the C libraries.
public protocol BLASRoutines {
  associatedtype Element
  // C = alpha op(A) op(B) + beta C            (sgemm/dgemm)
  static func _gemm(
    _ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int,
    alpha: Element, a: UnsafePointer<Element>, lda: Int,
    b: UnsafePointer<Element>, ldb: Int, beta: Element,
    c: UnsafeMutablePointer<Element>, ldc: Int)
  // C = alpha op(A) op(A)ᵀ + beta C, one triangle   (ssyrk/dsyrk)
  static func _syrk(
    _ uplo: Triangle, _ trans: Transpose, n: Int, k: Int, alpha: Element,
    a: UnsafePointer<Element>, lda: Int, beta: Element,
    c: UnsafeMutablePointer<Element>, ldc: Int)
  // B = alpha op(A)⁻¹ B or alpha B op(A)⁻¹, A triangular  (strsm/dtrsm)
  static func _trsm(
    _ side: Side, _ uplo: Triangle, _ trans: Transpose, unitDiagonal: Bool,
    m: Int, n: Int, alpha: Element, a: UnsafePointer<Element>, lda: Int,
    b: UnsafeMutablePointer<Element>, ldb: Int)
  // Cholesky factor in place; returns LAPACK's info   (spotrf/dpotrf)
  static func _potrf(
    _ uplo: Triangle, n: Int, a: UnsafeMutablePointer<Element>, lda: Int
  )
    -> Int32
  // Thin SVD by divide and conquer; returns info       (sgesdd/dgesdd)
  static func _gesdd(
    m: Int, n: Int, a: UnsafeMutablePointer<Element>, lda: Int,
    s: UnsafeMutablePointer<Element>, u: UnsafeMutablePointer<Element>,
    ldu: Int, vt: UnsafeMutablePointer<Element>, ldvt: Int
  ) -> Int32
  // Singular values only; returns info                 (sgesdd/dgesdd, jobz N)
  static func _gesddValues(
    m: Int, n: Int, a: UnsafeMutablePointer<Element>, lda: Int,
    s: UnsafeMutablePointer<Element>
  ) -> Int32
  // Reciprocal 1-norm condition estimate from a Cholesky factor  (spocon/dpocon)
  static func _pocon(
    _ uplo: Triangle, n: Int, a: UnsafePointer<Element>, lda: Int,
    anorm: Element, rcond: UnsafeMutablePointer<Element>
  ) -> Int32
  // Symmetric eigen-decomposition, ascending; returns info  (ssyevd/dsyevd)
  static func _syevd(
    vectors: Bool, n: Int, a: UnsafeMutablePointer<Element>, lda: Int,
    w: UnsafeMutablePointer<Element>
  ) -> Int32
}
