// A whole encoder model of any family (ModelFamily.swift): embeddings, the
// stack of blocks, a relative position bias where the family has one, the pooler's
// weights (kept for saving and counting, unused by sentence embeddings), and
// the tokenizer of its directory.
//
// Legend: B sequences, N packed tokens, H hidden.
//
// The model is a value: replacing a layer returns a new model, and the
// matrices it did not touch are shared with the original (copy-on-write
// arrays), so keeping many variants of one model costs little memory.

import FlarCore
import FlarLinAlg

/// A model in Float, the precision it is loaded, compressed, healed, run
/// and saved in.
public typealias EncoderModel = TransformerEncoder<Float>

/// A transformer encoder of any known family (BERT, MPNet) ready to run,
/// in Float (`EncoderModel`) or, for checks against float64 references, in
/// Double (`converted(to:)`).
///
/// Loading, saving, hooks, suffix evaluation, threaded embedding and the
/// weight gradients of fwsvd are Float-only; the forward pass, the
/// backward pass to every trainable tensor and mean pooling run in both.
public struct TransformerEncoder<Scalar: EncoderScalar>: Sendable {
  public var config: EncoderConfig
  public var embeddings: EmbeddingBlock<Scalar>
  public var layers: [EncoderBlock<Scalar>]
  /// `pooler.dense` when the checkpoint has one; not used by `embed`.
  public var pooler: LinearLayer<Scalar>?
  /// The relative position bias shared by every block (MPNet), or nil.
  public var relativeBias: RelativeAttentionBias<Scalar>?
  /// How token states become a sentence embedding (sentence-transformers'
  /// Pooling and Normalize modules; mean and L2 when the directory has none).
  public var pooling = SentencePooling()
  /// The tokenizer read from the model directory, if it had one.
  public var tokenizer: BertTokenizer?
  /// The directory the model was loaded from (its tokenizer files are
  /// copied from there when the model is saved).
  public var sourceDirectory: String?

  public init(
    config: EncoderConfig, embeddings: EmbeddingBlock<Scalar>, layers: [EncoderBlock<Scalar>],
    pooler: LinearLayer<Scalar>? = nil, tokenizer: BertTokenizer? = nil,
    sourceDirectory: String? = nil
  ) {
    self.config = config
    self.embeddings = embeddings
    self.layers = layers
    self.pooler = pooler
    self.tokenizer = tokenizer
    self.sourceDirectory = sourceDirectory
  }

  /// The last hidden state of every real token: the "end feature".
  ///
  /// - Parameter batch: B tokenised sequences (N real tokens).
  /// - Returns: (N, H), the sequences' rows back to back (`batch.offsets`).
  /// - Throws: `ModelError` for token ids or lengths the model cannot take.
  /// The whole batch runs on the calling thread (OpenBLAS's threads inside
  /// each product), so that a suffix evaluation from a cached layer input
  /// (`evaluateSuffix`) gives these numbers bit for bit.
  public func lastHiddenState(_ batch: TokenBatch) throws -> Matrix<Scalar> {
    try run(batch, through: layers.count, tap: nil)
  }

  /// Runs embeddings and the first `count` blocks, calling `tap` with the
  /// block index at every linear input.
  func run(
    _ batch: TokenBatch, through count: Int,
    tap: ((Int, LayerPoint, Matrix<Scalar>, Matrix<Scalar>?) throws -> Void)?
  ) throws -> Matrix<Scalar> {
    let offsets = batch.offsets
    var x = try embeddings(batch)  // (N, H)
    let bias = attentionBias(offsets: offsets)  // once per batch, shared by every block
    for i in 0..<count {
      let blockTap: LayerTap<Scalar>? = tap.map { t in { try t(i, $0, $1, $2) } }
      x = try layers[i](x, offsets: offsets, bias: bias, tap: blockTap)
    }
    return x
  }

  /// The relative position bias of a batch with these sequence boundaries,
  /// or nil for a family without one.
  func attentionBias(offsets: [Int]) -> AttentionBias<Scalar>? {
    guard let relativeBias else { return nil }
    let longest = zip(offsets.dropFirst(), offsets).map { $0 - $1 }.max() ?? 0
    return relativeBias.table(longest: longest)
  }

  /// Parameters of the whole model (embeddings, blocks, pooler, relative
  /// position bias).
  public var parameterCount: Int {
    embeddings.parameterCount + layers.reduce(0) { $0 + $1.parameterCount }
      + (pooler?.parameterCount ?? 0) + (relativeBias?.weight.count ?? 0)
  }
}

extension EncoderModel {
  /// The last hidden state in Float (`lastHiddenState(_:)` for other
  /// modules: a call through the generic one from outside this module is
  /// not specialised).
  public func lastHiddenState(_ batch: TokenBatch) throws -> Matrix<Float> {
    try run(batch, through: layers.count, tap: nil)
  }

  /// Sentence embeddings, one row per sentence.
  ///
  /// Tokenises with the model's tokenizer (`[CLS] … [SEP]` or `<s> … </s>`,
  /// truncated to `maxLength`), runs `batchSize` sentences at a time on their
  /// real tokens only, and pools as the model's sentence-transformers modules
  /// say (`pooling`: mean and L2 normalisation for both real models).
  ///
  /// - Returns: (B, H).
  /// - Throws: `ModelError.noTokenizer`, `TokenizerError`, `ModelError`.
  public func embed(
    _ sentences: [String], maxLength: Int = 128, batchSize: Int = 32
  ) throws -> Matrix<Float> {
    guard tokenizer != nil else { throw ModelError.noTokenizer }
    let batch = try encode(sentences, maxLength: maxLength)
    return try embed(batch, batchSize: batchSize)
  }

  /// Sentence embeddings of tokenised sequences, `batchSize` at a time: (B, H).
  ///
  /// Each batch of `batchSize` runs in `groups` groups of sequences at once
  /// (`lastHiddenState(_:groups:)`; nil: `forwardGroups`, one group per
  /// OpenBLAS thread). Group counts agree to rounding, not always bit for
  /// bit (EncoderModel+Threads.swift says where they differ). `cancellation`
  /// is checked before each batch, so Ctrl-C stops a long run within one
  /// batch.
  public func embed(
    _ batch: TokenBatch, batchSize: Int = 32, groups: Int? = nil,
    cancellation: Cancellation? = nil
  ) throws -> Matrix<Float> {
    try pooledEmbeddings(batch, batchSize: batchSize, cancellation: cancellation) { part in
      try lastHiddenState(part, groups: groups ?? forwardGroups(part))
    }
  }
}

extension EncoderModel {
  /// Sentence embeddings computed in Float64.
  ///
  /// The model is converted to Double (Float weights are exact in Double)
  /// and each batch of `batchSize` runs on the calling thread through the
  /// forward pass and the model's pooling in double precision, with libm's
  /// `erf` in GELU: the numbers a float64 reference computes from the same
  /// weights, to double rounding (`Float64ForwardTests`). The copy holds
  /// twice the model's memory while it runs, and each pass is slower than
  /// `embed`'s (double-precision GEMMs, one thread group).
  ///
  /// - Returns: (B, H).
  /// - Throws: `ModelError.noTokenizer`, `TokenizerError`, `ModelError`,
  ///   `CancelledError` when `cancellation` is set between batches.
  public func embedInFloat64(
    _ sentences: [String], maxLength: Int = 128, batchSize: Int = 32,
    cancellation: Cancellation? = nil
  ) throws -> Matrix<Double> {
    let batch = try encode(sentences, maxLength: maxLength)
    let model = converted(to: Double.self)
    return try model.pooledEmbeddings(batch, batchSize: batchSize, cancellation: cancellation) {
      try model.lastHiddenState($0)
    }
  }
}

extension TransformerEncoder {
  /// The pooled embeddings of `batch`: (B, H).
  ///
  /// `batchSize` sequences at a time, each batch's last hidden states from
  /// `hiddenState`: `embed` passes its grouped forward pass,
  /// `embedInFloat64` the plain one.
  func pooledEmbeddings(
    _ batch: TokenBatch, batchSize: Int, cancellation: Cancellation?,
    hiddenState: (TokenBatch) throws -> Matrix<Scalar>
  ) throws -> Matrix<Scalar> {
    let h = config.hiddenSize
    var out = Matrix<Scalar>(rows: batch.count, columns: h)  // (B, H)
    for start in stride(from: 0, to: batch.count, by: max(1, batchSize)) {
      try cancellation?.checkCancellation()
      let part = batch.slice(start..<min(start + max(1, batchSize), batch.count))
      let pooled = pooling(try hiddenState(part), offsets: part.offsets)
      out.storage.replaceSubrange((start * h)..<((start + part.count) * h), with: pooled.storage)
    }
    return out
  }

  /// Tokenises `sentences` with the model's tokenizer, truncated to
  /// `maxLength` tokens — and never beyond the model's position table
  /// (`max_position_embeddings`), as Hugging Face truncates at the
  /// tokenizer's model maximum.
  ///
  /// - Throws: `ModelError.noTokenizer`, `TokenizerError`.
  public func encode(_ sentences: [String], maxLength: Int) throws -> TokenBatch {
    guard let tokenizer else { throw ModelError.noTokenizer }
    return try tokenizer.encode(
      sentences,
      maxLength: Swift.min(maxLength, config.maxPositionEmbeddings - embeddings.positionOffset))
  }
}

extension TransformerEncoder {
  /// The same model in another precision.
  ///
  /// Every weight is converted (Float values are exact in Double); the
  /// configuration, pooling and tokenizer are shared. A Double model runs the forward pass, `parameterGradients` and
  /// pooling in float64, for checks against float64 references.
  public func converted<T: EncoderScalar>(to: T.Type = T.self) -> TransformerEncoder<T> {
    var m = TransformerEncoder<T>(
      config: config, embeddings: embeddings.converted(), layers: layers.map { $0.converted() },
      pooler: pooler?.converted(), tokenizer: tokenizer, sourceDirectory: sourceDirectory)
    m.relativeBias = relativeBias?.converted()
    m.pooling = pooling
    return m
  }
}
