/// A plot's data after validation: finite points per series, the data
/// ranges, and notes about what was skipped.
///
/// Both renderers start here, so the terminal and the SVG form refuse the
/// same inputs with the same errors and skip the same values.
struct PlotData: Sendable {
  /// A point in data units; `nil` marks a skipped non-finite value, where a
  /// line is broken.
  typealias Point = (x: Double, y: Double)

  var series: [[Point?]]
  var xMin = Double.infinity
  var xMax = -Double.infinity
  var yMin = Double.infinity
  var yMax = -Double.infinity
  /// One line per series with skipped values.
  ///
  /// For example:
  /// `note: series 1 ("σ"): 3 NaN or infinite values skipped`.
  var notes: [String] = []

  /// Validates `spec` and collects its finite points.
  ///
  /// - Throws: `PlotError.noSeries`, `.emptySeries`, `.lengthMismatch`,
  ///   `.categoryCountMismatch`, `.logScaleForBars`,
  ///   `.nonPositiveOnLogScale` (naming the first offending value) and
  ///   `.noFiniteValues`.
  init(_ spec: PlotSpec) throws {
    guard !spec.series.isEmpty else { throw PlotError.noSeries }
    if spec.categories != nil && (spec.logX || spec.logY) {
      throw PlotError.logScaleForBars
    }
    var nonFiniteTotal = 0
    var valueTotal = 0
    series = []
    for (s, one) in spec.series.enumerated() {
      try Self.checkShape(one, s, spec)
      var points: [Point?] = []
      var skipped = 0
      for i in one.y.indices {
        let p = (x: one.xValue(i), y: one.y[i])
        guard p.x.isFinite && p.y.isFinite else {
          skipped += 1
          points.append(nil)
          continue
        }
        if spec.logX && p.x <= 0 {
          throw PlotError.nonPositiveOnLogScale(
            axis: "x", series: s, label: one.label, index: i, value: p.x)
        }
        if spec.logY && p.y <= 0 {
          throw PlotError.nonPositiveOnLogScale(
            axis: "y", series: s, label: one.label, index: i, value: p.y)
        }
        include(p)
        points.append(p)
      }
      if skipped > 0 {
        let what = skipped == 1 ? "value" : "values"
        notes.append(
          "note: \(PlotError.name(s, one.label)): \(skipped) NaN or infinite \(what) skipped"
        )
      }
      nonFiniteTotal += skipped
      valueTotal += one.y.count
      series.append(points)
    }
    guard nonFiniteTotal < valueTotal else {
      throw PlotError.noFiniteValues(nonFinite: nonFiniteTotal)
    }
  }

  /// Checks lengths: non-empty, x matching y, one category per bar.
  private static func checkShape(_ one: PlotSeries, _ s: Int, _ spec: PlotSpec)
    throws
  {
    guard !one.y.isEmpty else {
      throw PlotError.emptySeries(series: s, label: one.label)
    }
    if let x = one.x, x.count != one.y.count {
      throw PlotError.lengthMismatch(
        series: s, label: one.label, xCount: x.count, yCount: one.y.count)
    }
    if let categories = spec.categories, categories.count != one.y.count {
      throw PlotError.categoryCountMismatch(
        series: s, categories: categories.count, values: one.y.count)
    }
  }

  private mutating func include(_ p: Point) {
    xMin = min(xMin, p.x)
    xMax = max(xMax, p.x)
    yMin = min(yMin, p.y)
    yMax = max(yMax, p.y)
  }

  /// The axes for this data.
  ///
  /// The terminal form (`padded: false`) uses a tight x and a loose y, so
  /// that y ticks fall on whole rows. The SVG form (`padded: true`) uses
  /// tight axes with matplotlib-like margins of 2 % (x) and 5 % (y).
  func axes(_ spec: PlotSpec, xTicks: Int, yTicks: Int, padded: Bool = false)
    -> (x: PlotAxis, y: PlotAxis)
  {
    let x = PlotAxis.make(
      min: xMin, max: xMax, scale: spec.logX ? .log : .linear,
      maxTicks: xTicks, loose: false, padding: padded ? 0.02 : 0)
    let y = PlotAxis.make(
      min: yMin, max: yMax, scale: spec.logY ? .log : .linear,
      maxTicks: yTicks, loose: !padded, padding: padded ? 0.05 : 0)
    return (x, y)
  }

  /// The value axis of a bar chart: from min(0, data) to max(0, data), so
  /// that every bar starts at zero.
  func barAxis(maxTicks: Int) -> PlotAxis {
    PlotAxis.make(
      min: min(0, yMin), max: max(0, yMax), scale: .linear,
      maxTicks: maxTicks, loose: true)
  }
}
