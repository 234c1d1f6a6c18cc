/// The SVG legend: one centred row of entries under the title, wrapped onto
/// further rows when it is wider than the image.
///
/// It sits outside the plot area, so it never hides data (a legend boxed in
/// a corner covered the longest bar of a rank chart and the last points of
/// a curve).
extension SVGPlot {
  /// Height in px of one legend row.
  static let legendRowHeight = 18.0
  /// Width in px of an entry's sample (stroke, dot or swatch) and its gap.
  static let legendSampleWidth = 28.0
  /// Space in px between two entries of a row.
  static let legendEntryGap = 18.0

  /// The rows of the legend: for each, the series it shows and its width.
  static func legendRows(_ spec: PlotSpec, width: Int) -> [([Int], Double)] {
    guard spec.needsLegend else { return [] }
    let available = Double(width) - 32
    var rows: [([Int], Double)] = []
    var current: [Int] = []
    var used = 0.0
    for s in spec.series.indices {
      let entry = legendEntryWidth(spec, s)
      if !current.isEmpty && used + legendEntryGap + entry > available {
        rows.append((current, used))
        current = []
        used = 0
      }
      used += (current.isEmpty ? 0 : legendEntryGap) + entry
      current.append(s)
    }
    rows.append((current, used))
    return rows
  }

  static func legendEntryWidth(_ spec: PlotSpec, _ s: Int) -> Double {
    legendSampleWidth + SVGDocument.textWidth(spec.legendLabel(s))
  }

  /// The vertical space the legend takes, 0 when there is none.
  static func legendHeight(_ spec: PlotSpec, width: Int) -> Double {
    let rows = legendRows(spec, width: width).count
    return rows == 0 ? 0 : Double(rows) * legendRowHeight + 6
  }

  /// Draws the legend rows from `top` down, each centred on `centre` (the
  /// plot area's middle, under the title) as far as the image allows: a
  /// stroke, a dot or a swatch in the series' colour, then its label.
  static func drawLegend(
    _ doc: inout SVGDocument, _ spec: PlotSpec, top: Double, centre: Double
  ) {
    let rows = legendRows(spec, width: doc.width)
    for (r, (series, rowWidth)) in rows.enumerated() {
      let limit = Double(doc.width) - 16 - rowWidth
      var x = max(16, min(limit, centre - rowWidth / 2))
      let cy = top + legendRowHeight * (Double(r) + 0.5)
      for s in series {
        drawLegendSample(&doc, spec.kind, s, x: x, cy: cy)
        doc.text(
          spec.legendLabel(s),
          [("x", n(x + legendSampleWidth)), ("y", n(cy)), ("dy", "0.35em")])
        x += legendEntryWidth(spec, s) + legendEntryGap
      }
    }
  }

  static func drawLegendSample(
    _ doc: inout SVGDocument, _ kind: PlotKind, _ s: Int, x: Double, cy: Double
  ) {
    let colour = SVGDocument.palette[s % SVGDocument.palette.count]
    switch kind {
    case .line:
      doc.line(
        x1: n(x), y1: n(cy), x2: n(x + 20), y2: n(cy), stroke: colour,
        width: "2")
    case .points:
      doc.element(
        "circle",
        [
          ("cx", n(x + 10)), ("cy", n(cy)), ("r", n(pointRadius + 0.5)),
          ("fill", colour),
        ])
    case .bar:
      doc.element(
        "rect",
        [
          ("class", "legend-swatch"), ("x", n(x + 2)), ("y", n(cy - 5)),
          ("width", "16"), ("height", "10"), ("fill", colour),
        ])
    }
  }
}
