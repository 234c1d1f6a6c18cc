/// Renders a `PlotSpec` as Unicode text for a terminal.
///
/// Lines and points are drawn on a braille canvas (2×4 dots per character
/// cell); bar charts are horizontal bars of eighth blocks (`▏▎▍▌▋▊▉█`) with
/// the category labels on the left and the values at the end.
///
/// Series are told apart by colour when `color` is true. Without colour, the
/// first series is drawn in braille and every further one with its own
/// marker (`•`, `×`, `+`, `o`, `*`) one per cell, so that a plain-text log or
/// a `NO_COLOR` terminal still shows which curve is which. Output is a pure
/// function of its arguments: the same spec and size give the same text.
///
/// Layout, top to bottom: title, y label, the plot area with the y tick
/// labels on its left, the x axis, its tick labels, the x label, the legend,
/// then one note per series with skipped NaN or infinite values.
public enum TerminalPlot {
  /// Markers for the second and later series when colour is off.
  static let markers: [Character] = ["•", "×", "+", "o", "*"]

  /// Renders `spec` in at most `width` columns and exactly `height` lines
  /// (bar charts take one line per bar instead, and ignore `height`).
  ///
  /// - Parameters:
  ///   - spec: the plot.
  ///   - width: the number of columns, e.g. `TerminalSize.columns()`.
  ///   - height: the number of lines, labels and legend included.
  ///   - color: whether to emit ANSI colours; pass false for `NO_COLOR` or
  ///     when output is not a terminal.
  /// - Returns: the lines joined by `\n`, without a final newline, each
  ///   stripped of trailing spaces.
  /// - Throws: the `PlotError` of invalid data (`noSeries`, `emptySeries`,
  ///   `noFiniteValues`, `lengthMismatch`, `nonPositiveOnLogScale`,
  ///   `categoryCountMismatch`, `logScaleForBars`), or `tooSmall`.
  public static func render(
    _ spec: PlotSpec, width: Int = 80, height: Int = 20, color: Bool = false
  ) throws -> String {
    let data = try PlotData(spec)
    if spec.categories != nil {
      return try renderBars(spec, data, width: width, color: color)
    }
    return try renderXY(spec, data, width: width, height: height, color: color)
  }

  /// The glyph style of series `i`: braille dots, or a marker per cell.
  static func marker(series i: Int, color: Bool) -> Character? {
    color || i == 0 ? nil : markers[(i - 1) % markers.count]
  }

  static func renderXY(
    _ spec: PlotSpec, _ data: PlotData, width: Int, height: Int, color: Bool
  ) throws -> String {
    let header = (spec.title == nil ? 0 : 1) + (spec.yLabel == nil ? 0 : 1)
    let footer =
      2 + (spec.xLabel == nil ? 0 : 1)
      + legendLines(spec, margin: 0, width: width, color: false).count
      + data.notes.count
    let rows = height - header - footer
    let minimumRows = 3
    let yAxisOnly = data.axes(spec, xTicks: 2, yTicks: max(2, rows / 3 + 1)).y
    let labelWidth = yAxisOnly.ticks.map(\.label.count).max() ?? 1
    let margin = labelWidth + 2
    let columns = width - margin
    guard rows >= minimumRows, columns >= 10 else {
      throw PlotError.tooSmall(
        width: width, height: height, minimumWidth: margin + 10,
        minimumHeight: header + footer + minimumRows)
    }
    let (xAxis, yAxis) = data.axes(
      spec, xTicks: max(2, columns / 10 + 1), yTicks: max(2, rows / 3 + 1))
    var canvas = BrailleCanvas(columns: columns, rows: rows)
    for (s, points) in data.series.enumerated() {
      draw(
        points, series: s, on: &canvas, x: xAxis, y: yAxis, spec: spec,
        marker: marker(series: s, color: color))
    }
    let colors = color ? ANSI.seriesColors : nil
    var lines: [String] = []
    if let title = spec.title { lines.append(centred(title, margin, columns)) }
    if let yLabel = spec.yLabel { lines.append(yLabel) }
    lines += plotRows(canvas, yAxis, labelWidth: labelWidth, colors: colors)
    let tickColumns = xAxis.ticks.map {
      (column(of: $0.value, xAxis, canvas), $0.label)
    }
    lines.append(
      xAxisLine(tickColumns.map(\.0), margin: margin, columns: columns))
    lines.append(tickLabelLine(tickColumns, margin: margin, width: width))
    if let xLabel = spec.xLabel {
      lines.append(centred(xLabel, margin, columns))
    }
    lines += legendLines(spec, margin: margin, width: width, color: color)
    lines += data.notes
    return lines.map(trimmedTrailingSpaces).joined(separator: "\n")
  }

  /// The plot area's lines: a y tick label and `┤` on the rows that hold a
  /// tick, `│` on the others, then the canvas row.
  static func plotRows(
    _ canvas: BrailleCanvas, _ yAxis: PlotAxis, labelWidth: Int,
    colors: [String]?
  ) -> [String] {
    let tickRows = Dictionary(
      yAxis.ticks.map { (row(of: $0.value, yAxis, canvas), $0.label) },
      uniquingKeysWith: { first, _ in first })
    return (0..<canvas.rows).map { r in
      let label = tickRows[r] ?? ""
      let pad = String(repeating: " ", count: labelWidth - label.count)
      let axis = tickRows[r] == nil ? "│" : "┤"
      return pad + label + " " + axis + canvas.line(row: r, colors: colors)
    }
  }

  /// Draws one series: joined segments for a line plot, single dots or
  /// markers for points.
  static func draw(
    _ points: [PlotData.Point?], series s: Int, on canvas: inout BrailleCanvas,
    x: PlotAxis, y: PlotAxis, spec: PlotSpec, marker: Character?
  ) {
    let joined = spec.kind == .line
    var previous: (Int, Int)? = nil
    for point in points {
      guard let point else {
        previous = nil
        continue
      }
      let dot = (dotX(point.x, x, canvas), dotY(point.y, y, canvas))
      if let marker {
        let cell = (dot.0 / 2, dot.1 / 4)
        let start =
          joined ? previous.map { ($0.0 / 2, $0.1 / 4) } ?? cell : cell
        canvas.markerLine(from: start, to: cell, marker: marker, series: s)
      } else if joined {
        canvas.dotLine(from: previous ?? dot, to: dot, series: s)
      } else {
        // A lone braille dot is hard to see; a point is a 2×2 block of dots.
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
          canvas.setDot(x: dot.0 + dx, y: dot.1 + dy, series: s)
        }
      }
      previous = dot
    }
  }

  static func dotX(_ v: Double, _ axis: PlotAxis, _ canvas: BrailleCanvas)
    -> Int
  {
    let f = axis.clampedFraction(v)
    return Int((f * Double(canvas.dotWidth - 1)).rounded())
  }

  static func dotY(_ v: Double, _ axis: PlotAxis, _ canvas: BrailleCanvas)
    -> Int
  {
    let f = axis.clampedFraction(v)
    return Int(((1 - f) * Double(canvas.dotHeight - 1)).rounded())
  }

  static func row(of v: Double, _ axis: PlotAxis, _ canvas: BrailleCanvas)
    -> Int
  {
    dotY(v, axis, canvas) / 4
  }

  static func column(of v: Double, _ axis: PlotAxis, _ canvas: BrailleCanvas)
    -> Int
  {
    dotX(v, axis, canvas) / 2
  }

  /// `└──┬───┬──` with a `┬` under each tick column.
  static func xAxisLine(_ tickColumns: [Int], margin: Int, columns: Int)
    -> String
  {
    var cells = Array(repeating: Character("─"), count: columns)
    for c in tickColumns where c >= 0 && c < columns { cells[c] = "┬" }
    return String(repeating: " ", count: margin - 1) + "└" + String(cells)
  }

  /// The x tick labels, each centred under its tick, skipping any that
  /// would touch the previous one, and shifted left to fit the width.
  static func tickLabelLine(_ ticks: [(Int, String)], margin: Int, width: Int)
    -> String
  {
    var cells = Array(repeating: Character(" "), count: width)
    var end = -1
    for (column, label) in ticks {
      var start = margin + column - label.count / 2
      start = min(start, width - label.count)
      guard start >= 0, start > end else { continue }
      for (k, character) in label.enumerated() { cells[start + k] = character }
      end = start + label.count
    }
    return String(cells)
  }

  /// The legend: a sample of each series' glyph, coloured when asked,
  /// followed by its label, wrapped onto as many lines as `width` needs.
  ///
  /// Lines are broken before they are indented, so that their count (which
  /// the layout must know before the y labels fix the margin) depends on
  /// the width only; they are then indented under the plot area as far as
  /// the longest line allows.
  static func legendLines(
    _ spec: PlotSpec, margin: Int, width: Int, color: Bool
  ) -> [String] {
    guard spec.needsLegend else { return [] }
    var lines: [(text: String, length: Int)] = []
    for i in spec.series.indices {
      let glyph = marker(series: i, color: color).map { String($0) } ?? "⠤⠤"
      let sample =
        color
        ? ANSI.seriesColors[i % ANSI.seriesColors.count] + glyph + ANSI.reset
        : glyph
      let label = spec.legendLabel(i)
      let length = glyph.count + 1 + label.count
      if let last = lines.last, last.length + 3 + length <= width {
        lines[lines.count - 1] = (
          last.text + "   " + sample + " " + label, last.length + 3 + length
        )
      } else {
        lines.append((sample + " " + label, length))
      }
    }
    let longest = lines.map(\.length).max() ?? 0
    let indent = String(
      repeating: " ", count: max(0, min(margin, width - longest)))
    return lines.map { indent + $0.text }
  }

  /// `text` centred over the plot area that starts at `margin`.
  static func centred(_ text: String, _ margin: Int, _ columns: Int) -> String {
    let start = max(0, margin + (columns - text.count) / 2)
    return String(repeating: " ", count: start) + text
  }

  static func trimmedTrailingSpaces(_ line: String) -> String {
    var line = Substring(line)
    while line.last == " " { line.removeLast() }
    return String(line)
  }
}
