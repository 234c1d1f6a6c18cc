import Foundation

/// The number notations of the prompt, tables, plots and exports: one formatter.
///
/// Goals, in order: text that reads back to the same `Double` where the
/// output is data (CSV, JSON, plain table cells), as Python's `repr` does;
/// then fixed decimals where a column asks for them; then brevity in labels.
/// Thousands are never grouped, so that every form stays machine-readable.
public enum NumberFormat: Sendable, Equatable {
  /// The shortest text that reads back to the same `Double`; integers
  /// without a fraction (`14`, `0.1`, `1e-05`, `nan`, `inf`).
  case shortest
  /// A fixed number of decimals (`0.500` for 3), rounded half to even on
  /// the binary value as C's `printf("%.*f")` does.
  case fixed(decimals: Int)

  /// `value` in this notation.
  public func text(_ value: Double) -> String {
    switch self {
    case .shortest: return Self.shortest(value)
    case .fixed(let decimals): return Self.fixed(value, decimals: decimals)
    }
  }

  /// The shortest round-trip text of `value`, as `repr` in Python prints it
  /// except that integral values lose the `.0` (flar prints `14`).
  ///
  /// The one writer of a number as data: the prompt, `str`, CSV, JSON and
  /// plain table cells all use it, so a value reads the same everywhere.
  /// Integral values below 10¹⁶ (where Python's `repr` turns to exponents)
  /// print as integers; negative zero keeps its sign (`-0`), as `repr`
  /// and NumPy's `savetxt` keep it, so that it reads back unchanged.
  public static func shortest(_ value: Double) -> String {
    if let special = nonFinite(value) { return special }
    if value == value.rounded() && abs(value) < 1e16 {
      if value == 0 { return value.sign == .minus ? "-0" : "0" }
      return String(Int64(value))
    }
    return value.description
  }

  /// `value` to `digits` significant digits (17 or more: `shortest`), for
  /// `str(x, digits=n)`.
  public static func significant(_ value: Double, digits: Int) -> String {
    guard digits < 17 else { return shortest(value) }
    if let special = nonFinite(value) { return special }
    if value == value.rounded() && abs(value) < 1e15 { return shortest(value) }
    let text = String(format: "%.*g", max(1, digits), value)
    return Double(text).map(shortest) ?? text
  }

  /// `value` with exactly `decimals` digits after the point.
  public static func fixed(_ value: Double, decimals: Int) -> String {
    if let special = nonFinite(value) { return special }
    let text = String(format: "%.*f", max(0, decimals), value)
    // "-0.000" reads as a negative number to a reader; print zero plainly.
    if text.hasPrefix("-")
      && text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." })
    {
      return String(text.dropFirst())
    }
    return text
  }

  /// A short label of at most about `significant` digits: integers whole,
  /// short round-trip texts as they are, others rounded (`0.1235`,
  /// `1.235e-5`).
  public static func compact(_ value: Double, significant: Int = 4) -> String {
    if let special = nonFinite(value) { return special }
    if value == value.rounded() && abs(value) < 1e15 {
      return String(Int64(value))
    }
    let short = value.description
    if short.count <= significant + 3 { return short }
    var text = String(format: "%.*g", significant, value)
    // C writes "1.235e-05" and "1e+20"; flar writes "1.235e-5" and "1e20".
    if let e = text.firstIndex(of: "e") {
      var exponent = String(text[text.index(after: e)...])
      let negative = exponent.hasPrefix("-")
      exponent = String(
        exponent.drop(while: { $0 == "+" || $0 == "-" || $0 == "0" }))
      text = String(text[..<e]) + "e" + (negative ? "-" : "") + exponent
    }
    return text
  }

  static func nonFinite(_ value: Double) -> String? {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    return nil
  }
}
