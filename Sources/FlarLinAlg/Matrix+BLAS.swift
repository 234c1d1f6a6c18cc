extension Matrix {
  /// The matrix product `op(A) op(B)`.
  ///
  /// `A` is `self`; pass `transposeSelf`/`transposeOther` to multiply by a
  /// transpose without forming it (e.g. `x Wᵀ` for a PyTorch-layout weight
  /// `W` of shape `(out, in)`). One GEMM call, `O(m n k)`.
  ///
  /// - Throws: `LinAlgError.shapeMismatch` when the inner dimensions differ.
  ///
  /// The corresponding BLAS routine is `sgemm`/`dgemm`.
  public func matmul(
    _ other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false
  ) throws -> Matrix {
    let (m, k) = transposeSelf ? (columns, rows) : (rows, columns)
    let (k2, n) = transposeOther ? (other.columns, other.rows) : (other.rows, other.columns)
    guard k == k2 else {
      throw LinAlgError.shapeMismatch(
        operation: "matrix product", lhs: (m, k), rhs: (k2, n))
    }
    var out = Matrix(rows: m, columns: n)
    if m == 0 || n == 0 { return out }
    if k == 0 { return out }
    storage.withUnsafeBufferPointer { a in
      other.storage.withUnsafeBufferPointer { b in
        out.storage.withUnsafeMutableBufferPointer { c in
          blasGemm(
            transposeSelf ? .transpose : .none,
            transposeOther ? .transpose : .none, m: m, n: n, k: k, alpha: 1,
            a: a.baseAddress!, lda: columns, b: b.baseAddress!,
            ldb: other.columns, beta: 0, c: c.baseAddress!, ldc: n)
        }
      }
    }
    return out
  }

  /// Accumulates `C += alpha · op(A) op(B)` into `self`, in place.
  ///
  /// The in-place form lets streamed statistics add one batch at a time
  /// without allocating.
  ///
  /// The corresponding BLAS routine is `sgemm`/`dgemm` with `beta = 1`.
  public mutating func addProduct(
    _ a: Matrix, _ b: Matrix, transposeA: Bool = false,
    transposeB: Bool = false, alpha: Scalar = 1
  ) throws {
    let (m, k) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
    let (k2, n) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
    guard k == k2, m == rows, n == columns else {
      throw LinAlgError.shapeMismatch(
        operation: "accumulated matrix product", lhs: (m, k), rhs: (k2, n))
    }
    if m == 0 || n == 0 || k == 0 { return }
    let ldc = columns
    a.storage.withUnsafeBufferPointer { pa in
      b.storage.withUnsafeBufferPointer { pb in
        storage.withUnsafeMutableBufferPointer { pc in
          blasGemm(
            transposeA ? .transpose : .none, transposeB ? .transpose : .none,
            m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!,
            lda: a.columns, b: pb.baseAddress!, ldb: b.columns, beta: 1,
            c: pc.baseAddress!, ldc: ldc)
        }
      }
    }
  }

  /// Adds `alpha · Aᵀ A` (the Gram matrix of `A`'s rows) into `self`, in place.
  ///
  /// `self` must be `n x n` for an `N x n` matrix `A`. Only one triangle is
  /// computed by SYRK (half the flops of GEMM); the other is mirrored after,
  /// so `self` stays a full symmetric matrix.
  ///
  /// With `mirror: false` only the upper triangle is updated (the lower one
  /// is left as it was), for accumulators that mirror once at the end.
  ///
  /// The corresponding BLAS routine is `ssyrk`/`dsyrk`.
  public mutating func addGram(
    of a: Matrix, alpha: Scalar = 1, mirror: Bool = true
  ) throws {
    let n = a.columns
    guard rows == n, columns == n else {
      throw LinAlgError.shapeMismatch(
        operation: "gram accumulation", lhs: (rows, columns), rhs: (a.rows, n))
    }
    if a.rows == 0 || n == 0 { return }
    a.storage.withUnsafeBufferPointer { pa in
      storage.withUnsafeMutableBufferPointer { pc in
        blasSyrk(
          .upper, .transpose, n: n, k: a.rows, alpha: alpha,
          a: pa.baseAddress!, lda: n, beta: 1, c: pc.baseAddress!, ldc: n)
        // Mirror the upper triangle into the lower one.
        if !mirror { return }
        for i in 1..<Swift.max(n, 1) {
          for j in 0..<i { pc[i * n + j] = pc[j * n + i] }
        }
      }
    }
  }

  /// The Gram matrix `Aᵀ A` of the rows of `self` (`n x n`).
  ///
  /// The corresponding BLAS routine is `ssyrk`/`dsyrk`.
  public func gram() -> Matrix {
    var g = Matrix(rows: columns, columns: columns)
    try! g.addGram(of: self)  // shapes agree by construction
    return g
  }
}
