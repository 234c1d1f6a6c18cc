// Whole-model cost: FLOPs per sentence and measured forward time.

import FlarCore
import FlarLinAlg

extension EncoderModel {
  /// FLOPs of one forward pass over a sequence of `tokens` real tokens.
  ///
  /// They are every linear layer (`flopsPerToken` each token) plus attention's
  /// `Q Kᵀ` and `A V` (`2 T² H` each per block). LayerNorm, softmax and
  /// GELU (linear in T, a few per element) are left out.
  public func flopsPerSequence(tokens t: Int) -> Double {
    let attention = 4 * Double(layers.count) * Double(t) * Double(t) * Double(config.hiddenSize)
    return Double(t) * Double(flopsPerToken) + attention
  }

  /// Mean FLOPs per sentence over `sentences` (tokenised as `embed` does).
  public func meanFlopsPerSentence(_ sentences: [String], maxLength: Int = 128) throws -> Double {
    guard tokenizer != nil else { throw ModelError.noTokenizer }
    let batch = try encode(sentences, maxLength: maxLength)
    guard batch.count > 0 else { return 0 }
    return batch.sequences.reduce(0) { $0 + flopsPerSequence(tokens: $1.count) }
      / Double(batch.count)
  }

  /// Wall times (seconds) of `runs` forward passes embedding `sentences`
  /// (tokenised once, outside the timing), after one warm-up pass.
  ///
  /// - Parameter shouldStop: checked between runs (Ctrl-C).
  public func forwardTimes(
    _ sentences: [String], runs: Int = 5, maxLength: Int = 128, batchSize: Int = 32,
    shouldStop: () -> Bool = { false }
  ) throws -> [Double] {
    guard tokenizer != nil else { throw ModelError.noTokenizer }
    let batch = try encode(sentences, maxLength: maxLength)
    _ = try embed(batch, batchSize: batchSize)
    var times: [Double] = []
    for _ in 0..<max(1, runs) {
      if shouldStop() { break }
      let start = monotonicSeconds()
      let e = try embed(batch, batchSize: batchSize)
      times.append(monotonicSeconds() - start)
      withExtendedLifetime(e) {}
    }
    return times
  }
}
