/// Failures of the linear-algebra layer, each carrying LAPACK's own diagnosis.
///
/// Unlike NumPy's bare "Matrix is not positive definite", every case keeps
/// the information LAPACK returned (`info`) and the sizes involved.
public enum LinAlgError: Error, Equatable, CustomStringConvertible {
  /// `potrf` returned `info = k > 0`: the leading minor of order `k` is not
  /// positive, so the matrix is not (numerically) positive definite.
  case notPositiveDefinite(order: Int, leadingMinor: Int)
  /// `gesdd` returned `info > 0`: the bidiagonal QR iteration did not
  /// converge (`superdiagonals` is the count of unconverged superdiagonals).
  case svdDidNotConverge(superdiagonals: Int)
  /// `syevd` returned `info > 0`: the eigenvalue algorithm failed to converge.
  case eigenDidNotConverge(info: Int)
  /// A triangular factor has a zero on its diagonal at `pivot` (0-based).
  case singular(pivot: Int)
  /// Operands of `operation` have incompatible shapes.
  case shapeMismatch(operation: String, lhs: (Int, Int), rhs: (Int, Int))
  /// An operation that needs a square matrix got another shape.
  case notSquare(operation: String, shape: (Int, Int))
  /// The input holds NaN or infinity, which LAPACK would silently propagate.
  case nonFinite(operation: String)
  /// LAPACK returned `info < 0`: argument `position` of `routine` was
  /// invalid. This is a flar bug, reported instead of crashing.
  case invalidArgument(routine: String, position: Int)

  public var description: String {
    switch self {
    case .notPositiveDefinite(let n, let k):
      return
        "matrix is not positive definite: leading minor \(k) of \(n) is not positive"
    case .svdDidNotConverge(let count):
      return "svd did not converge: \(count) superdiagonals failed to converge"
    case .eigenDidNotConverge(let info):
      return "symmetric eigenvalue solver did not converge (info \(info))"
    case .singular(let pivot):
      return "matrix is singular: zero diagonal element at index \(pivot)"
    case .shapeMismatch(let op, let a, let b):
      return
        "shape mismatch in \(op): (\(a.0), \(a.1)) and (\(b.0), \(b.1))"
    case .notSquare(let op, let s):
      return "\(op) needs a square matrix, got shape (\(s.0), \(s.1))"
    case .nonFinite(let op):
      return "\(op): input contains NaN or infinity"
    case .invalidArgument(let routine, let position):
      return
        "internal error: argument \(position) to LAPACK routine \(routine) was invalid"
    }
  }

  public static func == (a: LinAlgError, b: LinAlgError) -> Bool {
    a.description == b.description
  }
}
