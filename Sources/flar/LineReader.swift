/// What one read from the line editor produced.
enum LineInput: Equatable {
  /// A line, without its trailing newline.
  case line(String)
  /// Ctrl-C at the prompt: discard the pending input and prompt again.
  case interrupted
  /// Ctrl-D on an empty line, or the end of standard input.
  case endOfInput
}

/// Completion candidates for the text before the cursor.
struct Completion {
  /// How many characters before the cursor the candidates replace.
  var replacing: Int
  /// Full replacements for those characters, sorted.
  var candidates: [String]
}

/// The line editor behind its own small interface (linenoise's shape), so the
/// REPL runs the same over libedit on a terminal and over plain reads
/// otherwise.
protocol LineReader: AnyObject {
  /// Reads one line showing `prompt`.
  func readLine(prompt: String) -> LineInput
  /// Records a line in the history (and persists it when a file is set).
  func addHistory(_ line: String)
  /// Called on Tab with the text before the cursor.
  var complete: ((String) -> Completion)? { get set }
}

/// Reads lines from standard input without editing: for pipes, files and
/// tests.
///
/// The prompt is not printed (nobody is typing).
final class PlainLineReader: LineReader {
  var complete: ((String) -> Completion)?

  func readLine(prompt: String) -> LineInput {
    guard let line = Swift.readLine(strippingNewline: true) else { return .endOfInput }
    return .line(line)
  }

  func addHistory(_ line: String) {}
}

/// The longest common prefix of `strings` (empty for an empty list).
func commonPrefix(_ strings: [String]) -> String {
  guard var prefix = strings.first else { return "" }
  for s in strings.dropFirst() {
    while !s.hasPrefix(prefix) { prefix.removeLast() }
  }
  return prefix
}
