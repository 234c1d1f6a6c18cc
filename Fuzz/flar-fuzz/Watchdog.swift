// The eval target's time limit: one thread for the whole run presses Ctrl-C
// (cancels the input's `Cancellation`) when an input runs past its deadline.
//
// A timer per input (`DispatchQueue.asyncAfter`) is freed only when it fires,
// a quarter of a second after its input has ended, so every input ended with
// more allocations than frees; libFuzzer then re-ran each of them looking for
// a leak, and after a thousand such inputs stopped checking inputs for leaks
// at all ("libFuzzer disabled leak detection after every mutation"). Arming
// and disarming this watchdog allocates nothing.

import FlarCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

final class Watchdog: Sendable {
  static let shared = Watchdog()

  private struct Armed {
    var deadline: UInt64
    var cancellation: Cancellation
  }
  private let armed = Mutex<Armed?>(nil)

  private init() {
    var thread = pthread_t()
    let made = pthread_create(
      &thread, nil,
      { _ in Watchdog.shared.watch() }, nil)
    precondition(made == 0, "the fuzz watchdog's thread did not start (\(made))")
    pthread_detach(thread)
  }

  /// Cancels `cancellation` once `seconds` have passed, unless `disarm`
  /// comes first.
  func arm(_ cancellation: Cancellation, seconds: Double) {
    let deadline = Self.now() + UInt64(seconds * 1e9)
    armed.withLock { $0 = Armed(deadline: deadline, cancellation: cancellation) }
  }

  func disarm() {
    armed.withLock { $0 = nil }
  }

  /// Every 5 ms: past the deadline, cancel once.
  private func watch() -> Never {
    while true {
      usleep(5_000)
      let now = Self.now()
      armed.withLock { current in
        if let a = current, now >= a.deadline {
          a.cancellation.cancel()
          current = nil
        }
      }
    }
  }

  private static func now() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
  }
}
