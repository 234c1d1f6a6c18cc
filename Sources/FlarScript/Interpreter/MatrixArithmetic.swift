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
  private static func merged(_ x: Int, _ y: Int) -> Int? {
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
}
