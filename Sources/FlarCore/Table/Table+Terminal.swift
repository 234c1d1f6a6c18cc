/// The terminal form of a table: columns two spaces apart, numbers
/// right-aligned and text left-aligned, a `─` rule under the header and
/// above the footer, then the notes.
///
///     ranks at 50 % parameters
///     layer                        rank  params
///     ───────────────────────────  ────  ──────
///     encoder.layer.0.output.dense   96  184320
///     ───────────────────────────  ────  ──────
///     total                              184320
///
/// One light rule style was chosen over full box drawing: it reads the same
/// in a log file, copies cleanly and costs no width.
extension Table: CustomStringConvertible {
  /// The table as aligned text, without ANSI codes or a final newline.
  public var description: String { rendered() }

  /// The table as aligned text; cells wider than `maximumCellWidth`
  /// characters are shortened with a `…` in the middle.
  public func rendered(maximumCellWidth: Int = 60) -> String {
    let numeric = columns.indices.map { isNumeric($0) }
    let body = rows.map { cellTexts($0, maximumCellWidth) }
    let foot = footer.map { cellTexts($0, maximumCellWidth) }
    let header = columns.map {
      TerminalPlot.fitted($0.name, min($0.name.count, maximumCellWidth))
    }
    var widths = header.map(\.count)
    for row in body + (foot.map { [$0] } ?? []) {
      for (c, text) in row.enumerated() {
        widths[c] = max(widths[c], text.count)
      }
    }
    let rule = widths.map { String(repeating: "─", count: $0) }.joined(
      separator: "  ")
    var lines: [String] = []
    if let title { lines.append(title) }
    lines.append(line(header, widths, numeric))
    lines.append(rule)
    lines += body.map { line($0, widths, numeric) }
    if let foot {
      lines.append(rule)
      lines.append(line(foot, widths, numeric))
    }
    lines += notes
    return lines.map(TerminalPlot.trimmedTrailingSpaces).joined(separator: "\n")
  }

  /// The formatted cells of `row` on one line each (newlines become spaces).
  private func cellTexts(_ row: [TableCell], _ limit: Int) -> [String] {
    row.enumerated().map { c, cell in
      let text = String(
        formatted(cell, column: c).map { $0.isNewline ? " " : $0 })
      return text.count > limit ? TerminalPlot.fitted(text, limit) : text
    }
  }

  /// One aligned line: numeric columns padded on the left, others on the
  /// right; a text cell in a numeric column (a footer's "total") is
  /// right-aligned too, to stay under the numbers.
  private func line(_ cells: [String], _ widths: [Int], _ numeric: [Bool])
    -> String
  {
    cells.enumerated().map { c, text in
      let pad = String(repeating: " ", count: widths[c] - text.count)
      return numeric[c] ? pad + text : text + pad
    }.joined(separator: "  ")
  }
}
