// The stock Hugging Face / sentence-transformers directory: what
// `transformers.AutoModel.from_pretrained` and
// `sentence_transformers.SentenceTransformer` load with no custom code.
//
// Every low-rank layer is merged back to a dense float32 `W = L R` and
// written under the layer's original `.weight` name, so the directory has
// exactly the original model's tensors and config.json (without flar's own
// section). It is therefore as large and as fast as the dense model: the form
// for fine-tuning and evaluating elsewhere, not for deployment (ONNX is).
//
// Files: config.json, model.safetensors, the tokenizer files, the
// sentence-transformers files (modules.json, 1_Pooling/config.json,
// sentence_bert_config.json; written afresh for mean pooling and
// normalisation when the source directory had none), and flar-manifest.txt
// with the run's manifest and the merged layers' ranks.

import FlarLinAlg

extension EncoderModel {
  /// The same model with every low-rank layer merged to its dense `W = L R`.
  ///
  /// Biases and all other weights are shared with `self`.
  public func mergedDense() throws -> EncoderModel {
    var out = self
    for name in linearLayerNames {
      let layer = try linear(name)
      guard layer.rank != nil else { continue }
      out = try out.replacing(name, with: Linear(weight: layer.denseWeight(), bias: layer.bias))
    }
    if let pooler, pooler.rank != nil {
      out.pooler = Linear(weight: pooler.denseWeight(), bias: pooler.bias)
    }
    return out
  }

  /// The low-rank layers and their ranks, in forward order.
  public var lowRankLayers: [(name: String, rank: Int)] {
    // A plain loop: Swift 6.3.1's optimiser crashes (SIL ownership verifier)
    // on the compactMap over optional chains, as in savedConfigJSON.
    var out: [(name: String, rank: Int)] = []
    for name in linearLayerNames {
      guard let layer = try? linear(name), let k = layer.rank else { continue }
      out.append((name, k))
    }
    return out
  }

  /// Writes a stock Hugging Face / sentence-transformers directory at
  /// `directory`, atomically, replacing one that exists there.
  ///
  /// - Parameters:
  ///   - directory: the directory to create or replace.
  ///   - manifest: the compression run's manifest, written to
  ///     flar-manifest.txt with the merged layers' ranks.
  /// - Throws: `ExportError.cannotWrite` naming `directory`; the old
  ///   directory is whole after any failure.
  public func saveHuggingFace(to directory: String, manifest: [(String, String)] = []) throws {
    let dense = try mergedDense()
    let config = (config.json.removing("flar").serialized(indent: 2)) + "\n"
    let weights = SafeTensorsWriter.encode(dense.tensorEntries(), metadata: ["format": "pt"])
    let manifestText = manifestFile(manifest)
    try StagedDirectory.write(to: directory) { staged in
      try staged.write(Array(config.utf8), to: "config.json")
      try staged.write(weights, to: "model.safetensors")
      try writeTokenizerAndPoolingFiles(into: staged)
      try staged.write(Array(manifestText.utf8), to: "flar-manifest.txt")
    }
  }

  /// The manifest lines, then `merged_low_rank: name=k, …`.
  func manifestFile(_ manifest: [(String, String)]) -> String {
    var lines = manifest.map { "\($0.0): \($0.1)" }
    let merged = lowRankLayers.map { "\($0.name)=\($0.rank)" }.joined(separator: ", ")
    lines.append("merged_low_rank: " + (merged.isEmpty ? "none" : merged))
    return lines.joined(separator: "\n") + "\n"
  }

  /// Copies the tokenizer and sentence-transformers files of the source
  /// directory, and writes those missing for mean pooling + normalisation.
  private func writeTokenizerAndPoolingFiles(into staged: StagedDirectory) throws {
    var copied = Set<String>()
    if let source = sourceDirectory {
      for name in EncoderModel.companionFiles {
        guard let bytes = try? AtomicFile.read(source + "/" + name) else { continue }
        try staged.write(bytes, to: name)
        copied.insert(name)
      }
    }
    if !copied.contains("vocab.txt") && !copied.contains("tokenizer.json") {
      guard let tokenizer else { throw ModelError.noTokenizer }
      let text = tokenizer.vocabulary.tokens.joined(separator: "\n") + "\n"
      try staged.write(Array(text.utf8), to: "vocab.txt")
      if !copied.contains("tokenizer_config.json") {
        let settings = JSONValue.object([
          ("do_lower_case", .bool(tokenizer.normalizer.lowercase)),
          ("tokenize_chinese_chars", .bool(tokenizer.normalizer.handleChineseChars)),
          ("strip_accents", tokenizer.normalizer.stripAccents.map { .bool($0) } ?? .null),
          ("unk_token", .string(tokenizer.wordPiece.unknownToken)),
          ("tokenizer_class", .string("BertTokenizer")),
        ])
        try staged.write(
          Array((settings.serialized(indent: 2) + "\n").utf8), to: "tokenizer_config.json")
      }
    }
    for (name, json) in sentenceTransformersDefaults() where !copied.contains(name) {
      try staged.write(Array((json.serialized(indent: 2) + "\n").utf8), to: name)
    }
  }

  /// modules.json, 1_Pooling/config.json and sentence_bert_config.json for
  /// what `embed` computes: the model's pooling over real tokens, then L2
  /// normalisation where it has one (sentence-transformers' Normalize has no
  /// files).
  func sentenceTransformersDefaults() -> [(String, JSONValue)] {
    func module(_ i: Int, _ path: String, _ type: String) -> JSONValue {
      .object([
        ("idx", JSONValue(integer: i)), ("name", .string(String(i))), ("path", .string(path)),
        ("type", .string("sentence_transformers.models." + type)),
      ])
    }
    var list = [module(0, "", "Transformer"), module(1, "1_Pooling", "Pooling")]
    if pooling.normalize { list.append(module(2, "2_Normalize", "Normalize")) }
    let modules = JSONValue.array(list)
    let pooling = JSONValue.object(
      [("word_embedding_dimension", JSONValue(integer: config.hiddenSize))]
        + SentencePooling.Mode.allCases.map {
          ("pooling_mode_" + $0.rawValue, .bool($0 == self.pooling.mode))
        })
    let sentenceBert = JSONValue.object([
      ("max_seq_length", JSONValue(integer: min(128, config.maxPositionEmbeddings))),
      ("do_lower_case", .bool(false)),
    ])
    return [
      ("modules.json", modules), ("1_Pooling/config.json", pooling),
      ("sentence_bert_config.json", sentenceBert),
    ]
  }
}

extension JSONValue {
  /// This object without `key` (unchanged when it has none or is no object).
  public func removing(_ key: String) -> JSONValue {
    guard case .object(let pairs) = self else { return self }
    return .object(pairs.filter { $0.0 != key })
  }
}
