import Synchronization

/// A flag that asks the running computation to stop, safe to set from a signal handler.
///
/// The REPL's SIGINT handler only calls `cancel()` (Lua's and sqlite's way:
/// a handler never touches the interpreter). The interpreter checks the flag
/// before each statement and each loop iteration and throws `cancelled`,
/// unwinding to the prompt with every variable intact. Long builtins may call
/// `checkCancellation()` between batches; one BLAS call cannot be interrupted.
public final class Cancellation: Sendable {
  private let flag = Atomic<Bool>(false)

  /// Creates a flag that is not set.
  public init() {}

  /// Asks the computation to stop; async-signal-safe (one atomic store).
  public func cancel() {
    flag.store(true, ordering: .relaxed)
  }

  /// True when a cancellation is pending.
  public var isCancelled: Bool {
    flag.load(ordering: .relaxed)
  }

  /// Clears the flag; the REPL calls this before running each input.
  public func reset() {
    flag.store(false, ordering: .relaxed)
  }

  /// Clears a pending cancellation and throws `CancellationError`.
  public func checkCancellation() throws(CancelledError) {
    if flag.exchange(false, ordering: .relaxed) { throw CancelledError() }
  }
}

/// Thrown when a computation stops because the user pressed Ctrl-C.
public struct CancelledError: Error, Sendable, CustomStringConvertible {
  /// Creates the error.
  public init() {}

  /// `cancelled`.
  public var description: String { "cancelled" }
}
