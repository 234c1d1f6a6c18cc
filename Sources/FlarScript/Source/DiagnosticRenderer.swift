/// Renders diagnostics as compilers print them, with a line-number gutter.
///
/// The form (swift-syntax's gutter, with `file:line:col` first as Lua and
/// compilers print it):
///
///     calib.flar:12:15: error: unknown name "shrnk"
///        |
///     12 | Hs = shrnk(H)
///        |      ^~~~~
///        = did you mean "shrink"?
///
/// The caret sits under the first character of the range and `~` extends it
/// to the range's last character on that line; both are counted in
/// `Character`s so they line up under non-ASCII text.
public struct DiagnosticRenderer: Sendable {
  /// Creates a renderer.
  public init() {}

  /// The full text of one diagnostic, ending without a newline.
  public func render(_ diagnostic: Diagnostic, in file: SourceFile) -> String {
    let start = file.location(of: diagnostic.range.start)
    var lines = [
      "\(file.name):\(start): \(diagnostic.severity.rawValue): \(diagnostic.message)"
    ]
    let gutterWidth = String(start.line).count + 1
    let blank = String(repeating: " ", count: gutterWidth) + "|"
    lines.append(blank)
    let sourceLine = file.lineText(start.line)
    lines.append(String(start.line).padding(gutterWidth) + "| " + sourceLine)
    lines.append(
      blank + " " + caretLine(for: diagnostic.range, from: start, in: file))
    for note in diagnostic.notes {
      lines.append(
        String(repeating: " ", count: gutterWidth) + "= " + note.message)
    }
    return lines.joined(separator: "\n")
  }

  /// Several diagnostics, separated by newlines.
  public func render(_ diagnostics: [Diagnostic], in file: SourceFile) -> String {
    diagnostics.map { render($0, in: file) }.joined(separator: "\n")
  }

  /// Spaces up to the caret, then `^` and one `~` per further character.
  private func caretLine(
    for range: SourceRange, from start: SourceLocation, in file: SourceFile
  ) -> String {
    let lineText = file.lineText(start.line)
    let lineLength = lineText.count
    let end = file.location(of: range.end)
    // A range that runs past its first line is underlined to that line's end.
    let lastColumn = end.line == start.line ? end.column : lineLength + 1
    let width = max(1, lastColumn - start.column)
    let indent = String(repeating: " ", count: start.column - 1)
    return indent + "^" + String(repeating: "~", count: width - 1)
  }
}

extension String {
  /// The string padded with spaces on the right to `width` characters.
  fileprivate func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
