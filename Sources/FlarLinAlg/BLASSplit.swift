// Work split across threads of flar's own, each calling OpenBLAS with one
// thread.
//
// Goals, in order: the same numbers as one thread doing all the work; one
// hand-off between threads per split instead of one per BLAS call; the
// user's thread count kept whatever runs at the same time.
//
// OpenBLAS's thread count is one process-wide setting (0.3.21 has no count
// per call or per thread), and its threads meet at the end of every
// threaded product by spinning on `sched_yield`. A forward pass of a
// compressed model runs many small GEMMs (ranks of 8 to 264), so on a busy
// machine those meetings cost more than the products' FLOPs. A caller whose
// work falls into independent pieces (the forward pass: groups of whole
// sequences) runs each piece on a thread of its own with OpenBLAS at one
// thread, and the threads meet once, at the end.
//
// While any split runs, OpenBLAS is held at one thread. The count the user
// set stays what `BLASThreads.current` reports; a `BLASThreads.set` during a
// split is kept and applied when the last split ends.

import Dispatch
import Synchronization

/// The thread count the user set while splits hold OpenBLAS at one thread.
struct BLASThreadState {
  /// Running splits.
  var splits = 0
  /// The count to restore when the last split ends (meaningful while
  /// `splits > 0`).
  var configured = 1
}

let blasThreadState = Mutex(BLASThreadState())

extension BLASThreads {
  /// Runs `body(0)`, …, `body(count − 1)` at once, each on a thread of its
  /// own, with OpenBLAS single-threaded in every one of them.
  ///
  /// The pieces run on Dispatch's worker threads and the calling thread
  /// (`DispatchQueue.concurrentPerform`), so no more of them run at once
  /// than the machine has cores. OpenBLAS goes back to the user's count when
  /// the last running split ends.
  ///
  /// - Parameters:
  ///   - count: the number of pieces (at least 1; one runs on the calling
  ///     thread with OpenBLAS as it is).
  ///   - body: piece `i`'s work; it must not touch another piece's data.
  /// - Returns: the pieces' results, in order of `i`.
  /// - Throws: the error of the first piece (lowest `i`) that threw; every
  ///   piece runs to its end first.
  public static func split<R>(
    _ count: Int, _ body: (Int) throws -> R
  ) throws -> [R] {
    precondition(count >= 1, "a split needs at least one piece")
    if count == 1 { return [try body(0)] }
    holdSingleThreaded()
    defer { releaseSingleThreaded() }
    var results = [Result<R, any Error>?](repeating: nil, count: count)
    withoutActuallyEscaping(body) { body in
      let work = SplitWork(body: body)
      results.withUnsafeMutableBufferPointer { slots in
        let out = SplitSlots(base: slots.baseAddress!)
        // Each piece writes only its own slot; concurrentPerform returns
        // when every piece has ended.
        DispatchQueue.concurrentPerform(iterations: count) { i in
          out.base[i] = Result { try work.body(i) }
        }
      }
    }
    return try results.map { try $0!.get() }
  }
}

/// The pieces' work, handed to Dispatch's threads.
///
/// Unchecked: `split` waits for every piece before it returns, and each
/// piece's data is its own.
private struct SplitWork<R>: @unchecked Sendable {
  let body: (Int) throws -> R
}

/// The result slots, one per piece, each written by its piece alone.
private struct SplitSlots<R>: @unchecked Sendable {
  let base: UnsafeMutablePointer<Result<R, any Error>?>
}
