import Foundation

/// Matrix elements as NumPy prints them: one writer per matrix, so columns align.
extension NumberFormat {
  /// The digits NumPy prints after the point at most (its default `precision`).
  static let matrixPrecision = 8

  /// The writer for the elements of one matrix, shared so columns align.
  ///
  /// It follows NumPy's default print options:
  ///
  /// - all integral: as integers (`3`, `-1`);
  /// - magnitudes within [1e-4, 1e8): fixed point with the fewest decimals
  ///   (at most 8) that show every element, trailing zeros blanked
  ///   (`0.5 `, `-1.  `, `3.25`);
  /// - otherwise: scientific with 8 digits (`1.00000000e-07`).
  public static func elementFormatter(for values: [Double]) -> (Double) ->
    String
  {
    let finite = values.filter(\.isFinite)
    if finite.allSatisfy({ $0 == $0.rounded() && abs($0) < 1e15 }) {
      return { shortest($0) }
    }
    let magnitudes = finite.map(abs)
    let largest = magnitudes.max() ?? 0
    let smallest = magnitudes.filter { $0 > 0 }.min() ?? 1
    if largest >= 1e8 || smallest < 1e-4 {
      return { x in
        x.isFinite ? String(format: "%.\(matrixPrecision)e", x) : x.description
      }
    }
    let decimals = max(1, finite.map(decimalsNeeded).max() ?? 1)
    return { x in
      guard x.isFinite else { return x.description }
      return blankTrailingZeros(String(format: "%.\(decimals)f", x))
    }
  }

  /// Decimals needed to show `x` at `matrixPrecision` without trailing zeros.
  private static func decimalsNeeded(_ x: Double) -> Int {
    let text = String(format: "%.\(matrixPrecision)f", x)
    guard let point = text.firstIndex(of: ".") else { return 0 }
    let fraction = text[text.index(after: point)...]
    return fraction.count - fraction.reversed().prefix { $0 == "0" }.count
  }

  /// `-1.000` → `-1.   `: trailing zeros become spaces, as NumPy prints them.
  private static func blankTrailingZeros(_ text: String) -> String {
    guard text.contains(".") else { return text }
    let zeros = text.reversed().prefix { $0 == "0" }.count
    return String(text.dropLast(zeros)) + String(repeating: " ", count: zeros)
  }
}
