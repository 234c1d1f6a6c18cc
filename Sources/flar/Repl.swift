import FlarScript
import Foundation
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
        let trimmed = line.trimmingWhitespace()
        if pending.isEmpty, let command = MetaCommands.commandLine(trimmed) {
          reader.addHistory(line)
          if case .quit = meta.run(command) { return 0 }
          continue
        }
        if !pending.isEmpty, trimmed.isEmpty {
          // Python's blank line does not close a flar block: say what does.
          if let hint = Repl.openBlockHint(pending.joined(separator: "\n")) {
            FileHandle.standardError.write(Data((hint + "\n").utf8))
          }
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

  /// What still has to be typed to finish `source`: the closer of its
  /// innermost open block or bracket, and how to give up.
  static func openBlockHint(_ source: String) -> String? {
    guard let opener = Session.openers(source).last else { return nil }
    return
      "(a blank line does not close '\(opener.text)' opened at \(opener.location): type '\(opener.closer)' to finish it, or Ctrl-C to drop it)"
  }

  /// Meta-commands complete by name; everything else by the session.
  private func complete(_ before: String) -> Completion {
    let trimmed = before.trimmingWhitespace()
    if trimmed.hasPrefix(":") && !trimmed.contains(" ") {
      let names = meta.names.filter { $0.hasPrefix(trimmed) }.sorted()
      return Completion(replacing: trimmed.count, candidates: names)
    }
    if trimmed.hasPrefix("%") && !trimmed.contains(" ") {
      let names = meta.names.map { "%" + $0.dropFirst() }.filter { $0.hasPrefix(trimmed) }
      return Completion(replacing: trimmed.count, candidates: names.sorted())
    }
    return session.completions(before: before)
  }
}
