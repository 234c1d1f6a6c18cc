// Elementwise arithmetic and reductions on `Matrix`.
//
// Operators take operands of one shape; a mismatch is a caller's bug (shapes
// that come from the user are checked, with `LinAlgError.shapeMismatch`, by
// the throwing `checkedSameShape` before an operator is reached).

extension Matrix {
  /// Throws unless `other` has the same shape as `self`.
  ///
  /// - Throws: `LinAlgError.shapeMismatch` naming `operation`.
  @inlinable
  public func checkedSameShape(as other: Matrix, operation: String) throws {
    guard rows == other.rows, columns == other.columns else {
      throw LinAlgError.shapeMismatch(
        operation: operation, lhs: (rows, columns),
        rhs: (other.rows, other.columns))
    }
  }

  @inline(__always)
  @usableFromInline static func zipped(
    _ a: Matrix, _ b: Matrix, _ op: (Scalar, Scalar) -> Scalar
  ) -> Matrix {
    precondition(
      a.rows == b.rows && a.columns == b.columns,
      "elementwise operands of shapes (\(a.rows), \(a.columns)) and (\(b.rows), \(b.columns))")
    var out = a
    out.storage.withUnsafeMutableBufferPointer { o in
      b.storage.withUnsafeBufferPointer { q in
        for i in 0..<o.count { o[i] = op(o[i], q[i]) }
      }
    }
    return out
  }

  @inline(__always)
  @usableFromInline func mapped(_ op: (Scalar) -> Scalar) -> Matrix {
    var out = self
    out.storage.withUnsafeMutableBufferPointer { o in
      for i in 0..<o.count { o[i] = op(o[i]) }
    }
    return out
  }

  /// Elementwise sum `A + B` (same shapes).
  @inlinable
  public static func + (a: Matrix, b: Matrix) -> Matrix { zipped(a, b, +) }
  /// Elementwise difference `A - B` (same shapes).
  @inlinable
  public static func - (a: Matrix, b: Matrix) -> Matrix { zipped(a, b, -) }
  /// Elementwise (Hadamard) product `A ∘ B` (same shapes); for the matrix
  /// product use `matmul`.
  @inlinable
  public static func * (a: Matrix, b: Matrix) -> Matrix { zipped(a, b, *) }
  /// Elementwise quotient `A ⊘ B` (same shapes).
  @inlinable
  public static func / (a: Matrix, b: Matrix) -> Matrix { zipped(a, b, /) }

  /// `A + c` for every element.
  @inlinable
  public static func + (a: Matrix, c: Scalar) -> Matrix { a.mapped { $0 + c } }
  /// `A - c` for every element.
  @inlinable
  public static func - (a: Matrix, c: Scalar) -> Matrix { a.mapped { $0 - c } }
  /// `c · A`.
  @inlinable
  public static func * (a: Matrix, c: Scalar) -> Matrix { a.mapped { $0 * c } }
  /// `c · A`.
  @inlinable
  public static func * (c: Scalar, a: Matrix) -> Matrix { a.mapped { c * $0 } }
  /// `A / c` for every element.
  @inlinable
  public static func / (a: Matrix, c: Scalar) -> Matrix { a.mapped { $0 / c } }
  /// `-A`.
  @inlinable
  public static prefix func - (a: Matrix) -> Matrix { a.mapped { -$0 } }

  /// In-place `A += B` (same shapes).
  @inlinable
  public static func += (a: inout Matrix, b: Matrix) {
    precondition(a.rows == b.rows && a.columns == b.columns, "shapes differ in +=")
    a.storage.withUnsafeMutableBufferPointer { o in
      b.storage.withUnsafeBufferPointer { q in
        for i in 0..<o.count { o[i] += q[i] }
      }
    }
  }

  /// In-place `A -= B` (same shapes).
  @inlinable
  public static func -= (a: inout Matrix, b: Matrix) {
    precondition(a.rows == b.rows && a.columns == b.columns, "shapes differ in -=")
    a.storage.withUnsafeMutableBufferPointer { o in
      b.storage.withUnsafeBufferPointer { q in
        for i in 0..<o.count { o[i] -= q[i] }
      }
    }
  }

  /// In-place `A *= c`.
  @inlinable
  public static func *= (a: inout Matrix, c: Scalar) {
    a.storage.withUnsafeMutableBufferPointer { o in
      for i in 0..<o.count { o[i] *= c }
    }
  }

  /// Adds `c` to every diagonal element, in place (`A + c I` for square `A`).
  @inlinable
  public mutating func addToDiagonal(_ c: Scalar) {
    let d = Swift.min(rows, columns)
    for i in 0..<d { storage[i * columns + i] += c }
  }

  /// The sum of all elements, accumulated in `Double` and rounded once.
  @inlinable
  public var sum: Scalar {
    var s = 0.0
    for x in storage { s += Double(x) }
    return Scalar(s)
  }

  /// The sum of the squares of all elements, `‖A‖²_F`, accumulated in
  /// `Double`.
  @inlinable
  public var squaredFrobeniusNorm: Double {
    var s = 0.0
    storage.withUnsafeBufferPointer { p in
      for x in p {
        let d = Double(x)
        s += d * d
      }
    }
    return s
  }

  /// The Frobenius norm `‖A‖_F = sqrt(Σ a_ij²)`.
  ///
  /// Accumulated in `Double` without rescaling: entries beyond about 1e154
  /// would overflow the square, which no activation or weight reaches.
  @inlinable
  public var frobeniusNorm: Scalar { Scalar(squaredFrobeniusNorm.squareRoot()) }

  /// The trace `Σ a_ii` over `i < min(m, n)`, accumulated in `Double`.
  @inlinable
  public var trace: Scalar {
    var s = 0.0
    for i in 0..<Swift.min(rows, columns) { s += Double(storage[i * columns + i]) }
    return Scalar(s)
  }

  /// The largest absolute value of an element (0 for an empty matrix).
  @inlinable
  public var maxAbsoluteValue: Scalar {
    storage.reduce(0) { Swift.max($0, Swift.abs($1)) }
  }

  /// Copies the lower triangle into the upper one (for a matrix whose upper
  /// triangle LAPACK left unreferenced).
  @inlinable
  public mutating func symmetrizeFromLower() {
    precondition(isSquare, "symmetrize needs a square matrix")
    let n = rows
    storage.withUnsafeMutableBufferPointer { p in
      for i in 0..<n {
        for j in (i + 1)..<Swift.max(n, i + 1) { p[i * n + j] = p[j * n + i] }
      }
    }
  }

  /// Sets the strictly upper triangle to zero.
  @inlinable
  public mutating func zeroStrictUpperTriangle() {
    let n = columns
    for i in 0..<rows {
      for j in (i + 1)..<Swift.max(n, i + 1) { storage[i * n + j] = 0 }
    }
  }

  /// The matrix with column `j` multiplied by `factors[j]` (`A diag(f)`).
  @inlinable
  public func scalingColumns(by factors: [Scalar]) -> Matrix {
    precondition(factors.count == columns, "one factor per column")
    var out = self
    out.storage.withUnsafeMutableBufferPointer { o in
      for i in 0..<rows {
        for j in 0..<columns { o[i * columns + j] *= factors[j] }
      }
    }
    return out
  }

  /// The matrix with row `i` multiplied by `factors[i]` (`diag(f) A`).
  @inlinable
  public func scalingRows(by factors: [Scalar]) -> Matrix {
    precondition(factors.count == rows, "one factor per row")
    var out = self
    out.storage.withUnsafeMutableBufferPointer { o in
      for i in 0..<rows {
        let f = factors[i]
        for j in 0..<columns { o[i * columns + j] *= f }
      }
    }
    return out
  }
}
