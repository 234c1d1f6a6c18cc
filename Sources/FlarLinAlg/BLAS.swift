import CLinAlg

// Every CBLAS call of flar, wrapped once. Row-major throughout.

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

extension Float: BLASRoutines {
  public typealias Element = Float
  public static func _gemm(
    _ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    cblas_sgemm(
      CblasRowMajor, cblasTranspose(ta), cblasTranspose(tb), blasint(m),
      blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta,
      c, blasint(ldc))
  }
  public static func _syrk(
    _ uplo: Triangle, _ trans: Transpose, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    cblas_ssyrk(
      CblasRowMajor, cblasUplo(uplo), cblasTranspose(trans), blasint(n),
      blasint(k), alpha, a, blasint(lda), beta, c, blasint(ldc))
  }
  public static func _trsm(
    _ side: Side, _ uplo: Triangle, _ trans: Transpose, unitDiagonal: Bool,
    m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
    b: UnsafeMutablePointer<Float>, ldb: Int
  ) {
    cblas_strsm(
      CblasRowMajor, cblasSide(side), cblasUplo(uplo), cblasTranspose(trans),
      cblasDiag(unitDiagonal), blasint(m), blasint(n), alpha, a, blasint(lda),
      b, blasint(ldb))
  }
}

extension Double: BLASRoutines {
  public typealias Element = Double
  public static func _gemm(
    _ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int, alpha: Double,
    a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
    beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    cblas_dgemm(
      CblasRowMajor, cblasTranspose(ta), cblasTranspose(tb), blasint(m),
      blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta,
      c, blasint(ldc))
  }
  public static func _syrk(
    _ uplo: Triangle, _ trans: Transpose, n: Int, k: Int, alpha: Double,
    a: UnsafePointer<Double>, lda: Int, beta: Double,
    c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    cblas_dsyrk(
      CblasRowMajor, cblasUplo(uplo), cblasTranspose(trans), blasint(n),
      blasint(k), alpha, a, blasint(lda), beta, c, blasint(ldc))
  }
  public static func _trsm(
    _ side: Side, _ uplo: Triangle, _ trans: Transpose, unitDiagonal: Bool,
    m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
    b: UnsafeMutablePointer<Double>, ldb: Int
  ) {
    cblas_dtrsm(
      CblasRowMajor, cblasSide(side), cblasUplo(uplo), cblasTranspose(trans),
      cblasDiag(unitDiagonal), blasint(m), blasint(n), alpha, a, blasint(lda),
      b, blasint(ldb))
  }
}

/// The number of threads OpenBLAS uses for each call.
public enum BLASThreads {
  /// Sets the OpenBLAS thread count (takes effect at the next call).
  ///
  /// The corresponding OpenBLAS function is `openblas_set_num_threads`.
  public static func set(_ n: Int) { openblas_set_num_threads(Int32(n)) }

  /// The current OpenBLAS thread count.
  public static var current: Int { Int(openblas_get_num_threads()) }

  /// OpenBLAS's build configuration string, for benchmark records.
  public static var configuration: String {
    String(cString: openblas_get_config())
  }
}
