/// A cell whose new output differs from the stored one.
public struct NotebookMismatch: Equatable {
  /// 1-based index of the cell among the notebook's cells.
  public var cellIndex: Int
  /// 1-based line of the cell's opening fence in the file.
  public var line: Int
  /// The difference, one line per entry: `-` stored, `+` new, ` ` same.
  public var diff: [String]
}

/// What running one cell gave: its output, and the error it raised, if any.
public struct CellRun: Equatable {
  /// Everything the cell printed, its rendered error included.
  public var output: String
  /// The first line of the error the cell raised (or "cancelled"), else nil.
  public var error: String?

  /// Creates a cell's result.
  public init(output: String, error: String? = nil) {
    self.output = output
    self.error = error
  }
}

/// A cell that raised where it should not, or did not where it should.
public struct NotebookFailure: Equatable, CustomStringConvertible {
  /// 1-based index of the cell among the notebook's cells.
  public var cellIndex: Int
  /// 1-based line of the cell's opening fence in the file.
  public var line: Int
  /// The error's first line, or nil for a cell marked `expect-error` that ran cleanly.
  public var error: String?

  /// True when the cell stopped because of Ctrl-C.
  public var wasCancelled: Bool { error == "cancelled" }

  /// `cell 3 raised an error: …` or `cell 3 is marked expect-error but ran without one`.
  public var description: String {
    guard let error else {
      return "cell \(cellIndex) is marked expect-error but ran without an error"
    }
    return "cell \(cellIndex) raised an error: \(error)"
      + " (mark its fence ```flar expect-error if that is the point of the cell)"
  }
}

extension Notebook {
  /// The cell option saying that the cell is meant to raise an error.
  public static let expectErrorOption = "expect-error"

  /// Runs every cell in order through `execute` (one session for the whole
  /// file) and returns the notebook with each output block replaced, plus
  /// the cells whose output differs from what was stored.
  ///
  /// A cell without a stored output counts as a mismatch, so `check` fails
  /// on a notebook that was never run.
  public func run(
    _ execute: (String) -> String
  ) -> (updated: Notebook, mismatches: [NotebookMismatch]) {
    let result = run { CellRun(output: execute($0)) }
    return (result.updated, result.mismatches)
  }

  /// Runs every cell as `run(_:)` does, and also reports the cells that
  /// raised an error without being marked ```` ```flar expect-error ````
  /// (and the marked ones that did not raise): a notebook that errors is
  /// never a passing check.
  public func run(
    _ execute: (String) -> CellRun
  ) -> (updated: Notebook, mismatches: [NotebookMismatch], failures: [NotebookFailure]) {
    var updated = self
    var mismatches: [NotebookMismatch] = []
    var failures: [NotebookFailure] = []
    var index = 0
    for (position, segment) in segments.enumerated() {
      guard case .cell(var cell) = segment else { continue }
      index += 1
      let result = execute(cell.code)
      var output = result.output
      while output.hasSuffix("\n") { output.removeLast() }
      let expectsError = cell.options.contains(Notebook.expectErrorOption)
      if expectsError != (result.error != nil) {
        failures.append(NotebookFailure(cellIndex: index, line: cell.line, error: result.error))
      }
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
    return (updated, mismatches, failures)
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
