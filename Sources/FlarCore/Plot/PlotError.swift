/// Why a plot cannot be drawn, with the series, index and value at fault.
///
/// Series numbers in messages count from 1, as a legend shows them.
public enum PlotError: Error, Equatable, CustomStringConvertible {
  /// The spec has no series at all.
  case noSeries
  /// Series `series` (0-based) has no values.
  case emptySeries(series: Int, label: String?)
  /// Every value of every series is NaN or infinite.
  case noFiniteValues(nonFinite: Int)
  /// A series' `x` and `y` have different lengths.
  case lengthMismatch(series: Int, label: String?, xCount: Int, yCount: Int)
  /// A value on a logarithmic axis is zero or negative.
  case nonPositiveOnLogScale(
    axis: String, series: Int, label: String?, index: Int, value: Double)
  /// A bar chart's categories do not match the number of values.
  case categoryCountMismatch(series: Int, categories: Int, values: Int)
  /// A bar chart was asked for a logarithmic scale, which bars do not have.
  case logScaleForBars
  /// The requested size leaves no room for the plot area.
  case tooSmall(width: Int, height: Int, minimumWidth: Int, minimumHeight: Int)

  public var description: String {
    switch self {
    case .noSeries:
      return "nothing to plot: no series given"
    case .emptySeries(let s, let label):
      return "nothing to plot: \(Self.name(s, label)) is empty"
    case .noFiniteValues(let n):
      return "nothing to plot: all \(n) values are NaN or infinite"
    case .lengthMismatch(let s, let label, let nx, let ny):
      return
        "\(Self.name(s, label)) has \(nx) x values but \(ny) y values"
    case .nonPositiveOnLogScale(let axis, let s, let label, let i, let v):
      return
        "log-scale \(axis) axis needs positive values: \(Self.name(s, label)) has \(v) at index \(i)"
    case .categoryCountMismatch(let s, let c, let v):
      return
        "bar chart has \(c) category labels but series \(s + 1) has \(v) values"
    case .logScaleForBars:
      return "bar charts have no log scale: plot the values as a line instead"
    case .tooSmall(let w, let h, let mw, let mh):
      return
        "plot of \(w)x\(h) characters is too small: needs at least \(mw)x\(mh)"
    }
  }

  /// "series 2" or "series 2 (\"label\")".
  static func name(_ s: Int, _ label: String?) -> String {
    if let label { return "series \(s + 1) (\"\(label)\")" }
    return "series \(s + 1)"
  }
}
