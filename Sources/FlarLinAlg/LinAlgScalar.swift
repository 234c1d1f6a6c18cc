/// The element types the BLAS and LAPACK bindings support: `Float` and `Double`.
///
/// The requirements are the single- and double-precision routines that
/// `BLAS.swift` and `LAPACK.swift` bind; everything else is written once,
/// generically, on top of them.
public protocol LinAlgScalar: BinaryFloatingPoint, Sendable, Codable, BLASRoutines
where Self.RawSignificand: FixedWidthInteger, Element == Self {
  /// Short dtype name as NumPy prints it (`"float32"`, `"float64"`).
  static var dtypeName: String { get }
}

extension Float: LinAlgScalar {
  public static var dtypeName: String { "float32" }
}

extension Double: LinAlgScalar {
  public static var dtypeName: String { "float64" }
}
