/// A read-only, strided block of a row-major buffer: `rows × columns`
/// elements whose rows lie `rowStride` elements apart.
///
/// Views let code outside FlarLinAlg hand BLAS a block of a larger buffer
/// without copying it: one head of attention is the `(T, D)` block of the
/// packed `(N, 3H)` Q/K/V matrix at row `start`, column `a·D`, with row stride
/// `3H`. A view is only valid inside the closure that produced the buffer
/// (`Matrix.withView(_:)`, `withUnsafeBufferPointer`); it checks its bounds
/// against that buffer when it is made, so a product on views never reads or
/// writes outside it.
public struct MatrixView<Scalar: LinAlgScalar> {
  @usableFromInline let base: UnsafePointer<Scalar>
  @usableFromInline let layout: BlockLayout
  /// Number of rows.
  public var rows: Int { layout.rows }
  /// Number of columns.
  public var columns: Int { layout.columns }
  /// Elements from the start of one row to the start of the next (≥ `columns`).
  public var rowStride: Int { layout.rowStride }

  /// The `rows × columns` block of `buffer` whose first element is at `offset`.
  ///
  /// - Parameter rowStride: the distance between rows, `columns` by default
  ///   (a contiguous block).
  /// - Precondition: the block lies inside `buffer` and `rowStride ≥ columns`;
  ///   a violation is a flar bug (shapes come from flar's own code).
  public init(
    _ buffer: UnsafeBufferPointer<Scalar>, offset: Int = 0, rows: Int, columns: Int,
    rowStride: Int? = nil
  ) {
    layout = BlockLayout(
      count: buffer.count, offset: offset, rows: rows, columns: columns, rowStride: rowStride)
    // An empty buffer may have no base address; an empty view never reaches BLAS.
    base =
      (buffer.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<Scalar>.alignment)!) + offset
  }

  @usableFromInline
  init(base: UnsafePointer<Scalar>, layout: BlockLayout) {
    self.base = base
    self.layout = layout
  }

  /// The sub-block of rows `r` and columns `c`, sharing this view's memory.
  public func block(rows r: Range<Int>, columns c: Range<Int>) -> MatrixView {
    let (offset, inner) = layout.block(rows: r, columns: c)
    return MatrixView(base: base + offset, layout: inner)
  }
}

/// A writable, strided block of a row-major buffer; see `MatrixView`.
public struct MutableMatrixView<Scalar: LinAlgScalar> {
  @usableFromInline let base: UnsafeMutablePointer<Scalar>
  @usableFromInline let layout: BlockLayout
  /// Number of rows.
  public var rows: Int { layout.rows }
  /// Number of columns.
  public var columns: Int { layout.columns }
  /// Elements from the start of one row to the start of the next (≥ `columns`).
  public var rowStride: Int { layout.rowStride }

  /// The `rows × columns` block of `buffer` whose first element is at `offset`.
  ///
  /// - Parameter rowStride: the distance between rows, `columns` by default.
  /// - Precondition: the block lies inside `buffer` and `rowStride ≥ columns`.
  public init(
    _ buffer: UnsafeMutableBufferPointer<Scalar>, offset: Int = 0, rows: Int, columns: Int,
    rowStride: Int? = nil
  ) {
    layout = BlockLayout(
      count: buffer.count, offset: offset, rows: rows, columns: columns, rowStride: rowStride)
    base =
      (buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: MemoryLayout<Scalar>.alignment)!)
      + offset
  }

  @usableFromInline
  init(base: UnsafeMutablePointer<Scalar>, layout: BlockLayout) {
    self.base = base
    self.layout = layout
  }

  /// The same block, read-only.
  public var readOnly: MatrixView<Scalar> { MatrixView(base: UnsafePointer(base), layout: layout) }

  /// The sub-block of rows `r` and columns `c`, sharing this view's memory.
  public func block(rows r: Range<Int>, columns c: Range<Int>) -> MutableMatrixView {
    let (offset, inner) = layout.block(rows: r, columns: c)
    return MutableMatrixView(base: base + offset, layout: inner)
  }

  /// Sets `self = alpha · op(A) op(B) + beta · self`, in place.
  ///
  /// `op(X)` is `X` or `Xᵀ` as `transposeA`/`transposeB` say; the operands
  /// may be blocks of larger buffers (any row stride), which BLAS reads in
  /// place. With `beta = 0` the previous contents are not read (BLAS's rule,
  /// so NaN in an uninitialised output does not leak). `O(m n k)`.
  ///
  /// - Precondition: `op(A)` is `m × k`, `op(B)` is `k × n` and `self` is
  ///   `m × n`; a mismatch is a flar bug, since the shapes come from flar's
  ///   own code (`Matrix.matmul(_:)` checks user-facing shapes and throws).
  ///
  /// The corresponding BLAS routine is `sgemm`/`dgemm`.
  public func setProduct(
    _ a: MatrixView<Scalar>, _ b: MatrixView<Scalar>, transposeA: Bool = false,
    transposeB: Bool = false, alpha: Scalar = 1, beta: Scalar = 0
  ) {
    let (m, k) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
    let (k2, n) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
    precondition(
      k == k2 && m == rows && n == columns,
      "product of \(m)×\(k) and \(k2)×\(n) into a \(rows)×\(columns) view")
    if m == 0 || n == 0 { return }
    if k == 0 {
      // BLAS would scale by beta; do the same without calling it.
      for i in 0..<m {
        for j in 0..<n { base[i * rowStride + j] = beta == 0 ? 0 : beta * base[i * rowStride + j] }
      }
      return
    }
    blasGemm(
      transposeA ? .transpose : .none, transposeB ? .transpose : .none, m: m, n: n, k: k,
      alpha: alpha, a: a.base, lda: a.rowStride, b: b.base, ldb: b.rowStride, beta: beta,
      c: base, ldc: rowStride)
  }
}

/// The shape of a strided block, checked against the buffer it lies in.
@usableFromInline
struct BlockLayout: Sendable {
  let rows: Int
  let columns: Int
  let rowStride: Int

  /// A `rows × columns` block with `rowStride` (default `columns`) from
  /// `offset`, which must fit in `count` elements.
  init(count: Int, offset: Int, rows: Int, columns: Int, rowStride: Int?) {
    let stride = rowStride ?? columns
    precondition(rows >= 0 && columns >= 0 && offset >= 0, "negative view dimension or offset")
    precondition(stride >= columns, "row stride \(stride) below \(columns) columns")
    let end = rows == 0 || columns == 0 ? offset : offset + (rows - 1) * stride + columns
    precondition(
      end <= count,
      "a \(rows)×\(columns) view with row stride \(stride) from \(offset) needs \(end) "
        + "elements, the buffer has \(count)")
    self.init(rows: rows, columns: columns, rowStride: stride)
  }

  private init(rows: Int, columns: Int, rowStride: Int) {
    self.rows = rows
    self.columns = columns
    self.rowStride = rowStride
  }

  /// The offset and layout of the sub-block of rows `r` and columns `c`.
  func block(rows r: Range<Int>, columns c: Range<Int>) -> (offset: Int, layout: BlockLayout) {
    precondition(
      r.lowerBound >= 0 && r.upperBound <= rows && c.lowerBound >= 0 && c.upperBound <= columns,
      "block \(r) × \(c) outside a \(rows)×\(columns) view")
    return (
      r.lowerBound * rowStride + c.lowerBound,
      BlockLayout(rows: r.count, columns: c.count, rowStride: rowStride)
    )
  }
}

extension Matrix {
  /// Calls `body` with a read-only view of the whole matrix.
  ///
  /// The view must not escape `body`.
  public func withView<R>(_ body: (MatrixView<Scalar>) throws -> R) rethrows -> R {
    try storage.withUnsafeBufferPointer { p in
      try body(MatrixView(p, rows: rows, columns: columns))
    }
  }

  /// Calls `body` with a writable view of the whole matrix.
  ///
  /// The view must not escape `body`.
  public mutating func withMutableView<R>(
    _ body: (MutableMatrixView<Scalar>) throws -> R
  ) rethrows -> R {
    let (r, c) = (rows, columns)
    return try storage.withUnsafeMutableBufferPointer { p in
      try body(MutableMatrixView(p, rows: r, columns: c))
    }
  }
}
