import FlarCore

/// What a builtin's body may use besides its arguments.
///
/// Output goes through the session's writer (so notebooks capture it),
/// callbacks into user functions go through the interpreter, and long loops
/// poll for Ctrl-C.
public struct BuiltinContext {
  let interpreter: Interpreter
  /// Where the call is written, for callbacks.
  let callRange: SourceRange

  /// The table of builtins (for `help`).
  public var registry: BuiltinRegistry { interpreter.registry }

  /// Writes text to the session's output, as is.
  public func write(_ text: String) { interpreter.output(text) }

  /// Writes `warning: message` on its own line (the `chol` jitter fallback,
  /// a curve that is not monotone); the run goes on.
  public func warn(_ message: String) {
    interpreter.output("warning: \(message)\n")
  }

  /// The session's one Ctrl-C flag, for FlarCore's long loops to poll.
  public var cancellation: Cancellation { interpreter.cancellation }

  /// True in an interactive shell: progress bars may be drawn, and tables
  /// and plots fit the terminal.
  public var showProgress: Bool { interpreter.showProgress }

  /// A progress reporter for one long computation: a bar on the terminal
  /// in an interactive shell, silent otherwise.
  public func progress() -> ProgressReporter {
    showProgress ? TerminalProgressBar() : SilentProgress()
  }

  /// Throws `CancelledError` when Ctrl-C was pressed; call between batches.
  public func checkCancellation() throws(CancelledError) {
    try interpreter.cancellation.checkCancellation()
  }

  /// Tells the session's cycle collector that a builtin stored `value` into
  /// an existing list (`append`): a store can close a reference cycle.
  public func noteStore(_ value: Value, into list: ListBox) {
    interpreter.cycles.noteStore(value, into: list)
  }

  /// The session's cache of a reference model's gloss embeddings, for
  /// `evaluate(…, reference=m)`; it ends with the session.
  var referenceEmbeddings: ReferenceEmbeddingCache { interpreter.referenceEmbeddings }

  /// Calls a function value (user `def` or builtin) with positional arguments.
  public func call(_ function: FunctionValue, _ arguments: [Value]) throws
    -> Value
  {
    try interpreter.callFunction(function, arguments, at: callRange)
  }
}
