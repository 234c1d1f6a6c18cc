/// A cell whose new output differs from the stored one.
public struct NotebookMismatch: Equatable {
  /// 1-based index of the cell among the notebook's cells.
  public var cellIndex: Int
  /// 1-based line of the cell's opening fence in the file.
  public var line: Int
  /// The difference, one line per entry: `-` stored, `+` new, ` ` same.
  public var diff: [String]
}

extension Notebook {
  /// Runs every cell in order through `execute` (one session for the whole
  /// file) and returns the notebook with each output block replaced, plus
  /// the cells whose output differs from what was stored.
  ///
  /// A cell without a stored output counts as a mismatch, so `check` fails
  /// on a notebook that was never run.
  public func run(
    _ execute: (String) -> String
  ) -> (updated: Notebook, mismatches: [NotebookMismatch]) {
    var updated = self
    var mismatches: [NotebookMismatch] = []
    var index = 0
    for (position, segment) in segments.enumerated() {
      guard case .cell(var cell) = segment else { continue }
      index += 1
      var output = execute(cell.code)
      while output.hasSuffix("\n") { output.removeLast() }
      let compare = !cell.options.contains("ignore-output")
      if compare {
        let stored = cell.output ?? ""
        if cell.output == nil || !Notebook.outputMatches(stored: stored, actual: output) {
          mismatches.append(
            NotebookMismatch(
              cellIndex: index, line: cell.line,
              diff: lineDiff(
                old: cell.output == nil ? [] : stored.splitLines(), new: output.splitLines())))
        }
      }
      // Keep stored wildcard lines where they still match, so `run` does not
      // erase the `...` a writer put there.
      if let stored = cell.output, compare,
        Notebook.outputMatches(stored: stored, actual: output)
      {
        output = stored
      }
      if cell.gap.isEmpty { cell.gap = "\n" }
      cell.output = output
      updated.segments[position] = .cell(cell)
    }
    return (updated, mismatches)
  }

  /// True when `actual` matches `stored` line by line, `...` in a stored
  /// line standing for any text.
  static func outputMatches(stored: String, actual: String) -> Bool {
    let s = stored.splitLines()
    let a = actual.splitLines()
    guard s.count == a.count else { return false }
    return zip(s, a).allSatisfy { lineMatches(pattern: $0, line: $1) }
  }

  static func lineMatches(pattern: String, line: String) -> Bool {
    guard pattern.contains("...") else { return pattern == line }
    let pieces = pattern.components(separatedBy: "...")
    var rest = Substring(line)
    guard rest.hasPrefix(pieces[0]) else { return false }
    rest = rest.dropFirst(pieces[0].count)
    for (k, piece) in pieces.enumerated().dropFirst() {
      if k == pieces.count - 1 { return piece.isEmpty || rest.hasSuffix(piece) }
      guard let r = rest.firstRange(of: piece) else { return false }
      rest = rest[r.upperBound...]
    }
    return true
  }
}

extension String {
  func splitLines() -> [String] {
    isEmpty ? [] : split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  }

  func components(separatedBy separator: String) -> [String] {
    var parts: [String] = []
    var rest = Substring(self)
    while let r = rest.firstRange(of: separator) {
      parts.append(String(rest[..<r.lowerBound]))
      rest = rest[r.upperBound...]
    }
    parts.append(String(rest))
    return parts
  }
}

/// A line diff by longest common subsequence: `-` old only, `+` new only,
/// two spaces for lines both have.
func lineDiff(old: [String], new: [String]) -> [String] {
  let n = old.count
  let m = new.count
  var lcs = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
  for i in stride(from: n - 1, through: 0, by: -1) {
    for j in stride(from: m - 1, through: 0, by: -1) {
      lcs[i][j] =
        old[i] == new[j] || Notebook.lineMatches(pattern: old[i], line: new[j])
        ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
    }
  }
  var out: [String] = []
  var i = 0
  var j = 0
  while i < n || j < m {
    if i < n && j < m
      && (old[i] == new[j] || Notebook.lineMatches(pattern: old[i], line: new[j]))
    {
      out.append("  " + new[j])
      i += 1
      j += 1
    } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
      out.append("- " + old[i])
      i += 1
    } else {
      out.append("+ " + new[j])
      j += 1
    }
  }
  return out
}
