/// A named piece of flar source text with a lazily built line table.
///
/// Positions everywhere else are UTF-8 byte offsets into `text` (as in
/// swift-syntax); this type turns them into 1-based lines and columns only
/// when a diagnostic is rendered. Columns count `Character`s, so a caret lines
/// up under non-ASCII text.
public final class SourceFile: @unchecked Sendable {
  /// The file name shown in diagnostics (`"<stdin>"`, `"calib.flar"`).
  public let name: String
  /// The full text.
  public let text: String
  /// The text as UTF-8 bytes; offsets index this array.
  public let bytes: [UInt8]
  // Built on first use; immutable afterwards. Reads and the single write
  // happen on the thread that owns the session, hence @unchecked Sendable.
  private var lineStartsStorage: [Int]?

  /// Creates a source file from its name and text.
  public init(name: String, text: String) {
    self.name = name
    self.text = text
    self.bytes = Array(text.utf8)
  }

  /// Byte offsets at which each line starts; the first is always 0.
  public var lineStarts: [Int] {
    if let starts = lineStartsStorage { return starts }
    var starts = [0]
    for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
      starts.append(offset + 1)
    }
    lineStartsStorage = starts
    return starts
  }

  /// The 1-based line and column of a byte offset.
  ///
  /// The column counts `Character`s from the start of the line, plus one.
  public func location(of offset: Int) -> SourceLocation {
    let clamped = max(0, min(offset, bytes.count))
    let line = lineIndex(containing: clamped)
    let start = lineStarts[line]
    let prefix = String(decoding: bytes[start..<clamped], as: UTF8.self)
    return SourceLocation(line: line + 1, column: prefix.count + 1)
  }

  /// The text of 1-based line `line`, without its newline.
  public func lineText(_ line: Int) -> String {
    let starts = lineStarts
    guard line >= 1, line <= starts.count else { return "" }
    let start = starts[line - 1]
    var end = line < starts.count ? starts[line] - 1 : bytes.count
    if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
    return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
  }

  /// The source text covered by `range`.
  public func text(of range: SourceRange) -> String {
    let lower = max(0, min(range.start, bytes.count))
    let upper = max(lower, min(range.end, bytes.count))
    return String(decoding: bytes[lower..<upper], as: UTF8.self)
  }

  /// Index of the line holding `offset`, by binary search on `lineStarts`.
  private func lineIndex(containing offset: Int) -> Int {
    let starts = lineStarts
    var low = 0
    var high = starts.count - 1
    while low < high {
      let mid = (low + high + 1) / 2
      if starts[mid] <= offset { low = mid } else { high = mid - 1 }
    }
    return low
  }
}

/// A 1-based line and column, computed from a byte offset.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
  /// 1-based line number.
  public var line: Int
  /// 1-based column, counted in `Character`s.
  public var column: Int

  /// Creates a location.
  public init(line: Int, column: Int) {
    self.line = line
    self.column = column
  }

  /// `line:column`, as in `3:14`.
  public var description: String { "\(line):\(column)" }
}
