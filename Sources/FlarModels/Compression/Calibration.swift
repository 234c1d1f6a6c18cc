// Calibration: run the model over calibration text and stream each linear
// layer's input statistics (FlarCore's LayerStatistics).
//
// Query, key and value read the same tensor: their statistics are one
// accumulator shared by the three names, so the Gram matrix is computed once
// per block, not three times. Memory: one n x n float64 Gram per distinct
// input plus one batch of activations, whatever the number of sentences.

import FlarCore
import FlarLinAlg

/// Streamed input statistics of a model's linear layers, by layer name.
public struct CalibrationStatistics: Sendable {
  /// Statistics by layer name; q/k/v of one block hold the same value.
  public internal(set) var byLayer: [String: LayerStatistics]
  /// The number of sentences and real tokens that went in.
  public internal(set) var sentenceCount: Int
  public internal(set) var tokenCount: Int

  /// The statistics of `layer`.
  ///
  /// - Throws: `ModelError.unknownLayer` with the closest hooked name.
  public func statistics(of layer: String) throws -> LayerStatistics {
    guard let s = byLayer[layer] else {
      throw ModelError.unknownLayer(
        name: layer, suggestion: closestName(to: layer, among: Array(byLayer.keys)))
    }
    return s
  }

  /// Bytes of float64 Gram storage the statistics of `layers` need:
  /// `8 n²` per distinct input.
  public static func gramBytes(_ model: EncoderModel, layers: [String]) throws -> Int {
    var seen = Set<String>()
    var bytes = 0
    for name in layers {
      let key = try model.sharedInputName(of: name)
      guard seen.insert(key).inserted else { continue }
      let n = try model.linear(name).inFeatures
      bytes += 8 * n * n
    }
    return bytes
  }
}

extension EncoderModel {
  /// Hooks `sentences` and streams the input statistics of the layers that
  /// match `pattern`.
  ///
  /// - Parameters:
  ///   - perBatch: keep per-batch shrunk matrices as well (the reference
  ///     code's variant of shrinkage; see `shrink(_:method:perBatch:)`).
  ///   - progress: told about each batch.
  ///   - cancellation: checked between batches.
  /// - Throws: model, tokenizer and statistics errors; `CancelledError`.
  public func calibrate(
    _ sentences: [String], layers pattern: String = "*", maxLength: Int = 128,
    batchSize: Int = 32, perBatch: PerBatchShrinkage? = nil,
    progress: ProgressReporter = SilentProgress(), cancellation: Cancellation? = nil
  ) throws -> CalibrationStatistics {
    guard tokenizer != nil else { throw ModelError.noTokenizer }
    guard !sentences.isEmpty else { throw CompressionError.noSentences(what: "calibration") }
    let all = try encode(sentences, maxLength: maxLength)
    let step = max(1, batchSize)
    let batches = stride(from: 0, to: all.count, by: step).map {
      all.slice($0..<min($0 + step, all.count))
    }
    var accumulators: [String: LayerStatistics] = [:]
    var aliases: [String: String] = [:]
    progress.begin("hook", total: batches.count)
    defer { progress.end() }
    for batch in batches {
      try cancellation?.checkCancellation()
      try hook([batch], layers: pattern) { input in
        let key = input.names[0]
        for name in input.names { aliases[name] = key }
        if accumulators[key] == nil {
          accumulators[key] = LayerStatistics(
            layer: input.names.joined(separator: ", "), features: input.input.columns,
            perBatch: perBatch)
        }
        try accumulators[key]!.add(batch: input.input)
      }
      progress.advance(by: 1)
    }
    var byLayer: [String: LayerStatistics] = [:]
    for (name, key) in aliases { byLayer[name] = accumulators[key] }
    return CalibrationStatistics(
      byLayer: byLayer, sentenceCount: sentences.count, tokenCount: all.tokenCount)
  }
}
