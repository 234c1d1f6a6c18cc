/// Horizontal bar charts in SVG: category labels on the left, one `<rect>`
/// per category and series, the value at the end of each bar, and a value
/// axis with grid lines underneath.
extension SVGPlot {
  /// Category labels may take at most this share of the width.
  static let maximumBarLabelShare = 0.45

  static func renderBars(
    _ spec: PlotSpec, _ data: PlotData, width: Int, height: Int
  )
    throws -> String
  {
    let categories = spec.categories ?? []
    let maxChars = Int(Double(width) * maximumBarLabelShare / 7.2)
    let labels = categories.map {
      TerminalPlot.fitted($0, min(maxChars, $0.count))
    }
    let values = spec.series.map { $0.y.map { NumberFormat.compact($0) } }
    let frame = try barFrame(
      spec, data, labels: labels, values: values, width: width, height: height)
    let axis = data.barAxis(maxTicks: max(2, Int(frame.width / 90) + 1))
    var doc = SVGDocument(width: width, height: height)
    drawValueAxis(&doc, axis, frame)
    let band = frame.height / Double(categories.count)
    let thickness = band * 0.8 / Double(spec.series.count)
    for (c, label) in labels.enumerated() {
      let bandTop = frame.y + band * Double(c)
      doc.text(
        label,
        [
          ("x", n(frame.x - 8)), ("y", n(bandTop + band / 2)), ("dy", "0.35em"),
          ("text-anchor", "end"),
        ])
      for s in spec.series.indices {
        let y = bandTop + band * 0.1 + thickness * Double(s)
        drawBar(
          &doc, spec.series[s].y[c], values[s][c], s, y, thickness, axis, frame)
      }
    }
    let zero = n(px(0, axis, frame))
    doc.line(
      x1: zero, y1: n(frame.y), x2: zero, y2: n(frame.bottom), stroke: "#333333"
    )
    if let xLabel = spec.xLabel {
      doc.text(
        xLabel,
        [
          ("x", n(frame.x - 8)), ("y", n(frame.y - 8)), ("text-anchor", "end"),
          ("font-weight", "bold"),
        ])
    }
    var titles = spec
    titles.xLabel = spec.yLabel
    titles.yLabel = nil
    drawTitles(
      &doc, titles, frame, notes: data.notes, xLabelY: frame.bottom + 38)
    drawLegend(
      &doc, spec, top: spec.title == nil ? 12 : 38,
      centre: frame.x + frame.width / 2)
    return doc.rendered(title: spec.title)
  }

  /// The plotting area of a bar chart: room on the left for the category
  /// labels (and the category axis name), on the right for the values, and
  /// above and below for the title, legend, value axis and notes.
  ///
  /// - Throws: `PlotError.tooSmall` when the bars would get under 60 points
  ///   of width or 4 of height each.
  static func barFrame(
    _ spec: PlotSpec, _ data: PlotData, labels: [String], values: [[String]], width: Int,
    height: Int
  ) throws -> Frame {
    let categories = labels
    let labelWidth = labels.map { SVGDocument.textWidth($0) }.max() ?? 0
    let valueWidth =
      values.joined().map { SVGDocument.textWidth($0, fontSize: 10) }.max() ?? 0
    let top =
      (spec.title == nil ? 16.0 : 40.0) + legendHeight(spec, width: width)
      + (spec.xLabel == nil ? 0 : 16)
    let bottom =
      34.0 + (spec.yLabel == nil ? 0 : 20) + 14 * Double(data.notes.count)
    let nameWidth = spec.xLabel.map { SVGDocument.textWidth($0) } ?? 0
    let left = max(labelWidth, nameWidth) + 16
    let frame = Frame(
      x: left, y: top, width: Double(width) - left - valueWidth - 16,
      height: Double(height) - top - bottom)
    guard frame.width >= 60, frame.height >= 4 * Double(categories.count) else {
      throw PlotError.tooSmall(
        width: width, height: height, minimumWidth: Int(left + valueWidth + 76),
        minimumHeight: Int(top + bottom) + 4 * categories.count)
    }
    return frame
  }

  /// Vertical grid lines and labelled ticks along the bottom edge.
  static func drawValueAxis(
    _ doc: inout SVGDocument, _ axis: PlotAxis, _ frame: Frame
  ) {
    doc.line(
      x1: n(frame.x), y1: n(frame.bottom), x2: n(frame.right),
      y2: n(frame.bottom), stroke: "#333333")
    for tick in axis.ticks {
      let p = n(px(tick.value, axis, frame))
      doc.line(
        x1: p, y1: n(frame.y), x2: p, y2: n(frame.bottom), stroke: "#dddddd")
      doc.line(
        x1: p, y1: n(frame.bottom), x2: p, y2: n(frame.bottom + 5),
        stroke: "#333333")
      doc.text(
        tick.label,
        [("x", p), ("y", n(frame.bottom + 18)), ("text-anchor", "middle")])
    }
  }

  /// One bar from zero to `value` and its value text beyond the bar's end;
  /// a NaN or infinite value gets the text only.
  static func drawBar(
    _ doc: inout SVGDocument, _ value: Double, _ text: String, _ s: Int,
    _ y: Double,
    _ thickness: Double, _ axis: PlotAxis, _ frame: Frame
  ) {
    let zero = px(0, axis, frame)
    let middle = n(y + thickness / 2)
    guard value.isFinite else {
      doc.text(
        text,
        [
          ("x", n(zero + 4)), ("y", middle), ("dy", "0.35em"),
          ("font-size", "10"),
        ])
      return
    }
    let end = px(value, axis, frame)
    doc.element(
      "rect",
      [
        ("class", "bar"), ("x", n(min(zero, end))), ("y", n(y)),
        ("width", n(abs(end - zero))),
        ("height", n(thickness)),
        ("fill", SVGDocument.palette[s % SVGDocument.palette.count]),
      ])
    let anchor = value < 0 ? "end" : "start"
    let x = value < 0 ? end - 4 : end + 4
    doc.text(
      text,
      [
        ("x", n(x)), ("y", middle), ("dy", "0.35em"), ("font-size", "10"),
        ("text-anchor", anchor),
      ])
  }
}
