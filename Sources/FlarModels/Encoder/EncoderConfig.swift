// The sizes and constants of an encoder, read from `config.json`; its
// `model_type` picks the family (ModelFamily.swift).
//
// Dimension legend (used in every file of Encoder/):
//   B  sequences in a batch          T  tokens of one sequence
//   N  real tokens of a whole batch (the packed rows, N = Σ T)
//   H  hidden size                   A  attention heads
//   D  head size, H / A              I  intermediate (feed-forward) size
//   V  vocabulary size               P  maximum positions

import FlarLinAlg

/// An encoder's configuration (Hugging Face `BertConfig` / `MPNetConfig` names).
public struct EncoderConfig: Sendable, Equatable {
  /// The family `model_type` names (BERT when the key is absent).
  public var family: ModelFamily
  public var vocabSize: Int  // V
  public var hiddenSize: Int  // H
  public var numHiddenLayers: Int
  public var numAttentionHeads: Int  // A
  public var intermediateSize: Int  // I
  public var maxPositionEmbeddings: Int  // P
  public var typeVocabSize: Int
  public var layerNormEps: Float
  /// `pad_token_id`: positions start after it where the family says so.
  public var padTokenId: Int
  /// `relative_attention_num_buckets` of a family with a relative bias.
  public var relativeAttentionNumBuckets: Int
  /// The whole config.json, kept so that saving writes back every key.
  public var json: JSONValue

  /// D = H / A.
  public var headSize: Int { hiddenSize / numAttentionHeads }

  /// Reads a config from parsed `config.json`.
  ///
  /// - Throws: `ModelError.badConfig` naming the key, or
  ///   `.unsupportedConfig` for activations and position types flar lacks.
  public init(json: JSONValue, path: String) throws {
    func int(_ key: String, default value: Int? = nil) throws -> Int {
      guard let v = json[key] else {
        if let value { return value }
        throw ModelError.badConfig(path: path, key: key, detail: "missing")
      }
      guard let i = v.intValue, i > 0 else {
        throw ModelError.badConfig(path: path, key: key, detail: "expected a positive integer")
      }
      return i
    }
    guard json.objectValue != nil else {
      throw ModelError.badConfig(path: path, key: "", detail: "not a JSON object")
    }
    let modelType = json["model_type"]?.stringValue ?? "bert"
    guard let family = ModelFamily.named(modelType) else {
      throw ModelError.unknownModelType(
        path: path, modelType: modelType, known: ModelFamily.known.map(\.modelType))
    }
    self.family = family
    vocabSize = try int("vocab_size")
    hiddenSize = try int("hidden_size")
    numHiddenLayers = try int("num_hidden_layers")
    numAttentionHeads = try int("num_attention_heads")
    intermediateSize = try int("intermediate_size")
    maxPositionEmbeddings = try int("max_position_embeddings", default: 512)
    typeVocabSize = try int("type_vocab_size", default: 2)
    relativeAttentionNumBuckets = try int("relative_attention_num_buckets", default: 32)
    if let p = json["pad_token_id"] {
      guard let i = p.intValue, i >= 0 else {
        throw ModelError.badConfig(
          path: path, key: "pad_token_id", detail: "expected a non-negative integer")
      }
      padTokenId = i
    } else {
      padTokenId = family.positionsAfterPadding ? 1 : 0
    }
    if let e = json["layer_norm_eps"] {
      guard let d = e.doubleValue, d > 0 else {
        throw ModelError.badConfig(
          path: path, key: "layer_norm_eps", detail: "expected a positive number")
      }
      layerNormEps = Float(d)
    } else {
      layerNormEps = 1e-12
    }
    guard hiddenSize % numAttentionHeads == 0 else {
      throw ModelError.badConfig(
        path: path, key: "num_attention_heads",
        detail: "hidden_size \(hiddenSize) is not a multiple of \(numAttentionHeads) heads")
    }
    if family.relativeAttentionBias != nil
      && relativeAttentionNumBuckets != RelativePositionBias.buckets
    {
      throw ModelError.unsupportedConfig(
        path: path, key: "relative_attention_num_buckets",
        value: "\(relativeAttentionNumBuckets)", supported: "\(RelativePositionBias.buckets)")
    }
    let act = json["hidden_act"]?.stringValue ?? "gelu"
    guard act == "gelu" else {
      throw ModelError.unsupportedConfig(
        path: path, key: "hidden_act", value: act, supported: "gelu")
    }
    let position = json["position_embedding_type"]?.stringValue ?? "absolute"
    guard position == "absolute" || family != .bert else {
      throw ModelError.unsupportedConfig(
        path: path, key: "position_embedding_type", value: position, supported: "absolute")
    }
    self.json = json
  }

  /// Reads `config.json` at `path`.
  public static func read(_ path: String) throws -> EncoderConfig {
    let bytes = try AtomicFile.read(path)
    do {
      return try EncoderConfig(json: try parseJSON(bytes), path: path)
    } catch let e as JSONError {
      throw ModelError.badConfig(path: path, key: "", detail: "\(e)")
    }
  }
}
