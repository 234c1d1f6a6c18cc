/// The element types the BLAS and LAPACK bindings support: `Float` and `Double`.
///
/// `BLAS.swift` and `LAPACK.swift` pick the single- or double-precision
/// routine by the element type; everything else is written once,
/// generically, on top of them. Only `Float` and `Double` conform.
public protocol LinAlgScalar: BinaryFloatingPoint, Sendable, Codable
where Self.RawSignificand: FixedWidthInteger {
  /// Short dtype name as NumPy prints it (`"float32"`, `"float64"`).
  static var dtypeName: String { get }
}

extension Float: LinAlgScalar {
  public static var dtypeName: String { "float32" }
}

extension Double: LinAlgScalar {
  public static var dtypeName: String { "float64" }
}
