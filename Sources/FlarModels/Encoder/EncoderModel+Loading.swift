// Loading a model directory: config.json, model.safetensors (memory-mapped,
// converted to Float), and the tokenizer files.
//
// Legend: H hidden, I intermediate, V vocabulary, P positions.
//
// Tensor names follow Hugging Face's model of the family (`embeddings.…`,
// `encoder.layer.{i}.…`, `pooler.dense.…`; ModelFamily.swift names each
// block's tensors); a `bert.` / `mpnet.` prefix, as in *ForMaskedLM
// checkpoints, is accepted. Every tensor the config implies is read, with
// the shape it implies, before the model exists: nothing is half-loaded. A layer listed under
// `"flar": {"low_rank": {name: k}}` in config.json is read from `name.L`
// (out, k), `name.R` (k, in) and `name.bias` instead of `name.weight`.

import FlarLinAlg

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension EncoderModel {
  /// Loads the model directory at `directory`.
  ///
  /// - Throws: `ModelError` (config, missing files), `SafeTensorsError`
  ///   (malformed weights, missing tensors, wrong shapes), `TokenizerError`.
  public static func load(directory: String) throws -> EncoderModel {
    let configPath = directory + "/config.json"
    let weightsPath = directory + "/model.safetensors"
    guard access(configPath, R_OK) == 0 else {
      throw ModelError.missingModelFile(directory: directory, file: "config.json")
    }
    guard access(weightsPath, R_OK) == 0 else {
      throw ModelError.missingModelFile(directory: directory, file: "model.safetensors")
    }
    let config = try EncoderConfig.read(configPath)
    let pooling = try SentencePooling.read(directory: directory)
    let file = try SafeTensorsFile(path: weightsPath)
    let hasTokenizer =
      access(directory + "/vocab.txt", R_OK) == 0
      || access(directory + "/tokenizer.json", R_OK) == 0
    let tokenizer = hasTokenizer ? try BertTokenizer.load(directory: directory) : nil
    var model = try load(config: config, weights: file, configPath: configPath)
    model.tokenizer = tokenizer
    model.pooling = pooling
    model.sourceDirectory = directory
    return model
  }

  /// Builds a model from a config and an open safetensors file.
  static func load(config: EncoderConfig, weights file: SafeTensorsFile, configPath: String) throws
    -> EncoderModel
  {
    let family = config.family
    let familyPrefix = family.modelType + "."
    let prefix =
      file.contains(familyPrefix + "embeddings.word_embeddings.weight") ? familyPrefix : ""
    let ranks = try lowRankSection(config, path: configPath)
    let h = config.hiddenSize
    let i = config.intermediateSize
    func matrix(_ n: String, _ shape: [Int]) throws -> Matrix<Float> {
      try file.matrix(prefix + n, shape: shape)
    }
    func vector(_ n: String, _ count: Int) throws -> [Float] {
      try file.vector(prefix + n, count: count)
    }
    func linear(_ n: String, out: Int, in: Int) throws -> Linear {
      let bias = try vector(n + ".bias", out)
      guard let k = ranks[n] else {
        return Linear(weight: try matrix(n + ".weight", [out, `in`]), bias: bias)
      }
      return Linear(
        l: try matrix(n + ".L", [out, k]), r: try matrix(n + ".R", [k, `in`]), bias: bias)
    }
    let embeddings = EncoderEmbeddings(
      wordEmbeddings: try matrix("embeddings.word_embeddings.weight", [config.vocabSize, h]),
      positionEmbeddings: try matrix(
        "embeddings.position_embeddings.weight", [config.maxPositionEmbeddings, h]),
      tokenTypeEmbeddings: family.hasTokenTypes
        ? try matrix("embeddings.token_type_embeddings.weight", [config.typeVocabSize, h]) : nil,
      layerNormWeight: try vector("embeddings.LayerNorm.weight", h),
      layerNormBias: try vector("embeddings.LayerNorm.bias", h),
      eps: config.layerNormEps,
      positionOffset: family.positionsAfterPadding ? config.padTokenId + 1 : 0)
    guard embeddings.positionOffset < config.maxPositionEmbeddings else {
      throw ModelError.badConfig(
        path: configPath, key: "pad_token_id",
        detail:
          "\(config.padTokenId) leaves no position of \(config.maxPositionEmbeddings) for tokens")
    }
    let names = family.linearSuffixes  // q, k, v, attention output, intermediate, output
    var layers: [EncoderLayer] = []
    for index in 0..<config.numHiddenLayers {
      let p = "encoder.layer.\(index)."
      layers.append(
        EncoderLayer(
          attention: EncoderSelfAttention(
            query: try linear(p + names[0], out: h, in: h),
            key: try linear(p + names[1], out: h, in: h),
            value: try linear(p + names[2], out: h, in: h),
            heads: config.numAttentionHeads),
          attentionOutput: try linear(p + names[3], out: h, in: h),
          attentionLayerNormWeight: try vector(p + family.attentionLayerNorm + ".weight", h),
          attentionLayerNormBias: try vector(p + family.attentionLayerNorm + ".bias", h),
          intermediate: try linear(p + names[4], out: i, in: h),
          output: try linear(p + names[5], out: h, in: i),
          outputLayerNormWeight: try vector(p + family.outputLayerNorm + ".weight", h),
          outputLayerNormBias: try vector(p + family.outputLayerNorm + ".bias", h),
          eps: config.layerNormEps))
    }
    let relativeBias = try family.relativeAttentionBias.map { name in
      RelativePositionBias(
        weight: try matrix(name, [config.relativeAttentionNumBuckets, config.numAttentionHeads]))
    }
    let pooler =
      file.contains(prefix + "pooler.dense.bias")
      ? try linear("pooler.dense", out: h, in: h) : nil
    var model = EncoderModel(config: config, embeddings: embeddings, layers: layers, pooler: pooler)
    model.relativeBias = relativeBias
    return model
  }

  /// The `flar.low_rank` section of a config: layer name → rank.
  static func lowRankSection(_ config: EncoderConfig, path: String) throws -> [String: Int] {
    guard let section = config.json["flar"]?["low_rank"] else { return [:] }
    guard let pairs = section.objectValue else {
      throw ModelError.badConfig(path: path, key: "flar.low_rank", detail: "is not an object")
    }
    var ranks: [String: Int] = [:]
    for (name, value) in pairs {
      guard let k = value.intValue, k >= 1 else {
        throw ModelError.badConfig(
          path: path, key: "flar.low_rank.\(name)", detail: "expected a positive integer rank")
      }
      ranks[name] = k
    }
    return ranks
  }
}
