import Testing

@testable import FlarScript

/// A session with the standard and research families plus plot and latency,
/// whose output is collected in a string.
final class ResearchSession {
  let session: Session
  private final class Buffer { var text = "" }
  private let buffer = Buffer()

  init() {
    let registry = BuiltinRegistry(
      families: BuiltinFamily.standard + BuiltinFamily.research + [.plot, .latency])
    let buffer = self.buffer
    session = Session(registry: registry, output: { buffer.text += $0 })
  }

  /// Runs `source` and returns what it printed (the buffer is cleared first).
  @discardableResult
  func run(_ source: String) throws -> String {
    buffer.text = ""
    try session.run(source: source)
    return buffer.text
  }

  /// The value of an expression as the REPL shows it.
  func display(_ source: String) throws -> String? {
    try session.evaluateForDisplay(source)
  }

  /// The message of the error `source` raises, or nil when it runs.
  func errorMessage(_ source: String) -> String? {
    do {
      try session.run(source: source)
      return nil
    } catch {
      return error.diagnostics.first?.message
    }
  }
}
