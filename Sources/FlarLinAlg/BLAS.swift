import CLinAlg
import Synchronization

// Every CBLAS call of flar, wrapped once. Row-major throughout.
//
// The wrappers are internal: the rest of flar multiplies `Matrix` values or
// `MatrixView` blocks (Matrix+BLAS.swift, MatrixView.swift), and the
// import-boundary test fails on any `cblas_`/`LAPACKE_` call or raw routine
// outside this module. Each wrapper is generic over `LinAlgScalar` and picks
// the single- or double-precision routine by the element type; the check
// folds away once the caller is specialised.

@inline(__always)
func cblasTranspose(_ t: Transpose) -> CBLAS_TRANSPOSE {
  t == .none ? CblasNoTrans : CblasTrans
}

@inline(__always)
func cblasUplo(_ u: Triangle) -> CBLAS_UPLO {
  u == .lower ? CblasLower : CblasUpper
}

@inline(__always)
func cblasSide(_ s: Side) -> CBLAS_SIDE { s == .left ? CblasLeft : CblasRight }

@inline(__always)
func cblasDiag(_ unit: Bool) -> CBLAS_DIAG { unit ? CblasUnit : CblasNonUnit }

/// `p` read as a pointer to `U`, which the caller has checked `T` to be.
@inline(__always)
func rebound<T, U>(_ p: UnsafePointer<T>, to: U.Type) -> UnsafePointer<U> {
  UnsafeRawPointer(p).assumingMemoryBound(to: U.self)
}

/// `p` read as a mutable pointer to `U`, which the caller has checked `T` to be.
@inline(__always)
func rebound<T, U>(_ p: UnsafeMutablePointer<T>, to: U.Type) -> UnsafeMutablePointer<U> {
  UnsafeMutableRawPointer(p).assumingMemoryBound(to: U.self)
}

/// The two element types the bindings accept; anything else is a flar bug.
@usableFromInline
enum Precision {
  case single, double

  @inline(__always)
  init<T: LinAlgScalar>(_: T.Type) {
    if T.self == Float.self {
      self = .single
    } else if T.self == Double.self {
      self = .double
    } else {
      preconditionFailure("FlarLinAlg binds Float and Double only, not \(T.self)")
    }
  }
}

/// `C = alpha op(A) op(B) + beta C`, row-major (`sgemm`/`dgemm`).
@usableFromInline
func blasGemm<T: LinAlgScalar>(
  _ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int, alpha: T,
  a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
  beta: T, c: UnsafeMutablePointer<T>, ldc: Int
) {
  switch Precision(T.self) {
  case .single:
    cblas_sgemm(
      CblasRowMajor, cblasTranspose(ta), cblasTranspose(tb), blasint(m),
      blasint(n), blasint(k), unsafeBitCast(alpha, to: Float.self),
      rebound(a, to: Float.self), blasint(lda), rebound(b, to: Float.self),
      blasint(ldb), unsafeBitCast(beta, to: Float.self),
      rebound(c, to: Float.self), blasint(ldc))
  case .double:
    cblas_dgemm(
      CblasRowMajor, cblasTranspose(ta), cblasTranspose(tb), blasint(m),
      blasint(n), blasint(k), unsafeBitCast(alpha, to: Double.self),
      rebound(a, to: Double.self), blasint(lda), rebound(b, to: Double.self),
      blasint(ldb), unsafeBitCast(beta, to: Double.self),
      rebound(c, to: Double.self), blasint(ldc))
  }
}

/// `C = alpha op(A) op(A)ᵀ + beta C` on one triangle, row-major (`ssyrk`/`dsyrk`).
@usableFromInline
func blasSyrk<T: LinAlgScalar>(
  _ uplo: Triangle, _ trans: Transpose, n: Int, k: Int, alpha: T,
  a: UnsafePointer<T>, lda: Int, beta: T, c: UnsafeMutablePointer<T>, ldc: Int
) {
  switch Precision(T.self) {
  case .single:
    cblas_ssyrk(
      CblasRowMajor, cblasUplo(uplo), cblasTranspose(trans), blasint(n),
      blasint(k), unsafeBitCast(alpha, to: Float.self), rebound(a, to: Float.self),
      blasint(lda), unsafeBitCast(beta, to: Float.self), rebound(c, to: Float.self),
      blasint(ldc))
  case .double:
    cblas_dsyrk(
      CblasRowMajor, cblasUplo(uplo), cblasTranspose(trans), blasint(n),
      blasint(k), unsafeBitCast(alpha, to: Double.self), rebound(a, to: Double.self),
      blasint(lda), unsafeBitCast(beta, to: Double.self), rebound(c, to: Double.self),
      blasint(ldc))
  }
}

/// `B = alpha op(A)⁻¹ B` or `alpha B op(A)⁻¹`, `A` triangular, row-major
/// (`strsm`/`dtrsm`).
@usableFromInline
func blasTrsm<T: LinAlgScalar>(
  _ side: Side, _ uplo: Triangle, _ trans: Transpose, unitDiagonal: Bool,
  m: Int, n: Int, alpha: T, a: UnsafePointer<T>, lda: Int,
  b: UnsafeMutablePointer<T>, ldb: Int
) {
  switch Precision(T.self) {
  case .single:
    cblas_strsm(
      CblasRowMajor, cblasSide(side), cblasUplo(uplo), cblasTranspose(trans),
      cblasDiag(unitDiagonal), blasint(m), blasint(n),
      unsafeBitCast(alpha, to: Float.self), rebound(a, to: Float.self), blasint(lda),
      rebound(b, to: Float.self), blasint(ldb))
  case .double:
    cblas_dtrsm(
      CblasRowMajor, cblasSide(side), cblasUplo(uplo), cblasTranspose(trans),
      cblasDiag(unitDiagonal), blasint(m), blasint(n),
      unsafeBitCast(alpha, to: Double.self), rebound(a, to: Double.self), blasint(lda),
      rebound(b, to: Double.self), blasint(ldb))
  }
}

/// The number of threads OpenBLAS uses for each call.
public enum BLASThreads {
  /// Sets the OpenBLAS thread count (takes effect at the next call).
  ///
  /// While a `split` holds OpenBLAS at one thread, the count is kept and
  /// set when the last split ends.
  ///
  /// The corresponding OpenBLAS function is `openblas_set_num_threads`.
  public static func set(_ n: Int) {
    blasThreadState.withLock { state in
      if state.splits > 0 {
        state.configured = n
      } else {
        openblas_set_num_threads(Int32(n))
      }
    }
  }

  /// The OpenBLAS thread count the user set (the one OpenBLAS goes back to
  /// when a `split` holds it at one thread).
  public static var current: Int {
    blasThreadState.withLock { state in
      state.splits > 0 ? state.configured : Int(openblas_get_num_threads())
    }
  }

  /// The count OpenBLAS runs with right now: 1 while a `split` holds it.
  static var effective: Int { Int(openblas_get_num_threads()) }

  /// Sets OpenBLAS to one thread for the first running split.
  static func holdSingleThreaded() {
    blasThreadState.withLock { state in
      if state.splits == 0 {
        state.configured = Int(openblas_get_num_threads())
        openblas_set_num_threads(1)
      }
      state.splits += 1
    }
  }

  /// Gives OpenBLAS back the user's count when the last split ends.
  static func releaseSingleThreaded() {
    blasThreadState.withLock { state in
      state.splits -= 1
      if state.splits == 0 { openblas_set_num_threads(Int32(state.configured)) }
    }
  }

  /// OpenBLAS's build configuration string, for benchmark records.
  public static var configuration: String {
    String(cString: openblas_get_config())
  }
}
