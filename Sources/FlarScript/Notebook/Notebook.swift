/// A text notebook: a Markdown file whose fenced blocks tagged `flar` are
/// cells, each optionally followed by a fenced block tagged `output`.
///
/// All cells of a file run in one session, top to bottom. `run` rewrites
/// each cell's output block (inserting it when missing); `check` re-runs and
/// compares, so notebooks are tests. Output lines that legitimately vary
/// use `...` as a wildcard in the stored output (Python doctest's ELLIPSIS):
/// the stored line matches when its pieces around each `...` appear in the
/// new line in order. A cell tagged ```` ```flar ignore-output ```` is run
/// but its output is never compared.
public struct Notebook: Equatable {
  /// One part of the file, in order.
  public enum Segment: Equatable {
    /// Markdown between cells, kept byte for byte.
    case text(String)
    /// A code cell.
    case cell(Cell)
  }

  /// A `flar` cell with the output stored after it, if any.
  public struct Cell: Equatable {
    /// The code, without fences, ending without a newline.
    public var code: String
    /// Words after `flar` in the opening fence, such as `ignore-output`.
    public var options: [String]
    /// The stored output block's content, or nil when there is none.
    public var output: String?
    /// The 1-based line of the opening fence in the file (for messages).
    public var line: Int
    /// Blank lines between the cell and its output block, kept as written.
    var gap: String
  }

  public var segments: [Segment]

  /// The cells, in order.
  public var cells: [Cell] {
    segments.compactMap { if case .cell(let c) = $0 { return c } else { return nil } }
  }
}

/// A fenced block found while scanning.
private struct Fence {
  var info: String
  var content: String
  var firstLine: Int
  var endLine: Int  // index after the closing fence
}

extension Notebook {
  /// Splits Markdown text into text and cells.
  ///
  /// - Throws: `NotebookError.unclosedFence` naming the line of the opener.
  public static func parse(_ text: String) throws -> Notebook {
    // Lines end at the "\n" scalar: as Characters, "\r\n" is one grapheme
    // that never equals "\n", and a "\r" before an added "\n" would merge
    // with it. A "\r" stays at the end of its line (whitespace to the fence
    // rules), so a CRLF notebook renders back byte for byte.
    let endsWithNewline = text.unicodeScalars.last == "\n"
    var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
      .map { String(String.UnicodeScalarView($0)) }
    // A final "\n" ends the last line; it does not start an empty one.
    if endsWithNewline { lines.removeLast() }
    var segments: [Segment] = []
    var pending: [String] = []
    var i = 0
    func flushText() {
      if !pending.isEmpty { segments.append(.text(pending.joined(separator: "\n") + "\n")) }
      pending = []
    }
    while i < lines.count {
      guard let fence = try fenceAt(lines, i), fence.info.split(separator: " ").first == "flar"
      else {
        // Non-flar fences are copied whole, so a flar fence inside them is inert.
        if let other = try fenceAt(lines, i) {
          pending.append(contentsOf: lines[i..<other.endLine])
          i = other.endLine
        } else {
          pending.append(lines[i])
          i += 1
        }
        continue
      }
      flushText()
      var cell = Cell(
        code: fence.content, options: fence.info.split(separator: " ").dropFirst().map(String.init),
        output: nil, line: fence.firstLine + 1, gap: "")
      i = fence.endLine
      // An output block may follow after blank lines.
      var j = i
      while j < lines.count && lines[j].allSatisfy(\.isWhitespace) { j += 1 }
      if j < lines.count, let out = try fenceAt(lines, j), out.info == "output" {
        cell.gap = lines[i..<j].map { $0 + "\n" }.joined()
        cell.output = out.content
        i = out.endLine
      }
      segments.append(.cell(cell))
    }
    flushText()
    // Text segments end each line with "\n"; the file's last line may not.
    if !endsWithNewline, case .text(let t)? = segments.last {
      segments[segments.count - 1] = .text(
        String(String.UnicodeScalarView(t.unicodeScalars.dropLast())))
    }
    return Notebook(segments: segments)
  }

  /// The fenced block opening at line `i`, if that line opens one.
  private static func fenceAt(_ lines: [String], _ i: Int) throws -> Fence? {
    let line = lines[i]
    let ticks = line.prefix { $0 == "`" }.count
    guard ticks >= 3 else { return nil }
    let info = line.dropFirst(ticks).trimmingWhitespace()
    let closer = String(repeating: "`", count: ticks)
    var j = i + 1
    var body: [String] = []
    while j < lines.count {
      let trimmed = lines[j].trimmingWhitespace()
      if trimmed.hasPrefix(closer) && trimmed.allSatisfy({ $0 == "`" }) {
        return Fence(
          info: info, content: body.joined(separator: "\n"), firstLine: i, endLine: j + 1)
      }
      body.append(lines[j])
      j += 1
    }
    throw NotebookError.unclosedFence(line: i + 1)
  }

  /// The Markdown text, with each cell's output block as stored.
  public func render() -> String {
    var out = ""
    for segment in segments {
      switch segment {
      case .text(let t): out += t
      case .cell(let c):
        // As for outputs, a fence longer than any backtick run in the code:
        // a cell opened with ```` may hold ``` lines, which ``` would close.
        let codeFence = Notebook.fence(for: c.code)
        out +=
          codeFence + "flar" + (c.options.isEmpty ? "" : " " + c.options.joined(separator: " "))
        out += "\n" + c.code + "\n" + codeFence + "\n"
        if let o = c.output {
          let fence = Notebook.fence(for: o)
          out +=
            (c.gap.isEmpty ? "" : c.gap) + fence + "output\n" + (o.isEmpty ? "" : o + "\n") + fence
            + "\n"
        }
      }
    }
    return out
  }

  /// A fence longer than any backtick run at the start of a line in `content`.
  static func fence(for content: String) -> String {
    var longest = 0
    for line in content.unicodeScalars.split(separator: "\n").map(String.UnicodeScalarView.init) {
      // The parser trims a line before it looks for a closing fence.
      var run = 0
      for ch in String(line).drop(while: \.isWhitespace) {
        if ch == "`" { run += 1 } else { break }
      }
      longest = max(longest, run)
    }
    return String(repeating: "`", count: max(3, longest + 1))
  }
}

extension StringProtocol {
  /// The text without leading and trailing whitespace (the shell uses it too).
  public func trimmingWhitespace() -> String {
    let chars = Array(self)
    var start = 0
    var end = chars.count
    while start < end && chars[start].isWhitespace { start += 1 }
    while end > start && chars[end - 1].isWhitespace { end -= 1 }
    return String(chars[start..<end])
  }
}

/// Problems with a notebook file.
public enum NotebookError: Error, Equatable, CustomStringConvertible {
  case unclosedFence(line: Int)

  public var description: String {
    switch self {
    case .unclosedFence(let line):
      return "code fence opened at line \(line) is never closed"
    }
  }
}
