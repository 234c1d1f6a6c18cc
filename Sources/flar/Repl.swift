import FlarScript
import Glibc

/// The read-eval-print loop, Lua's way: read a line, and while it is an
/// incomplete prefix of valid input read more with the continuation prompt;
/// print the value of an expression; render errors and carry on.
final class Repl {
  let session: ShellSession
  let reader: LineReader
  let meta: MetaCommands
  static let prompt = "flar> "
  static let continuationPrompt = "  ... "

  init(session: ShellSession, reader: LineReader, meta: MetaCommands) {
    self.session = session
    self.reader = reader
    self.meta = meta
    reader.complete = { [unowned self] before in self.complete(before) }
  }

  /// Runs until Ctrl-D or `:quit`; returns the exit status.
  func run() -> Int32 {
    var pending: [String] = []
    while true {
      resetInterrupts()
      let prompt = pending.isEmpty ? Repl.prompt : Repl.continuationPrompt
      switch reader.readLine(prompt: prompt) {
      case .endOfInput:
        return 0
      case .interrupted:
        // Ctrl-C at the prompt drops a half-typed block.
        pending = []
        continue
      case .line(let line):
        if pending.isEmpty, line.trimmingWhitespace().hasPrefix(":") {
          reader.addHistory(line)
          if case .quit = meta.run(line.trimmingWhitespace()) { return 0 }
          continue
        }
        pending.append(line)
        let source = pending.joined(separator: "\n")
        if source.allSatisfy(\.isWhitespace) {
          pending = []
          continue
        }
        let outcome = session.submit(source, fileName: "<stdin>", echo: true)
        if outcome == .incomplete { continue }
        reader.addHistory(source)
        // A cancellation was reported like an error ("error: cancelled",
        // with a caret where it stopped); nothing more to print.
        pending = []
      }
    }
  }

  /// Meta-commands complete by name; everything else by the session.
  private func complete(_ before: String) -> Completion {
    let trimmed = before.trimmingWhitespace()
    if trimmed.hasPrefix(":") && !trimmed.contains(" ") {
      let names = meta.names.filter { $0.hasPrefix(trimmed) }.sorted()
      return Completion(replacing: trimmed.count, candidates: names)
    }
    return session.completions(before: before)
  }
}
