import FlarCore
import FlarScript
import Glibc
import Synchronization

/// How many Ctrl-C presses arrived since the last prompt.
let interruptCount = Atomic<Int>(0)

/// The flag every long computation of this process checks.
let sessionCancellation = Cancellation()

/// Installs the SIGINT handler, Lua's and sqlite's way: it only sets flags.
///
/// The first press asks the running computation to stop: the interpreter
/// checks the flag at every statement and loop iteration, and the core's
/// long loops between batches, bisection steps and latency repetitions (one
/// BLAS call cannot be interrupted). The third press while a cancellation
/// is still pending ends flar, for a computation that does not return.
func installInterruptHandler() {
  signal(SIGINT) { _ in
    let presses = interruptCount.add(1, ordering: .relaxed).newValue
    sessionCancellation.cancel()
    if presses >= 3 {
      let message = "\nflar: interrupted three times, exiting\n"
      _ = message.withCString { write(2, $0, strlen($0)) }
      _exit(130)
    }
  }
}

/// Clears pending interrupts before reading the next command.
func resetInterrupts() {
  interruptCount.store(0, ordering: .relaxed)
  sessionCancellation.reset()
}
