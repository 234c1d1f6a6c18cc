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

  /// The table as aligned text that fits in `width` columns when it can.
  ///
  /// Cells wider than `maximumCellWidth` characters are shortened with a
  /// `…` in the middle. When the table is still wider than `width` (for
  /// example `TerminalSize.columns()`), its widest text columns are
  /// shortened the same way, down to 8 characters; numbers are never cut.
  public func rendered(width: Int? = nil, maximumCellWidth: Int = 60)
    -> String
  {
    let numeric = columns.indices.map { isNumeric($0) }
    var body = rows.map { cellTexts($0, maximumCellWidth) }
    var foot = footer.map { cellTexts($0, maximumCellWidth) }
    var header = columns.map {
      TerminalPlot.fitted($0.name, min($0.name.count, maximumCellWidth))
    }
    var widths = header.map(\.count)
    for row in body + (foot.map { [$0] } ?? []) {
      for (c, text) in row.enumerated() {
        widths[c] = max(widths[c], text.count)
      }
    }
    if let width {
      widths = Self.shrunk(widths, numeric: numeric, toFit: width)
      let fit = { (row: [String]) in
        row.enumerated().map { c, text in
          text.count > widths[c] ? TerminalPlot.fitted(text, widths[c]) : text
        }
      }
      body = body.map(fit)
      foot = foot.map(fit)
      header = fit(header)
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

  /// Column widths with the widest text columns narrowed, one at a time,
  /// until the line (with two spaces between columns) fits in `width`.
  static func shrunk(_ widths: [Int], numeric: [Bool], toFit width: Int)
    -> [Int]
  {
    let minimum = 8
    var widths = widths
    var total = widths.reduce(0, +) + 2 * (widths.count - 1)
    while total > width {
      let candidates = widths.indices.filter {
        !numeric[$0] && widths[$0] > minimum
      }
      guard let c = candidates.max(by: { widths[$0] < widths[$1] }) else {
        break
      }
      let cut = min(total - width, widths[c] - minimum)
      widths[c] -= cut
      total -= cut
    }
    return widths
  }

  /// The formatted cells of `row` on one line each (newlines become spaces).
  private func cellTexts(_ row: [TableCell], _ limit: Int) -> [String] {
    row.enumerated().map { c, cell in
      let text = String(
        terminalText(cell, column: c).map { $0.isNewline ? " " : $0 })
      return text.count > limit ? TerminalPlot.fitted(text, limit) : text
    }
  }

  /// A cell as the terminal shows it: a `.shortest` column at 6
  /// significant digits (`0.268278`, not `0.2682778593723883`), as pandas
  /// prints a frame; the exports (CSV, JSON, Markdown) keep every digit.
  func terminalText(_ cell: TableCell, column c: Int) -> String {
    if case .number(let v) = cell, columns[c].format == .shortest {
      return NumberFormat.significant(v, digits: Self.terminalDigits)
    }
    return formatted(cell, column: c)
  }

  /// Significant digits of a `.shortest` column on the terminal.
  public static let terminalDigits = 6

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
