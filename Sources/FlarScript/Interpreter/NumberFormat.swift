import Foundation

/// How numbers are written: Python's `repr` for scalars, fixed width in matrices.
public enum NumberFormat {
  /// The shortest text that reads back to the same `Double`, as Python's `repr`.
  ///
  /// Integral values below 2⁵³ print without a fraction (`14`, not `14.0`);
  /// everything else uses Swift's `description`, which is already the
  /// shortest round-tripping form (`0.30000000000000004`, `0.001`, `1e-05`,
  /// `inf`, `nan`).
  public static func repr(_ value: Double) -> String {
    if value.isFinite, value == value.rounded(),
      abs(value) < 9_007_199_254_740_992
    {
      if value == 0 { return value.sign == .minus ? "-0" : "0" }
      return String(Int64(value))
    }
    return value.description
  }

  /// A matrix element: integers as integers, others with 6 significant digits.
  ///
  /// Six digits (`%.6g`) keep columns narrow enough for a screen, as NumPy's
  /// default print precision does; index an element to see all its digits.
  public static func element(_ value: Double) -> String {
    if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
      return repr(value)
    }
    if !value.isFinite { return value.description }
    return String(format: "%.6g", value)
  }
}
