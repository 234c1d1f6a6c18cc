// The embedding block: word + position (+ token-type) embeddings, LayerNorm.
//
// Legend: N packed tokens, H hidden, V vocabulary, P positions.
// Token type ids are all 0 (single-sentence input; BERT only); positions
// restart for every sequence of the batch, at `positionOffset` (0 for BERT,
// pad_token_id + 1 for MPNet, whose padding never precedes a real token).

import FlarLinAlg

/// The embedding block in Float, the model's own precision.
public typealias EncoderEmbeddings = EmbeddingBlock<Float>

/// The weights of `embeddings.*`.
public struct EmbeddingBlock<Scalar: EncoderScalar>: Sendable {
  public var wordEmbeddings: Matrix<Scalar>  // (V, H)
  public var positionEmbeddings: Matrix<Scalar>  // (P, H)
  /// (type_vocab_size, H), or nil for a family without token types.
  public var tokenTypeEmbeddings: Matrix<Scalar>?
  public var layerNormWeight: [Scalar]  // (H)
  public var layerNormBias: [Scalar]  // (H)
  public var eps: Float
  /// The position id of a sequence's first token.
  public var positionOffset: Int = 0

  /// The packed embeddings of a batch.
  ///
  /// - Returns: (N, H), the rows of all sequences back to back.
  /// - Throws: `ModelError.tokenIdOutOfRange` or `.sequenceTooLong`.
  func callAsFunction(_ batch: TokenBatch) throws -> Matrix<Scalar> {
    let h = wordEmbeddings.columns
    let v = wordEmbeddings.rows
    var x = Matrix<Scalar>(rows: batch.tokenCount, columns: h)  // (N, H)
    var row = 0
    try x.storage.withUnsafeMutableBufferPointer { out in
      try wordEmbeddings.storage.withUnsafeBufferPointer { word in
        try positionEmbeddings.storage.withUnsafeBufferPointer { position in
          let zeros = [Scalar](repeating: 0, count: h)
          try (tokenTypeEmbeddings?.storage ?? zeros).withUnsafeBufferPointer { type in
            let positions = positionEmbeddings.rows - positionOffset
            for (s, ids) in batch.sequences.enumerated() {
              guard ids.count <= positions else {
                throw ModelError.sequenceTooLong(
                  sequence: s, length: ids.count, maxPositions: positions)
              }
              for (p, id) in ids.enumerated() {
                guard id >= 0 && id < v else {
                  throw ModelError.tokenIdOutOfRange(sequence: s, position: p, id: id, vocabSize: v)
                }
                // Same summation order as HF: (word + type) + position
                // (MPNet: word + position; adding a zero type changes nothing).
                let at = (p + positionOffset) * h
                for j in 0..<h {
                  out[row * h + j] = (word[id * h + j] + type[j]) + position[at + j]
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
    wordEmbeddings.count + positionEmbeddings.count + (tokenTypeEmbeddings?.count ?? 0)
      + layerNormWeight.count + layerNormBias.count
  }
}

extension EmbeddingBlock {
  /// The same block in another precision.
  func converted<T: EncoderScalar>(to: T.Type = T.self) -> EmbeddingBlock<T> {
    EmbeddingBlock<T>(
      wordEmbeddings: wordEmbeddings.converted(),
      positionEmbeddings: positionEmbeddings.converted(),
      tokenTypeEmbeddings: tokenTypeEmbeddings?.converted(),
      layerNormWeight: layerNormWeight.map { T($0) }, layerNormBias: layerNormBias.map { T($0) },
      eps: eps, positionOffset: positionOffset)
  }
}
