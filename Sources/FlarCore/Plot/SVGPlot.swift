import FlarLinAlg

/// Renders a `PlotSpec` as a standalone SVG document.
///
/// The document has a `viewBox`, a white background, a framed plot area
/// with grid lines at the ticks (and lighter ones at 2…9 × 10ᵏ on a log
/// axis), tick labels, the title and axis labels, a legend, and one `<path>`
/// per series in the Okabe–Ito palette; a bar chart draws `<rect>`s. Text is
/// escaped for XML. The output is deterministic, so files diff cleanly.
public enum SVGPlot {
  /// A rectangle in px, the plot area.
  struct Frame {
    var x: Double
    var y: Double
    var width: Double
    var height: Double
    var right: Double { x + width }
    var bottom: Double { y + height }
  }

  /// Radius in px of a point marker.
  static let pointRadius = 2.5

  /// Renders `spec` as an SVG document of `width` × `height` px.
  ///
  /// - Returns: the document, ending with a newline.
  /// - Throws: the same `PlotError`s as `TerminalPlot.render`; `tooSmall`
  ///   counts px here.
  public static func render(
    _ spec: PlotSpec, width: Int = 640, height: Int = 400
  )
    throws -> String
  {
    let data = try PlotData(spec)
    if spec.categories != nil {
      return try renderBars(spec, data, width: width, height: height)
    }
    return try renderXY(spec, data, width: width, height: height)
  }

  /// Renders `spec` and writes the SVG to `path` atomically, as
  /// `plot(…, file=)` does.
  ///
  /// - Throws: a `PlotError` as `render` does, or `FileError.cannotWrite`
  ///   with the path and the system's reason.
  public static func write(
    _ spec: PlotSpec, to path: String, width: Int = 640, height: Int = 400
  ) throws {
    let svg = try render(spec, width: width, height: height)
    try AtomicFile.write(Array(svg.utf8), to: path)
  }

  static func renderXY(
    _ spec: PlotSpec, _ data: PlotData, width: Int, height: Int
  )
    throws -> String
  {
    let top =
      (spec.title == nil ? 16.0 : 40.0) + legendHeight(spec, width: width)
    let bottom =
      34.0 + (spec.xLabel == nil ? 0 : 20) + 14 * Double(data.notes.count)
    let plotHeight = Double(height) - top - bottom
    let yTicks = max(2, Int(plotHeight / 45) + 1)
    let yFirst = data.axes(spec, xTicks: 2, yTicks: yTicks, padded: true).y
    let labelWidth =
      yFirst.ticks.map { SVGDocument.textWidth($0.label) }.max() ?? 0
    let left = labelWidth + 16 + (spec.yLabel == nil ? 0 : 22)
    let plotWidth = Double(width) - left - 20
    guard plotWidth >= 60, plotHeight >= 60 else {
      throw PlotError.tooSmall(
        width: width, height: height, minimumWidth: Int(left + 80),
        minimumHeight: Int(top + bottom + 60))
    }
    let frame = Frame(x: left, y: top, width: plotWidth, height: plotHeight)
    let (xAxis, yAxis) = data.axes(
      spec, xTicks: max(2, Int(plotWidth / 90) + 1), yTicks: yTicks,
      padded: true)
    var doc = SVGDocument(width: width, height: height)
    doc.raw(
      "<defs><clipPath id=\"plot-area\"><rect x=\"\(n(frame.x))\" y=\"\(n(frame.y))\" "
        + "width=\"\(n(frame.width))\" height=\"\(n(frame.height))\"/></clipPath></defs>"
    )
    drawGrid(&doc, frame, x: xAxis, y: yAxis)
    for s in data.series.indices {
      doc.element(
        "path", seriesAttributes(data.series[s], s, spec, frame, xAxis, yAxis))
    }
    drawFrameAndLabels(&doc, spec, frame, x: xAxis, y: yAxis, notes: data.notes)
    drawLegend(
      &doc, spec, top: spec.title == nil ? 12 : 38,
      centre: frame.x + frame.width / 2)
    return doc.rendered(title: spec.title)
  }

  static func n(_ v: Double) -> String { SVGDocument.number(v) }

  static func px(_ v: Double, _ axis: PlotAxis, _ frame: Frame) -> Double {
    frame.x + axis.clampedFraction(v) * frame.width
  }

  static func py(_ v: Double, _ axis: PlotAxis, _ frame: Frame) -> Double {
    frame.bottom - axis.clampedFraction(v) * frame.height
  }

  /// Minor grid lines, then major ones, under the data.
  static func drawGrid(
    _ doc: inout SVGDocument, _ frame: Frame, x: PlotAxis, y: PlotAxis
  ) {
    for (values, colour) in [
      (x.minorTicks, "#f2f2f2"), (x.ticks.map(\.value), "#dddddd"),
    ] {
      for v in values {
        let p = n(px(v, x, frame))
        doc.line(
          x1: p, y1: n(frame.y), x2: p, y2: n(frame.bottom), stroke: colour)
      }
    }
    for (values, colour) in [
      (y.minorTicks, "#f2f2f2"), (y.ticks.map(\.value), "#dddddd"),
    ] {
      for v in values {
        let p = n(py(v, y, frame))
        doc.line(
          x1: n(frame.x), y1: p, x2: n(frame.right), y2: p, stroke: colour)
      }
    }
  }

  /// The `<path>` of one series: a polyline broken at skipped values, or a
  /// filled circle per point.
  static func seriesAttributes(
    _ points: [PlotData.Point?], _ s: Int, _ spec: PlotSpec, _ frame: Frame,
    _ x: PlotAxis, _ y: PlotAxis
  ) -> [(String, String)] {
    let colour = SVGDocument.palette[s % SVGDocument.palette.count]
    var d: [String] = []
    var run = 0
    for point in points {
      guard let point else {
        // A lone point between gaps is a zero-length segment, which a
        // round line cap draws as a dot.
        if run == 1 { d.append("l0 0") }
        run = 0
        continue
      }
      let (cx, cy) = (n(px(point.x, x, frame)), n(py(point.y, y, frame)))
      if spec.kind == .points {
        let r = pointRadius
        d.append(
          "M\(n(px(point.x, x, frame) - r)) \(cy)a\(n(r)) \(n(r)) 0 1 0 \(n(2 * r)) 0a\(n(r)) \(n(r)) 0 1 0 \(n(-2 * r)) 0"
        )
      } else {
        d.append((run == 0 ? "M" : "L") + "\(cx) \(cy)")
      }
      run += 1
    }
    if run == 1 && spec.kind == .line { d.append("l0 0") }
    var attributes = [
      ("class", "series"), ("data-label", spec.legendLabel(s)),
      ("d", d.joined(separator: " ")),
    ]
    if spec.kind == .points {
      // Not clipped: every point lies inside the axes' ranges, and a point
      // on the frame's edge should show whole, not as a half disc.
      attributes += [("fill", colour), ("stroke", "none")]
    } else {
      attributes += [
        ("clip-path", "url(#plot-area)"),
        ("fill", "none"), ("stroke", colour), ("stroke-width", "1.8"),
        ("stroke-linejoin", "round"), ("stroke-linecap", "round"),
      ]
    }
    return attributes
  }

  /// The frame, tick marks, tick labels, title, axis labels and notes.
  static func drawFrameAndLabels(
    _ doc: inout SVGDocument, _ spec: PlotSpec, _ frame: Frame, x: PlotAxis,
    y: PlotAxis, notes: [String]
  ) {
    doc.element(
      "rect",
      [
        ("x", n(frame.x)), ("y", n(frame.y)), ("width", n(frame.width)),
        ("height", n(frame.height)), ("fill", "none"), ("stroke", "#333333"),
      ])
    for tick in x.ticks {
      let p = px(tick.value, x, frame)
      doc.line(
        x1: n(p), y1: n(frame.bottom), x2: n(p), y2: n(frame.bottom + 5),
        stroke: "#333333")
      doc.text(
        tick.label,
        [("x", n(p)), ("y", n(frame.bottom + 18)), ("text-anchor", "middle")])
    }
    for tick in y.ticks {
      let p = py(tick.value, y, frame)
      doc.line(
        x1: n(frame.x - 5), y1: n(p), x2: n(frame.x), y2: n(p),
        stroke: "#333333")
      doc.text(
        tick.label,
        [
          ("x", n(frame.x - 8)), ("y", n(p)), ("dy", "0.35em"),
          ("text-anchor", "end"),
        ])
    }
    drawTitles(&doc, spec, frame, notes: notes, xLabelY: frame.bottom + 38)
  }

  /// Title above the frame, x label below it, y label turned along the left
  /// edge, and the notes in small grey type at the bottom left.
  static func drawTitles(
    _ doc: inout SVGDocument, _ spec: PlotSpec, _ frame: Frame, notes: [String],
    xLabelY: Double
  ) {
    let centre = n(frame.x + frame.width / 2)
    if let title = spec.title {
      doc.text(
        title,
        [
          ("x", centre), ("y", "26"), ("text-anchor", "middle"),
          ("font-size", "15"), ("font-weight", "bold"),
        ])
    }
    if let xLabel = spec.xLabel {
      doc.text(
        xLabel, [("x", centre), ("y", n(xLabelY)), ("text-anchor", "middle")])
    }
    if let yLabel = spec.yLabel {
      let middle = n(frame.y + frame.height / 2)
      doc.text(
        yLabel,
        [
          ("x", "16"), ("y", middle), ("text-anchor", "middle"),
          ("transform", "rotate(-90 16 \(middle))"),
        ])
    }
    for (i, note) in notes.enumerated() {
      let y = Double(doc.height) - 6 - 14 * Double(notes.count - 1 - i)
      doc.text(
        note,
        [("x", "6"), ("y", n(y)), ("font-size", "10"), ("fill", "#666666")])
    }
  }
}
