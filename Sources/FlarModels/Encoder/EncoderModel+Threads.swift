// The forward pass on flar's own threads: the batch's sequences in groups,
// each group through every block on a thread of its own, with OpenBLAS at
// one thread (`BLASThreads.split`). Sentence embeddings (`embed`, and so
// `model_latency`, `evaluate` and `embed` at the prompt) run this way.
//
// Legend: B sequences, N packed tokens, H hidden, G groups.
//
// Goals, in order: the numbers of the forward pass on the whole batch, to
// rounding; one meeting of the threads per batch instead of one per GEMM
// (a 50 % MiniLM runs 59 GEMMs a pass, and OpenBLAS's threads meet at the
// end of each by spinning on sched_yield); the rest of the forward pass
// (attention per sequence and head, layer norms, GELU), which OpenBLAS never
// ran on two threads, on all of them.
//
// After the embeddings, sequences meet nowhere: attention runs per
// sequence, every other op per token. A group's rows therefore go through
// the blocks alone. Its numbers agree with the whole batch's to rounding,
// not always bit for bit: OpenBLAS 0.3.21 may sum a row of a product in
// another order when the row falls at another place in its row blocking
// (measured: 1-thread sgemm of 446 rows against the same rows cut in two,
// at several cuts: products 1 to 64 columns wide differed in the last bits
// at some cuts, 99 to 1536 wide agreed at every cut, and one call on 2
// threads always agreed with one call on 1). The compressor's rank search
// therefore keeps `lastHiddenState(_:)` (one group), whose numbers its
// suffix evaluations repeat exactly.
//
// The embeddings run first, on the whole batch, so that their errors name
// the sequence by its index in the batch.

import FlarLinAlg

extension EncoderModel {
  /// The work below which a batch runs on the calling thread alone:
  /// linear-layer FLOPs of the batch (`flopsPerToken` × N).
  ///
  /// Measured with `flar-bench forward --groups 1|2` on the tiny BERT of
  /// the test fixtures, two sequences (BENCHMARKS.md, "One meeting of the
  /// threads per batch"): at 0.6 MFLOP the hand-off to a second thread cost
  /// more than it saved, from 3.5 MFLOP on the groups were faster, between
  /// the two it was even. A batch of two MiniLM or MPNet sequences is always
  /// far above it.
  public static var groupedForwardMinimumFlops: Int { 3_000_000 }

  /// How many groups `embed` runs a batch in: one per OpenBLAS
  /// thread the user set, no more than the batch has sequences, and 1 when
  /// the batch's work is under `groupedForwardMinimumFlops`.
  public func forwardGroups(_ batch: TokenBatch) -> Int {
    forwardGroups(batch, threads: BLASThreads.current)
  }

  /// `forwardGroups(_:)` for a given thread count.
  func forwardGroups(_ batch: TokenBatch, threads: Int) -> Int {
    guard threads > 1, batch.count > 1,
      flopsPerToken * batch.tokenCount >= Self.groupedForwardMinimumFlops
    else { return 1 }
    return Swift.min(threads, batch.count)
  }

  /// The sequences of each group: `count` contiguous ranges of about equal
  /// token counts, each with at least one token, or one range when the
  /// tokens cannot be cut so.
  ///
  /// - Parameter offsets: (B + 1) first row of each sequence, then N.
  static func sequenceGroups(offsets: [Int], count: Int) -> [Range<Int>] {
    let b = offsets.count - 1
    let n = offsets[b]
    var cuts = [0]
    for g in 1..<Swift.max(1, count) {
      let target = g * n / count
      // The sequence boundary nearest the target, after the previous cut.
      var s = cuts.last! + 1
      while s < b && offsets[s] < target { s += 1 }
      if s > cuts.last! + 1 && target - offsets[s - 1] < offsets[s] - target { s -= 1 }
      if s >= b { break }
      cuts.append(s)
    }
    cuts.append(b)
    let groups = zip(cuts, cuts.dropFirst()).map { $0..<$1 }
    guard groups.allSatisfy({ offsets[$0.upperBound] > offsets[$0.lowerBound] }) else {
      return [0..<b]
    }
    return groups
  }

  /// The last hidden state, with the batch's sequences run in `groups`
  /// groups at once (1: `lastHiddenState(_:)`).
  ///
  /// Group counts agree to rounding (the file's header says when not bit
  /// for bit); only the time differs. `embed` passes `forwardGroups(batch)`.
  ///
  /// - Returns: (N, H), the sequences' rows back to back (`batch.offsets`).
  /// - Throws: `ModelError` for token ids or lengths the model cannot take.
  public func lastHiddenState(_ batch: TokenBatch, groups count: Int) throws -> Matrix<Float> {
    precondition(count >= 1, "a forward pass needs at least one group")
    let offsets = batch.offsets
    let sequences = Self.sequenceGroups(offsets: offsets, count: Swift.min(count, batch.count))
    if sequences.count < 2 { return try run(batch, through: layers.count, tap: nil) }
    let x = try embeddings(batch)  // (N, H)
    let bias = attentionBias(offsets: offsets)  // the whole batch's, shared
    let h = x.columns
    let parts = try BLASThreads.split(sequences.count) { g -> Matrix<Float> in
      let rows = offsets[sequences[g].lowerBound]..<offsets[sequences[g].upperBound]
      let local = offsets[sequences[g].lowerBound...sequences[g].upperBound].map {
        $0 - rows.lowerBound
      }
      var y = Matrix(
        rows: rows.count, columns: h,
        storage: Array(x.storage[(rows.lowerBound * h)..<(rows.upperBound * h)]))  // (N_g, H)
      for layer in layers { y = try layer(y, offsets: local, bias: bias, tap: nil) }
      return y
    }
    var storage: [Float] = []
    storage.reserveCapacity(x.count)
    for part in parts { storage += part.storage }
    return Matrix(rows: x.rows, columns: h, storage: storage)
  }
}
