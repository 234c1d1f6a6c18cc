/// An n-dimensional array as stored in a NumPy `.npy` file (C order).
///
/// Only little-endian `float32` (`<f4`) and `float64` (`<f8`) in C order are
/// supported; anything else is refused with `NumPyFileError`. `matrix()`
/// views a 0-, 1- or 2-D array as a matrix (a 1-D array becomes a row).
public struct NumPyArray: Sendable, Equatable {
  /// The element type held.
  public enum Elements: Sendable, Equatable {
    case float32([Float])
    case float64([Double])

    var count: Int {
      switch self {
      case .float32(let a): return a.count
      case .float64(let a): return a.count
      }
    }
  }

  public var shape: [Int]
  public var elements: Elements

  public init(shape: [Int], elements: Elements) {
    precondition(shape.reduce(1, *) == elements.count, "shape and element count differ")
    self.shape = shape
    self.elements = elements
  }

  /// A float64 array with the matrix's shape (2-D).
  public init(_ m: Matrix<Double>) {
    self.init(shape: [m.rows, m.columns], elements: .float64(m.storage))
  }

  /// A float32 array with the matrix's shape (2-D).
  public init(_ m: Matrix<Float>) {
    self.init(shape: [m.rows, m.columns], elements: .float32(m.storage))
  }

  /// The array as a `Double` matrix: 0-D is 1x1, 1-D is one row, 2-D as is.
  ///
  /// - Parameter source: the file (and member) it came from, for the error.
  /// - Throws: `NumPyFileError.notAMatrix` for three or more dimensions.
  public func matrix(source: String? = nil) throws -> Matrix<Double> {
    let (r, c): (Int, Int)
    switch shape.count {
    case 0: (r, c) = (1, 1)
    case 1: (r, c) = (1, shape[0])
    case 2: (r, c) = (shape[0], shape[1])
    default: throw NumPyFileError.notAMatrix(shape: shape, source: source)
    }
    switch elements {
    case .float64(let a): return Matrix(rows: r, columns: c, storage: a)
    case .float32(let a): return Matrix(rows: r, columns: c, storage: a.map(Double.init))
    }
  }

  /// The array as a `Float` matrix (same shape rules as `matrix()`).
  public func floatMatrix() throws -> Matrix<Float> {
    try matrix().converted()
  }
}

/// Problems with `.npy` / `.npz` content, naming the file.
public enum NumPyFileError: Error, Equatable, CustomStringConvertible {
  case badMagic(path: String)
  case truncated(path: String, needed: Int, available: Int)
  case badHeader(path: String, detail: String)
  case unsupportedDtype(path: String, descr: String)
  case fortranOrder(path: String)
  case notAMatrix(shape: [Int], source: String?)
  case badArchive(path: String, detail: String)
  case compressedArchive(path: String, member: String)

  public var description: String {
    switch self {
    case .badMagic(let p):
      return "\"\(p)\" is not a NumPy .npy file (missing \\x93NUMPY magic)"
    case .truncated(let p, let need, let have):
      return "\"\(p)\" is truncated: needs \(need) bytes, has \(have)"
    case .badHeader(let p, let d):
      return "malformed .npy header in \"\(p)\": \(d)"
    case .unsupportedDtype(let p, let d):
      return
        "unsupported dtype \"\(d)\" in \"\(p)\": expected little-endian float32 (<f4) or float64 (<f8)"
    case .fortranOrder(let p):
      return
        "\"\(p)\" is in Fortran order; save a C-order array (np.ascontiguousarray)"
    case .notAMatrix(let s, let source):
      let shape = "(\(s.map(String.init).joined(separator: ", ")))"
      let origin = source.map { " in \($0)" } ?? ""
      return "array of shape \(shape)\(origin) is not a matrix (at most 2 dimensions)"
    case .badArchive(let p, let d):
      return "malformed .npz archive \"\(p)\": \(d)"
    case .compressedArchive(let p, let m):
      return
        "member \"\(m)\" of \"\(p)\" is compressed (np.savez_compressed); save with np.savez"
    }
  }
}
