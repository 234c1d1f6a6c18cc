/// What a plot draws its series as.
public enum PlotKind: Sendable, Equatable {
  /// Consecutive points joined by straight segments; a NaN or infinity
  /// breaks the line, as matplotlib does.
  case line
  /// Each point on its own, unjoined.
  case points
  /// One horizontal bar per category and series, labelled on the left with
  /// `categories[i]`; series `y[i]` is the value of category `i`.
  case bar(categories: [String])
}

/// One data series: y values, optional x values and a legend label.
public struct PlotSeries: Sendable, Equatable {
  /// The values plotted on the y axis (the bar lengths for a bar chart).
  public var y: [Double]
  /// The x coordinate of each y value, as many as `y` has.
  ///
  /// `nil` means `0, 1, 2, …`, the index, as `plt.plot(y)` does.
  public var x: [Double]?
  /// The legend text; `nil` shows "series k" when a legend is needed.
  public var label: String?

  /// Creates a series of `y` values, at `x` positions when given.
  public init(y: [Double], x: [Double]? = nil, label: String? = nil) {
    self.y = y
    self.x = x
    self.label = label
  }

  /// Creates a series from `[x, y]` pairs, such as a search's `curve`
  /// (`[[rank, value], …]`); a pair of another length is skipped as a NaN
  /// point, so that the plot notes it instead of failing.
  public init(pairs: [[Double]], label: String? = nil) {
    self.init(
      y: pairs.map { $0.count == 2 ? $0[1] : .nan },
      x: pairs.map { $0.count == 2 ? $0[0] : .nan }, label: label)
  }

  /// The x coordinate of point `i`: `x[i]`, or `i` when `x` is `nil`.
  public func xValue(_ i: Int) -> Double { x.map { $0[i] } ?? Double(i) }
}

/// A plot as data: series, titles, scales and kind, rendered by
/// `TerminalPlot` to text and by `SVGPlot` to an SVG document.
///
/// A `PlotSpec` holds no layout; the same value renders at any size and in
/// either form, so a builtin can build one and hand it to whichever output
/// the user asked for.
///
///     let spec = PlotSpec(
///       series: [PlotSeries(y: singularValues, label: "W S")],
///       title: "spectrum", xLabel: "index", yLabel: "σ", logY: true)
///     print(try TerminalPlot.render(spec, width: 60, height: 20))
public struct PlotSpec: Sendable, Equatable {
  /// The data, drawn in order (later series on top), each in its own colour.
  public var series: [PlotSeries]
  /// Line, points or horizontal bars.
  public var kind: PlotKind
  /// A title above the plot.
  public var title: String?
  /// The x axis label (the category axis of a bar chart).
  public var xLabel: String?
  /// The y axis label (the value axis of a bar chart).
  public var yLabel: String?
  /// Whether the x axis is logarithmic (decades); x values must be positive.
  public var logX: Bool
  /// Whether the y axis is logarithmic (decades); y values must be positive.
  public var logY: Bool

  /// Creates a plot of `series` drawn as `kind`.
  public init(
    series: [PlotSeries], kind: PlotKind = .line, title: String? = nil,
    xLabel: String? = nil, yLabel: String? = nil, logX: Bool = false,
    logY: Bool = false
  ) {
    self.series = series
    self.kind = kind
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.logX = logX
    self.logY = logY
  }

  /// A line plot of several y series against their index.
  public static func lines(
    _ ys: [[Double]], labels: [String]? = nil, title: String? = nil,
    logY: Bool = false
  ) -> PlotSpec {
    let series = ys.enumerated().map { i, y in
      PlotSeries(y: y, label: labels.flatMap { i < $0.count ? $0[i] : nil })
    }
    return PlotSpec(series: series, title: title, logY: logY)
  }

  /// A horizontal bar chart of one value per category (a rank per layer).
  public static func bars(
    _ values: [Double], categories: [String], title: String? = nil,
    valueLabel: String? = nil
  ) -> PlotSpec {
    PlotSpec(
      series: [PlotSeries(y: values)], kind: .bar(categories: categories),
      title: title, yLabel: valueLabel)
  }

  /// The categories of a bar chart, `nil` for lines and points.
  var categories: [String]? {
    if case .bar(let c) = kind { return c }
    return nil
  }

  /// The legend text of series `i` (0-based): its label or "series i+1".
  func legendLabel(_ i: Int) -> String {
    series[i].label ?? "series \(i + 1)"
  }

  /// Whether a legend is drawn: several series, or one that has a label.
  var needsLegend: Bool {
    series.count > 1 || (series.first?.label != nil && categories == nil)
  }
}
