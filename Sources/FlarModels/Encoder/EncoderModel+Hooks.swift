// Hooks: run the model over tokenised batches and hand each matched linear
// layer's input to a closure, as packed real tokens (N, in) in Float.
//
// Query, key and value read the same tensor, so it is handed over once with
// all the matched names among the three: statistics built from it (a Gram
// matrix, say) are then computed once, not three times. The forward pass
// stops after the last block that holds a matched layer.

import FlarLinAlg

/// The input of one or more linear layers for one batch.
public struct LayerInputBatch: Sendable {
  /// The matched layers reading this input (1, or up to 3 for q/k/v).
  public let names: [String]
  /// The packed input rows: (N, in), one row per real token.
  public let input: Matrix<Float>
  /// The block index.
  public let block: Int
  /// Where in the block the input is read.
  public let point: LayerPoint
}

/// Something that consumes layer inputs, such as streamed statistics.
public protocol LayerInputObserver {
  /// Called once per batch and distinct input, in forward order.
  mutating func observe(_ batch: LayerInputBatch) throws
}

extension EncoderModel {
  /// Runs `batches` through the model and calls `body` with each matched
  /// layer's input.
  ///
  /// - Parameters:
  ///   - batches: the tokenised batches, run one at a time.
  ///   - pattern: a glob over layer names (`"*"`, `"*.intermediate.dense"`).
  ///   - body: called in forward order; its errors end the run.
  /// - Throws: `.patternMatchedNothing`, model errors, or `body`'s error.
  public func hook(
    _ batches: [TokenBatch], layers pattern: String = "*",
    body: (LayerInputBatch) throws -> Void
  ) throws {
    let matched = Set(try layerNames(matching: pattern))
    let lastBlock = try matched.map { try location(of: $0).block }.max()!
    // `run` stores the tap only for the duration of the call.
    try withoutActuallyEscaping(body) { body in
      for batch in batches {
        _ = try run(batch, through: lastBlock + 1) { block, point, input, _ in
          let names = config.family.suffixes(at: point).map { "encoder.layer.\(block).\($0)" }
            .filter(matched.contains)
          if names.isEmpty { return }
          try body(LayerInputBatch(names: names, input: input, block: block, point: point))
        }
      }
    }
  }

  /// Tokenises `sentences`, cuts them into batches of `batchSize`, and
  /// hooks them (see `hook(_:layers:body:)`).
  ///
  /// - Throws: `.noTokenizer`, `TokenizerError`, and `hook`'s errors.
  public func hook(
    _ sentences: [String], layers pattern: String = "*", maxLength: Int = 128,
    batchSize: Int = 32, body: (LayerInputBatch) throws -> Void
  ) throws {
    guard tokenizer != nil else { throw ModelError.noTokenizer }
    let all = try encode(sentences, maxLength: maxLength)
    let step = max(1, batchSize)
    let batches = stride(from: 0, to: all.count, by: step).map {
      all.slice($0..<min($0 + step, all.count))
    }
    try hook(batches, layers: pattern, body: body)
  }

  /// Hooks `batches` into an observer, which is returned updated.
  public func hook<O: LayerInputObserver>(
    _ batches: [TokenBatch], layers pattern: String = "*", into observer: O
  ) throws -> O {
    var o = observer
    try hook(batches, layers: pattern) { try o.observe($0) }
    return o
  }
}
