// The embedding block: word + position + token-type embeddings, LayerNorm.
//
// Legend: N packed tokens, H hidden, V vocabulary, P positions.
// Token type ids are all 0 (single-sentence input); positions restart at 0
// for every sequence of the batch.

import FlarLinAlg

/// The weights of `embeddings.*`.
public struct BertEmbeddings: Sendable {
  public var wordEmbeddings: Matrix<Float>  // (V, H)
  public var positionEmbeddings: Matrix<Float>  // (P, H)
  public var tokenTypeEmbeddings: Matrix<Float>  // (type_vocab_size, H)
  public var layerNormWeight: [Float]  // (H)
  public var layerNormBias: [Float]  // (H)
  public var eps: Float

  /// The packed embeddings of a batch.
  ///
  /// - Returns: (N, H), the rows of all sequences back to back.
  /// - Throws: `ModelError.tokenIdOutOfRange` or `.sequenceTooLong`.
  func callAsFunction(_ batch: TokenBatch) throws -> Matrix<Float> {
    let h = wordEmbeddings.columns
    let v = wordEmbeddings.rows
    var x = Matrix<Float>(rows: batch.tokenCount, columns: h)  // (N, H)
    var row = 0
    try x.storage.withUnsafeMutableBufferPointer { out in
      try wordEmbeddings.storage.withUnsafeBufferPointer { word in
        try positionEmbeddings.storage.withUnsafeBufferPointer { position in
          try tokenTypeEmbeddings.storage.withUnsafeBufferPointer { type in
            for (s, ids) in batch.sequences.enumerated() {
              guard ids.count <= positionEmbeddings.rows else {
                throw ModelError.sequenceTooLong(
                  sequence: s, length: ids.count, maxPositions: positionEmbeddings.rows)
              }
              for (p, id) in ids.enumerated() {
                guard id >= 0 && id < v else {
                  throw ModelError.tokenIdOutOfRange(sequence: s, position: p, id: id, vocabSize: v)
                }
                // Same summation order as HF: (word + type) + position.
                for j in 0..<h {
                  out[row * h + j] = (word[id * h + j] + type[j]) + position[p * h + j]
                }
                row += 1
              }
            }
          }
        }
      }
    }
    layerNorm(&x, gamma: layerNormWeight, beta: layerNormBias, eps: eps)
    return x
  }

  /// Parameters held (all embedding tables and the LayerNorm).
  var parameterCount: Int {
    wordEmbeddings.count + positionEmbeddings.count + tokenTypeEmbeddings.count
      + layerNormWeight.count + layerNormBias.count
  }
}
