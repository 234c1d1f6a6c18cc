// Layers searched side by side: with t > 1 threads (the OpenBLAS thread
// count, or `CompressionOptions.searchThreads`), t layers' searches run at once, each on a thread of its own with OpenBLAS at
// one thread, each evaluation's search batches one after the other on it.
//
// Why: one layer at a time, an evaluation runs its search batches side by
// side, one per thread, and the threads meet at its end — the thread with
// the shorter batch waits (MiniLM's two search batches hold 467 and 428
// tokens), and what runs between evaluations (the candidate's factors, the
// sums, the guide) runs on one thread. The layers' searches are independent
// but for the guide's prior, which a layer takes from the last layer of its
// kind searched before it (LayerRankSearch.kind(of:)). So a layer starts
// once its kind's predecessor in the search order has finished, and takes
// the prior that one handed on: the same prior as one layer at a time, so
// the same probes, values, early exits, ranks and work, whichever thread
// finishes first.
//
// The work is also the same: each block's caches are the reference pass's
// (EndFeatureCriterion), or, where they do not fit in memory, made once from
// the block input that pass kept, by the first thread that needs them, and
// dropped when the block's last layer is done — as the one-at-a-time search
// makes each block's caches once when it goes through the blocks last to
// first. Each layer's count of batch passes is that search's too: a block's
// caches are counted to the block's first layer in the search order,
// whichever thread made them.

import FlarCore
import FlarLinAlg
import Foundation

extension LayerRankSearch {
  /// Searches `layers` in `order` (indices into `layers`, a layer of a kind
  /// always after the one whose prior it takes), as many at a time as
  /// `threads`; the results in the order of `layers`.
  ///
  /// Nil, having searched nothing, where that cannot be done: a closed-form
  /// criterion, one thread, fewer than two layers, evaluations by whole
  /// re-runs, or block inputs the reference pass could not keep.
  ///
  /// - Throws: the first error a layer's search throws (the other threads
  ///   stop before their next evaluation), `CancelledError`.
  func searchSideBySide(
    _ layers: [(name: String, decomposition: LowRankDecomposition)], order: [Int],
    tolerance: Double, threads: Int, progress: ProgressReporter, cancellation: Cancellation?
  ) throws -> [RankSearchResult]? {
    guard let features, threads > 1, layers.count > 1 else { return nil }
    guard features.keepsEveryBlockInput else { return nil }
    let points = try layers.map { try features.base.inputPoint(of: $0.name) }
    let blocks = points.map(\.block)
    let schedule = SideBySideSchedule(
      order: order, kinds: layers.map { Self.kind(of: $0.name) }, blocks: blocks)
    _ = try BLASThreads.split(min(threads, layers.count)) { _ in
      do {
        while let job = try schedule.next(cancellation) {
          var caches = job.caches
          if caches == nil {
            let made = try features.sideBySideBlockCaches(blocks[job.layer])
            schedule.add(caches: made.caches, ofBlock: blocks[job.layer], runs: made.runs)
            caches = made.caches
          }
          let (name, d) = layers[job.layer]
          let inputs = caches!.map { $0.layerCache(name, point: points[job.layer].point) }
          var runs = 0
          let result = try search(name, d, tolerance: tolerance) { k in
            try schedule.checkNotFailed()
            let e = try features.evaluateSideBySide(
              layer: name, factors: d.factors(rank: k), inputs: inputs,
              failingAbove: earlyExitLimit(tolerance))
            runs += e.runs
            return e.evaluation
          }
          schedule.finish(job.layer, result, runs: runs, progress: progress)
        }
      } catch {
        schedule.fail(error)
      }
    }
    if let error = schedule.failure { throw error }
    return schedule.results().map { result, runs in
      var r = result
      r.forwardPasses = features.forwardPasses(runs: runs)
      return r
    }
  }
}

/// Which layer runs next when layers are searched side by side, and the
/// block caches they share; every method is safe from any thread.
private final class SideBySideSchedule: @unchecked Sendable {
  /// A layer to search and its block's caches (nil: the caller makes them
  /// and hands them over with `add`).
  struct Job {
    var layer: Int
    var caches: [BlockInputCache]?
  }

  private enum Status { case waiting, running, done }
  private enum BlockCaches {
    case making
    case made([BlockInputCache])
    case dropped
  }

  private let condition = NSCondition()
  private let order: [Int]
  private let blocks: [Int]
  /// The layer before each one in the search order with the same kind.
  private let predecessor: [Int?]
  /// The first layer of each block in the search order: the block's caches
  /// are counted to it.
  private let firstOfBlock: [Int: Int]
  private var status: [Status]
  private var caches: [Int: BlockCaches] = [:]
  private var remaining: [Int: Int] = [:]
  private var found: [RankSearchResult?]
  private var runs: [Int]
  /// The first error a thread met; the others stop at their next step.
  private(set) var failure: (any Error)?
  private var failed: Bool { failure != nil }

  init(order: [Int], kinds: [String], blocks: [Int]) {
    self.order = order
    self.blocks = blocks
    var predecessor = [Int?](repeating: nil, count: kinds.count)
    var lastOfKind: [String: Int] = [:]
    var firstOfBlock: [Int: Int] = [:]
    for i in order {
      predecessor[i] = lastOfKind[kinds[i]]
      lastOfKind[kinds[i]] = i
      if firstOfBlock[blocks[i]] == nil { firstOfBlock[blocks[i]] = i }
    }
    self.predecessor = predecessor
    self.firstOfBlock = firstOfBlock
    status = Array(repeating: .waiting, count: kinds.count)
    found = Array(repeating: nil, count: kinds.count)
    runs = Array(repeating: 0, count: kinds.count)
    for b in blocks { remaining[b, default: 0] += 1 }
  }

  /// The first waiting layer in the search order whose kind's predecessor
  /// is done and whose block's caches are made or not begun; waits while
  /// none is; nil when every layer has started or a thread failed.
  func next(_ cancellation: Cancellation?) throws -> Job? {
    try cancellation?.checkCancellation()
    condition.lock()
    defer { condition.unlock() }
    while !failed && status.contains(.waiting) {
      for i in order where status[i] == .waiting {
        if let p = predecessor[i], status[p] != .done { continue }
        switch caches[blocks[i]] {
        case .made(let c)?:
          status[i] = .running
          return Job(layer: i, caches: c)
        case nil:
          status[i] = .running
          caches[blocks[i]] = .making
          return Job(layer: i, caches: nil)
        case .making?, .dropped?:
          continue
        }
      }
      condition.wait()
    }
    return nil
  }

  /// Hands over a block's caches, made with `runs` batch block runs.
  func add(caches c: [BlockInputCache], ofBlock block: Int, runs spent: Int) {
    condition.lock()
    defer { condition.unlock() }
    caches[block] = .made(c)
    runs[firstOfBlock[block]!] += spent
    condition.broadcast()
  }

  /// Records a layer's result and the runs its evaluations spent; drops
  /// the block's caches after its last layer.
  func finish(
    _ layer: Int, _ result: RankSearchResult, runs spent: Int, progress: ProgressReporter
  ) {
    condition.lock()
    defer { condition.unlock() }
    found[layer] = result
    runs[layer] += spent
    status[layer] = .done
    remaining[blocks[layer]]! -= 1
    if remaining[blocks[layer]] == 0 { caches[blocks[layer]] = .dropped }
    progress.advance(by: 1)
    condition.broadcast()
  }

  /// Records a thread's error (the first one is kept) and stops the others.
  func fail(_ error: any Error) {
    condition.lock()
    defer { condition.unlock() }
    if failure == nil, !(error is Stopped) { failure = error }
    condition.broadcast()
  }

  /// Throws when another thread has failed: its error is the search's.
  func checkNotFailed() throws {
    condition.lock()
    defer { condition.unlock() }
    if failed { throw Stopped() }
  }

  /// What a thread stops with after another one failed.
  private struct Stopped: Error {}

  /// Every layer's result and batch block runs, by layer.
  func results() -> [(RankSearchResult, Int)] {
    condition.lock()
    defer { condition.unlock() }
    return zip(found, runs).map { ($0!, $1) }
  }
}
