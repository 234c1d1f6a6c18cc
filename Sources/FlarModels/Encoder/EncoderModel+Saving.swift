// Saving a model as a model directory: config.json (with a "flar" section
// listing the low-rank layers and their ranks), model.safetensors (F32; a
// low-rank layer as `name.L` (out, k), `name.R` (k, in), `name.bias`), and the
// tokenizer files of the directory it came from.
//
// Atomic: everything is written into a fresh sibling directory, each file
// fsync'd, and the directory is renamed into place at the end, so a reader
// sees the old model or the whole new one.

import FlarLinAlg
import Foundation

/// Tokenizer and sentence-transformers files copied along when present.
private let modelCompanionFiles = [
  "vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
  "modules.json", "sentence_bert_config.json", "config_sentence_transformers.json",
  "1_Pooling/config.json", "README.md",
]

extension EncoderModel {
  /// Tokenizer and sentence-transformers files copied along when present.
  static var companionFiles: [String] { modelCompanionFiles }

  /// The tensors of the model under their HF names.
  func tensorEntries() -> [SafeTensorsEntry] {
    var out: [SafeTensorsEntry] = []
    func add(_ name: String, _ m: Matrix<Float>) {
      out.append(SafeTensorsEntry(name: name, matrix: m))
    }
    func add(_ name: String, _ v: [Float]) { out.append(SafeTensorsEntry(name: name, vector: v)) }
    func add(_ name: String, _ l: Linear) {
      switch l.weights {
      case .dense(let w): add(name + ".weight", w)
      case .lowRank(let lf, let rf):
        add(name + ".L", lf)
        add(name + ".R", rf)
      }
      add(name + ".bias", l.bias)
    }
    let family = config.family
    add("embeddings.word_embeddings.weight", embeddings.wordEmbeddings)
    add("embeddings.position_embeddings.weight", embeddings.positionEmbeddings)
    if let types = embeddings.tokenTypeEmbeddings {
      add("embeddings.token_type_embeddings.weight", types)
    }
    add("embeddings.LayerNorm.weight", embeddings.layerNormWeight)
    add("embeddings.LayerNorm.bias", embeddings.layerNormBias)
    for (i, layer) in layers.enumerated() {
      let p = "encoder.layer.\(i)."
      for role in EncoderLayer.linearSuffixes {
        add(p + family.suffix(forRole: role), layer[linear: role]!)
      }
      add(p + family.attentionLayerNorm + ".weight", layer.attentionLayerNormWeight)
      add(p + family.attentionLayerNorm + ".bias", layer.attentionLayerNormBias)
      add(p + family.outputLayerNorm + ".weight", layer.outputLayerNormWeight)
      add(p + family.outputLayerNorm + ".bias", layer.outputLayerNormBias)
    }
    if let name = family.relativeAttentionBias, let relativeBias {
      add(name, relativeBias.weight)
    }
    if let pooler { add("pooler.dense", pooler) }
    return out
  }

  /// The config to save: the original keys plus `flar.low_rank`.
  func savedConfigJSON() -> JSONValue {
    // A plain loop: Swift 6.3.1's optimiser crashed (SIL ownership
    // verifier) on the equivalent compactMap over optional chains.
    var ranks: [(String, JSONValue)] = []
    for (i, layer) in layers.enumerated() {
      for role in EncoderLayer.linearSuffixes {
        if let k = layer[linear: role]?.rank {
          let name = "encoder.layer.\(i).\(config.family.suffix(forRole: role))"
          ranks.append((name, JSONValue(integer: k)))
        }
      }
    }
    var flar = JSONValue.object([])
    if let existing = config.json["flar"] { flar = existing }
    flar = flar.setting("low_rank", to: .object(ranks))
    return config.json.setting("flar", to: flar)
  }

  /// Writes the model directory `directory` atomically, replacing one that
  /// exists there.
  ///
  /// - Throws: `ModelError.cannotSave` with the system's reason, or
  ///   `FileError` from a file write; nothing is left half-written.
  public func save(to directory: String) throws {
    let fm = FileManager.default
    let target = URL(fileURLWithPath: directory).standardizedFileURL
    let parent = target.deletingLastPathComponent()
    let staging = URL(fileURLWithPath: AtomicDirectory.stagingPath(for: target.path))
    do {
      try fm.createDirectory(at: parent, withIntermediateDirectories: true)
      try fm.createDirectory(at: staging, withIntermediateDirectories: false)
    } catch {
      throw ModelError.cannotSave(path: directory, reason: "\(error.localizedDescription)")
    }
    do {
      let config = Array((savedConfigJSON().serialized(indent: 2) + "\n").utf8)
      try AtomicFile.write(config, to: staging.appendingPathComponent("config.json").path)
      try SafeTensorsWriter.write(
        tensorEntries(), metadata: ["format": "pt"],
        to: staging.appendingPathComponent("model.safetensors").path)
      try writeCompanionFiles(into: staging)
      try replaceDirectory(target, with: staging)
    } catch {
      try? fm.removeItem(at: staging)
      if error is ModelError || error is FileError { throw error }
      throw ModelError.cannotSave(path: directory, reason: "\(error.localizedDescription)")
    }
  }

  private func writeCompanionFiles(into staging: URL) throws {
    var copied = Set<String>()
    if let source = sourceDirectory {
      for name in EncoderModel.companionFiles {
        let from = source + "/" + name
        guard let bytes = try? AtomicFile.read(from) else { continue }
        let to = staging.appendingPathComponent(name)
        try FileManager.default.createDirectory(
          at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(bytes, to: to.path)
        copied.insert(name)
      }
    }
    // A model built in memory still carries its vocabulary.
    if !copied.contains("vocab.txt") && !copied.contains("tokenizer.json"), let tokenizer {
      let text = tokenizer.vocabulary.tokens.joined(separator: "\n") + "\n"
      try AtomicFile.write(Array(text.utf8), to: staging.appendingPathComponent("vocab.txt").path)
      let settings = JSONValue.object([
        ("do_lower_case", .bool(tokenizer.normalizer.lowercase)),
        ("tokenize_chinese_chars", .bool(tokenizer.normalizer.handleChineseChars)),
        ("strip_accents", tokenizer.normalizer.stripAccents.map { .bool($0) } ?? .null),
        ("unk_token", .string(tokenizer.wordPiece.unknownToken)),
      ])
      try AtomicFile.write(
        Array(settings.serialized(indent: 2).utf8),
        to: staging.appendingPathComponent("tokenizer_config.json").path)
    }
  }

  /// Makes `staging` the directory at `target` in one step (see
  /// `AtomicDirectory.replace`).
  private func replaceDirectory(_ target: URL, with staging: URL) throws {
    try AtomicDirectory.replace(target.path, with: staging.path)
  }
}
