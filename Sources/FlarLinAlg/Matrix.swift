/// A dense row-major matrix of `Float` or `Double`.
///
/// Element `(i, j)` lives at `storage[i * columns + j]`. A vector is a matrix
/// with one row or one column; the language layer decides how to print it.
/// The type is a value type: copies share storage until one is written
/// (Swift's array copy-on-write).
public struct Matrix<Scalar: LinAlgScalar>: Sendable, Equatable {
  /// Number of rows (`m`).
  public let rows: Int
  /// Number of columns (`n`).
  public let columns: Int
  /// The elements in row-major order, `rows * columns` of them.
  public var storage: [Scalar]

  /// Creates a matrix from row-major elements.
  ///
  /// - Precondition: `storage.count == rows * columns`; a mismatch is a flar
  ///   bug, not a user error (user-facing shapes are checked before this).
  @inlinable
  public init(rows: Int, columns: Int, storage: [Scalar]) {
    precondition(rows >= 0 && columns >= 0, "negative matrix dimension")
    precondition(
      storage.count == rows * columns,
      "storage of \(storage.count) elements for a \(rows)x\(columns) matrix")
    self.rows = rows
    self.columns = columns
    self.storage = storage
  }

  /// Creates a matrix with every element equal to `value`.
  @inlinable
  public init(rows: Int, columns: Int, repeating value: Scalar = 0) {
    self.init(
      rows: rows, columns: columns,
      storage: [Scalar](repeating: value, count: rows * columns))
  }

  /// Creates a matrix from nested row arrays, which must all have one length.
  @inlinable
  public init(_ nestedRows: [[Scalar]]) {
    let columns = nestedRows.first?.count ?? 0
    precondition(
      nestedRows.allSatisfy { $0.count == columns }, "ragged rows")
    self.init(
      rows: nestedRows.count, columns: columns,
      storage: nestedRows.flatMap { $0 })
  }

  /// The `n x n` identity.
  @inlinable
  public static func identity(_ n: Int) -> Matrix {
    var m = Matrix(rows: n, columns: n)
    for i in 0..<n { m.storage[i * n + i] = 1 }
    return m
  }

  /// A column vector (`n x 1`) holding `values`.
  @inlinable
  public static func column(_ values: [Scalar]) -> Matrix {
    Matrix(rows: values.count, columns: 1, storage: values)
  }

  /// A row vector (`1 x n`) holding `values`.
  @inlinable
  public static func row(_ values: [Scalar]) -> Matrix {
    Matrix(rows: 1, columns: values.count, storage: values)
  }

  /// `(rows, columns)`.
  @inlinable
  public var shape: (rows: Int, columns: Int) { (rows, columns) }

  /// Number of elements.
  @inlinable
  public var count: Int { storage.count }

  /// True when the matrix has as many rows as columns.
  @inlinable
  public var isSquare: Bool { rows == columns }

  /// Element `(i, j)`, 0-based.
  @inlinable
  public subscript(i: Int, j: Int) -> Scalar {
    get { storage[i * columns + j] }
    set { storage[i * columns + j] = newValue }
  }

  /// Row `i` as an array.
  @inlinable
  public func row(_ i: Int) -> [Scalar] {
    Array(storage[(i * columns)..<((i + 1) * columns)])
  }

  /// Column `j` as an array.
  @inlinable
  public func column(_ j: Int) -> [Scalar] {
    (0..<rows).map { storage[$0 * columns + j] }
  }

  /// The diagonal `A[i, i]` for `i < min(m, n)`.
  @inlinable
  public var diagonal: [Scalar] {
    (0..<Swift.min(rows, columns)).map { storage[$0 * columns + $0] }
  }

  /// The transpose, as a new row-major matrix.
  @inlinable
  public var transposed: Matrix {
    var t = Matrix(rows: columns, columns: rows)
    storage.withUnsafeBufferPointer { src in
      t.storage.withUnsafeMutableBufferPointer { dst in
        // Blocked to keep both reads and writes within cache lines.
        let block = 32
        for i0 in stride(from: 0, to: rows, by: block) {
          for j0 in stride(from: 0, to: columns, by: block) {
            for i in i0..<Swift.min(i0 + block, rows) {
              for j in j0..<Swift.min(j0 + block, columns) {
                dst[j * rows + i] = src[i * columns + j]
              }
            }
          }
        }
      }
    }
    return t
  }

  /// The sub-matrix of rows `r` and columns `c` (copied).
  @inlinable
  public func slice(rows r: Range<Int>, columns c: Range<Int>) -> Matrix {
    var out: [Scalar] = []
    out.reserveCapacity(r.count * c.count)
    for i in r {
      out.append(contentsOf: storage[(i * columns + c.lowerBound)..<(i * columns + c.upperBound)])
    }
    return Matrix(rows: r.count, columns: c.count, storage: out)
  }

  /// Converts the elements to another precision.
  ///
  /// Inlinable so that callers in other modules get a specialised loop
  /// (the unspecialised generic costs about 50x more per element).
  @inlinable
  public func converted<T: LinAlgScalar>(to: T.Type = T.self) -> Matrix<T> {
    Matrix<T>(rows: rows, columns: columns, storage: storage.map { T($0) })
  }

  /// True when any element is NaN or infinite.
  @inlinable
  public var hasNonFinite: Bool { storage.contains { !$0.isFinite } }
}
