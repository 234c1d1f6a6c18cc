/// Horizontal bar charts: one line per category and series.
///
///     encoder.layer.0.query │████████████▌ 96
///     encoder.layer.0.key   │██████▎ 48
///
/// Bars start at zero; negative values grow to the left of the zero line.
/// The value follows each bar, so the chart needs no value axis.
extension TerminalPlot {
  /// Eighth blocks, index = eighths of a cell (0 is empty).
  static let eighths: [String] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
  /// Fills of the second and later series when colour is off (whole cells).
  static let shades: [Character] = ["▓", "▒", "░"]
  /// Category labels longer than this share of the width are cut with `…`.
  static let maximumLabelShare = 0.5

  static func renderBars(
    _ spec: PlotSpec, _ data: PlotData, width: Int, color: Bool
  ) throws -> String {
    let categories = spec.categories ?? []
    let labelWidth = min(
      max(categories.map(\.count).max() ?? 0, spec.xLabel?.count ?? 0),
      Int(Double(width) * maximumLabelShare)
    )
    let values = spec.series.map { $0.y.map { NumberFormat.compact($0) } }
    let valueWidth = values.joined().map(\.count).max() ?? 1
    let barColumns = width - labelWidth - 3 - valueWidth
    guard barColumns >= 5 else {
      throw PlotError.tooSmall(
        width: width, height: 0, minimumWidth: labelWidth + valueWidth + 8,
        minimumHeight: 0)
    }
    let lo = min(0, data.yMin)
    let hi = max(0, data.yMax) == lo ? lo + 1 : max(0, data.yMax)
    let negativeColumns = Int((Double(barColumns) * -lo / (hi - lo)).rounded())
    let scale = Double(barColumns) / (hi - lo)
    var lines: [String] = []
    if let title = spec.title { lines.append(title) }
    if spec.xLabel != nil || spec.yLabel != nil {
      let name = fitted(spec.xLabel ?? "", labelWidth)
      lines.append(
        name + " " + String(repeating: " ", count: negativeColumns + 1)
          + (spec.yLabel ?? ""))
    }
    for (c, category) in categories.enumerated() {
      for s in spec.series.indices {
        let label = fitted(s == 0 ? category : "", labelWidth)
        let bar = barText(
          spec.series[s].y[c], scale: scale, negativeColumns: negativeColumns,
          series: s, color: color)
        lines.append(label + " " + bar + " " + values[s][c])
      }
    }
    if spec.needsLegend {
      lines.append(barLegend(spec, margin: labelWidth + 1, color: color))
    }
    lines += data.notes
    return lines.map(trimmedTrailingSpaces).joined(separator: "\n")
  }

  /// The zero line and a bar of `value × scale` cells: eighth blocks for a
  /// positive value of the first series (or any series in colour), whole
  /// shaded cells otherwise; a non-zero value shows at least a sliver.
  static func barText(
    _ value: Double, scale: Double, negativeColumns: Int, series s: Int,
    color: Bool
  ) -> String {
    guard value.isFinite else {
      return String(repeating: " ", count: negativeColumns) + "│"
    }
    let useShade = !color && s > 0
    let shade = shades[(s - 1 + shades.count) % shades.count]
    var body: String
    var left = String(repeating: " ", count: negativeColumns)
    if value >= 0 {
      if useShade {
        let cells = max(value > 0 ? 1 : 0, Int((value * scale).rounded()))
        body = String(repeating: shade, count: cells)
      } else {
        let units = max(value > 0 ? 1 : 0, Int((value * scale * 8).rounded()))
        body = String(repeating: "█", count: units / 8) + eighths[units % 8]
      }
    } else {
      // No block character fills a cell from the right in eighths, so
      // negative bars are drawn in whole cells.
      let cells = min(negativeColumns, max(1, Int((-value * scale).rounded())))
      let fill: Character = useShade ? shade : "█"
      left = String(repeating: " ", count: negativeColumns - cells)
      body = String(repeating: fill, count: cells)
      return left + paint(body, s, color) + "│"
    }
    return left + "│" + paint(body, s, color)
  }

  static func paint(_ text: String, _ s: Int, _ color: Bool) -> String {
    guard color, !text.isEmpty else { return text }
    return ANSI.seriesColors[s % ANSI.seriesColors.count] + text + ANSI.reset
  }

  /// The legend of a grouped bar chart: each series' fill, then its label.
  static func barLegend(_ spec: PlotSpec, margin: Int, color: Bool) -> String {
    let entries = spec.series.indices.map { s -> String in
      let fill =
        !color && s > 0
        ? String(repeating: shades[(s - 1) % shades.count], count: 2) : "██"
      return paint(fill, s, color) + " " + spec.legendLabel(s)
    }
    return String(repeating: " ", count: margin)
      + entries.joined(separator: "   ")
  }

  /// `text` padded with spaces to `width`, or shortened to `width` by an
  /// `…` in the middle, so that both the layer number near the start of a
  /// name and the projection at its end stay readable
  /// (`encoder.layer.0…on.self.query`).
  static func fitted(_ text: String, _ width: Int) -> String {
    if text.count <= width {
      return text + String(repeating: " ", count: width - text.count)
    }
    guard width > 1 else { return String(text.prefix(width)) }
    let head = width / 2
    let tail = width - 1 - head
    return String(text.prefix(head)) + "…" + String(text.suffix(tail))
  }
}
