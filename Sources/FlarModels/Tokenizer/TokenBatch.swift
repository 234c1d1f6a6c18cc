// A batch of tokenised sequences of different lengths.
//
// The runtime reads the packed form (all real tokens of the batch back to
// back, no padding); the padded form with an attention mask is what a
// padded framework such as PyTorch would read, and is offered for
// comparison and export.

/// Tokenised sequences of a batch (B sequences, N real tokens in all).
public struct TokenBatch: Sendable, Equatable {
  /// Token ids per sequence, `[CLS] … [SEP]`, real tokens only.
  public let sequences: [[Int]]
  /// The id used to pad in `padded(to:)`.
  public let paddingId: Int

  public init(sequences: [[Int]], paddingId: Int = 0) {
    self.sequences = sequences
    self.paddingId = paddingId
  }

  /// B, the number of sequences.
  public var count: Int { sequences.count }
  /// N, the number of real tokens in the batch.
  public var tokenCount: Int { sequences.reduce(0) { $0 + $1.count } }
  /// The longest sequence's length.
  public var longest: Int { sequences.map(\.count).max() ?? 0 }

  /// All ids back to back: (N).
  public var packedIds: [Int] { sequences.flatMap { $0 } }

  /// Row offset of each sequence in the packed form, plus N at the end: (B+1).
  public var offsets: [Int] {
    var out = [0]
    for s in sequences { out.append(out.last! + s.count) }
    return out
  }

  /// Ids padded on the right to `length` (default: the longest), and the
  /// attention mask (1 for a real token, 0 for padding): both (B, T).
  public func padded(to length: Int? = nil) -> (ids: [[Int]], attentionMask: [[Int]]) {
    let t = max(length ?? longest, longest)
    let ids = sequences.map { $0 + [Int](repeating: paddingId, count: t - $0.count) }
    let mask = sequences.map {
      [Int](repeating: 1, count: $0.count) + [Int](repeating: 0, count: t - $0.count)
    }
    return (ids, mask)
  }

  /// The sequences `range` as a batch of their own.
  public func slice(_ range: Range<Int>) -> TokenBatch {
    TokenBatch(sequences: Array(sequences[range]), paddingId: paddingId)
  }
}
