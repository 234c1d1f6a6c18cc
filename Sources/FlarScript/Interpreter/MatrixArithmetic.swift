import FlarLinAlg

/// Element-wise arithmetic with NumPy broadcasting, and the matrix product.
///
/// The language holds no numerics of its own beyond these element-wise
/// loops; the matrix product is FlarLinAlg's `gemm` binding.
enum MatrixArithmetic {
  /// Shapes that do not broadcast (or do not multiply, for `@`).
  struct ShapeError: Error {
    let lhs: (Int, Int)
    let rhs: (Int, Int)
  }

  /// `op` applied element by element, broadcasting as NumPy does.
  ///
  /// Each dimension must be equal in both shapes or 1 in one of them; a
  /// dimension of 1 repeats along the other's length (a row vector against
  /// each row, a column vector against each column, a 1x1 against all).
  static func broadcast(
    _ a: Matrix<Double>, _ b: Matrix<Double>, _ op: (Double, Double) -> Double
  ) throws(ShapeError) -> Matrix<Double> {
    guard let rows = merged(a.rows, b.rows),
      let columns = merged(a.columns, b.columns)
    else {
      throw ShapeError(lhs: (a.rows, a.columns), rhs: (b.rows, b.columns))
    }
    if a.rows == b.rows, a.columns == b.columns {
      return Matrix(
        rows: rows, columns: columns,
        storage: zip(a.storage, b.storage).map { op($0, $1) })
    }
    var out = [Double](repeating: 0, count: rows * columns)
    for i in 0..<rows {
      let ai = a.rows == 1 ? 0 : i
      let bi = b.rows == 1 ? 0 : i
      for j in 0..<columns {
        let x = a.storage[ai * a.columns + (a.columns == 1 ? 0 : j)]
        let y = b.storage[bi * b.columns + (b.columns == 1 ? 0 : j)]
        out[i * columns + j] = op(x, y)
      }
    }
    return Matrix(rows: rows, columns: columns, storage: out)
  }

  /// `op` between a matrix and a scalar on either side.
  static func scalar(
    _ m: Matrix<Double>, _ x: Double, scalarOnLeft: Bool,
    _ op: (Double, Double) -> Double
  ) -> Matrix<Double> {
    let storage =
      scalarOnLeft ? m.storage.map { op(x, $0) } : m.storage.map { op($0, x) }
    return Matrix(rows: m.rows, columns: m.columns, storage: storage)
  }

  /// The length both dimensions broadcast to, or nil.
  static func merged(_ x: Int, _ y: Int) -> Int? {
    if x == y { return x }
    if x == 1 { return y }
    if y == 1 { return x }
    return nil
  }

  /// The matrix product `A B` for `A` of `m x k` and `B` of `k x n`.
  ///
  /// The shape check is made here so the message speaks the language's
  /// words; the product itself is FlarLinAlg's one `dgemm` call.
  static func product(_ a: Matrix<Double>, _ b: Matrix<Double>)
    throws(ShapeError) -> Matrix<Double>
  {
    guard a.columns == b.rows else {
      throw ShapeError(lhs: (a.rows, a.columns), rhs: (b.rows, b.columns))
    }
    do {
      return try a.matmul(b)
    } catch {
      // Unreachable: the only error `matmul` throws is the shape mismatch checked above.
      throw ShapeError(lhs: (a.rows, a.columns), rhs: (b.rows, b.columns))
    }
  }

  /// Multiply-adds above which `A @ B` runs in blocks of rows (about a
  /// second of BLAS on a small machine), so that Ctrl-C stops it.
  static let blockedProductThreshold = 1 << 30
  /// Multiply-adds per block of a blocked product (a few tenths of a
  /// second), with at least `minimumBlockRows` rows so each GEMM stays
  /// efficient.
  static let productBlock = 1 << 28
  static let minimumBlockRows = 256

  /// `A @ B`, in blocks of rows when it is large, asking `stop` between blocks.
  ///
  /// A product above `blockedProductThreshold` multiply-adds is computed one
  /// block of rows of `A` at a time (one BLAS call cannot be interrupted).
  /// Each block is its own GEMM over the whole inner dimension, as the
  /// single call would be.
  ///
  /// - Returns: nil when `stop` asked to stop.
  static func product(
    _ a: Matrix<Double>, _ b: Matrix<Double>, stop: () -> Bool
  ) throws(ShapeError) -> Matrix<Double>? {
    let work = a.rows.multipliedReportingOverflow(by: a.columns).partialValue
      .multipliedReportingOverflow(by: b.columns).partialValue
    guard a.columns == b.rows, work > blockedProductThreshold, a.rows > 1 else {
      return try product(a, b)
    }
    let rowsPerBlock = max(minimumBlockRows, productBlock / max(1, a.columns * b.columns))
    var storage: [Double] = []
    storage.reserveCapacity(a.rows * b.columns)
    var start = 0
    while start < a.rows {
      if stop() { return nil }
      let end = min(a.rows, start + rowsPerBlock)
      let block = try product(a.slice(rows: start..<end, columns: 0..<a.columns), b)
      storage += block.storage
      start = end
    }
    return Matrix(rows: a.rows, columns: b.columns, storage: storage)
  }
}
