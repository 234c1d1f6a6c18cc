/// The lines of a text, as Python reads a file in text mode.
///
/// Lines end at `\n`, `\r\n` or a lone `\r` (Python's universal newlines),
/// and the line ending is not part of the line. Empty lines are kept, so a
/// line's index + 1 is its line number in messages; a text that ends with a
/// line ending has an empty last element, as `str.split("\n")` gives.
///
/// Splitting a Swift `String` on the Character `"\n"` misses Windows line
/// endings: `"\r\n"` is one Character (one grapheme cluster), not `"\r"`
/// followed by `"\n"`, so a CRLF file came back as a single line.
public func textLines(_ text: String) -> [Substring] {
  text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
}
