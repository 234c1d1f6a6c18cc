/// A half-open range of UTF-8 byte offsets into a `SourceFile`.
///
/// Every token and every syntax node carries one. An empty range (`start ==
/// end`) marks a point, such as the end of the input.
public struct SourceRange: Hashable, Sendable, CustomStringConvertible {
  /// Offset of the first byte.
  public var start: Int
  /// Offset one past the last byte.
  public var end: Int

  /// Creates a range; `end` is raised to `start` if it lies before it.
  public init(start: Int, end: Int) {
    self.start = start
    self.end = max(start, end)
  }

  /// An empty range at `offset`.
  public static func point(_ offset: Int) -> SourceRange {
    SourceRange(start: offset, end: offset)
  }

  /// The smallest range covering both `self` and `other`.
  public func merged(with other: SourceRange) -> SourceRange {
    SourceRange(start: min(start, other.start), end: max(end, other.end))
  }

  /// Number of bytes covered.
  public var length: Int { end - start }

  /// `start..<end`, for debugging.
  public var description: String { "\(start)..<\(end)" }
}
