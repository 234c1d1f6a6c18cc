import FlarLinAlg
import Foundation
import TestSupport
import Testing

@testable import FlarModels

/// The MPNet fixtures of Tests/Fixtures/mpnet, written by generate_mpnet.py.
enum MPNetFixtures {
  static let formatVersion = 1
  static let generator = "Tests/Fixtures/generate_mpnet.py"

  static func path(_ relative: String) -> String { TestSupport.fixture("mpnet/" + relative) }

  /// all-mpnet-base-v2 as `scripts/setup.sh --model all-mpnet-base-v2` installs it.
  static let directory = TestSupport.repositoryRoot
    .appendingPathComponent("models/all-mpnet-base-v2").path

  /// The random 2-layer MPNet written by transformers.
  static let tinyDirectory = path("tiny")

  static func json(_ relative: String) throws -> JSONValue {
    try ModelFixtures.versionedJSON(
      relative, folder: "mpnet", formatVersion: formatVersion, generator: generator)
  }

  /// One array of `tiny.npz`.
  static func tiny(_ key: String) throws -> Matrix<Double> {
    guard let a = try TestSupport.fixtureArchive("mpnet/tiny.npz")[key] else {
      throw FixtureError.missing("mpnet/tiny.npz", "no array \(key); re-run \(generator)")
    }
    return try a.matrix()
  }

  static let model = Result {
    do {
      return try EncoderModel.load(directory: directory)
    } catch {
      throw FixtureError.missing(
        "models/all-mpnet-base-v2",
        "\(error); run scripts/setup.sh --model all-mpnet-base-v2 to install the model")
    }
  }
}

@Suite struct MPNetFamilyTests {
  @Test func relativePositionBucketsMatchTransformers() throws {
    let json = try MPNetFixtures.json("buckets.json")
    let first = json["first"]?.intValue ?? 0
    let expected = (json["buckets"]?.arrayValue ?? []).compactMap(\.intValue)
    #expect(expected.count == 1201)
    let bias = RelativePositionBias(weight: Matrix(rows: 32, columns: 1))
    let got = (0..<expected.count).map { bias.bucket(first + $0) }
    #expect(got == expected)
  }

  @Test func tinyTokenizerMatchesHuggingFace() throws {
    let json = try MPNetFixtures.json("tiny_tokens.json")
    let texts = (json["texts"]?.arrayValue ?? []).compactMap(\.stringValue)
    let expected = ModelFixtures.idLists(json["sentences"])
    let tokenizer = try BertTokenizer.load(directory: MPNetFixtures.tinyDirectory)
    #expect(texts.count == 28 && expected.count == 28)
    for (text, ids) in zip(texts, expected) {
      #expect(try tokenizer.encode(text, maxLength: 64) == ids, "\(text)")
    }
    #expect(tokenizer.classifierId == 0 && tokenizer.separatorId == 2 && tokenizer.paddingId == 1)
  }

  /// The tiny model's packed hidden states and pooled embeddings against
  /// transformers' float64 MPNetModel run on padded batches of 8.
  @Test func tinyForwardMatchesTransformers() throws {
    let model = try EncoderModel.load(directory: MPNetFixtures.tinyDirectory)
    #expect(model.config.family == .mpnet)
    #expect(model.embeddings.tokenTypeEmbeddings == nil && model.embeddings.positionOffset == 2)
    #expect(model.pooling == SentencePooling(mode: .mean, normalize: true))
    let ids = ModelFixtures.idLists(try MPNetFixtures.json("tiny_tokens.json")["sentences"])
    let batch = TokenBatch(sequences: ids, paddingId: 1)
    #expect(batch.sequences.map(\.count).max() == 64)
    let hidden = try model.lastHiddenState(batch)
    let (hiddenError, _) = ModelFixtures.compare(hidden, try MPNetFixtures.tiny("hidden"))
    #expect(hiddenError <= 1e-4, "hidden states: max abs error \(hiddenError)")
    let e = try model.embed(batch, batchSize: 5)
    let (maxAbs, minCos) = ModelFixtures.compare(e, try MPNetFixtures.tiny("mean"))
    #expect(maxAbs <= 1e-5, "max abs error \(maxAbs)")
    #expect(minCos >= 0.99999, "min cosine \(minCos)")
  }

  /// CLS, max and mean/√T pooling, with and without Normalize, chosen by
  /// the sentence-transformers files alone.
  @Test func poolingComesFromTheSentenceTransformersFiles() throws {
    let ids = ModelFixtures.idLists(try MPNetFixtures.json("tiny_tokens.json")["sentences"])
    let batch = TokenBatch(sequences: ids, paddingId: 1)
    for (mode, key) in [
      ("cls_token", "cls"), ("max_tokens", "max"), ("mean_sqrt_len_tokens", "mean_sqrt_len"),
    ] {
      try TestSupport.withTemporaryDirectory { dir in
        let copy = try copyTiny(into: dir, poolingMode: mode, normalize: false)
        let model = try EncoderModel.load(directory: copy)
        #expect(model.pooling.mode.rawValue == mode && !model.pooling.normalize)
        let (maxAbs, _) = ModelFixtures.compare(
          try model.embed(batch), try MPNetFixtures.tiny(key))
        #expect(maxAbs <= 1e-4, "\(mode): max abs error \(maxAbs)")
      }
    }
  }

  /// ∂L/∂W through the relative bias and the packed attention against
  /// autograd on the padded float64 batch.
  @Test func weightGradientsMatchAutograd() throws {
    let model = try EncoderModel.load(directory: MPNetFixtures.tinyDirectory)
    let ids = ModelFixtures.idLists(try MPNetFixtures.json("tiny_tokens.json")["sentences"])
    let u = try MPNetFixtures.tiny("grad_u").converted(to: Float.self)
    let batch = TokenBatch(sequences: Array(ids.prefix(u.rows)), paddingId: 1)
    let names = [
      "encoder.layer.0.attention.attn.q", "encoder.layer.0.attention.attn.k",
      "encoder.layer.1.attention.attn.o", "encoder.layer.1.intermediate.dense",
    ]
    let result = try model.weightGradients(batch, layers: Set(names)) { e in
      var value = 0.0
      for (x, y) in zip(e.storage, u.storage) { value += Double(x) * Double(y) }
      return (value, u)
    }
    for (i, name) in names.enumerated() {
      let got = try #require(result.byLayer[name], "\(name)")
      let want = try MPNetFixtures.tiny("grad_\(i)")
      let scale = want.storage.map(abs).max() ?? 1
      let (maxAbs, minCos) = ModelFixtures.compare(got, want)
      #expect(maxAbs <= 1e-4 * scale, "\(name): max abs error \(maxAbs) of \(scale)")
      #expect(minCos >= 0.9999, "\(name): min row cosine \(minCos)")
    }
  }

  @Test func savedLowRankMPNetReloadsBitIdentically() throws {
    let model = try EncoderModel.load(directory: MPNetFixtures.tinyDirectory)
    let name = "encoder.layer.1.attention.attn.v"
    let w = try model.linear(name).denseWeight()
    let compressed = try model.replacing(
      name, l: w.slice(rows: 0..<48, columns: 0..<8),
      r: Matrix<Float>.identity(48).slice(rows: 0..<8, columns: 0..<48))
    let ids = ModelFixtures.idLists(try MPNetFixtures.json("tiny_tokens.json")["sentences"])
    let batch = TokenBatch(sequences: ids, paddingId: 1)
    try TestSupport.withTemporaryDirectory { dir in
      try compressed.save(to: dir + "/m")
      let loaded = try EncoderModel.load(directory: dir + "/m")
      #expect(loaded.config.family == .mpnet)
      #expect(try loaded.linear(name).rank == 8)
      #expect(loaded.relativeBias?.weight == model.relativeBias?.weight)
      #expect(try loaded.embed(batch).storage == compressed.embed(batch).storage)
      #expect(loaded.pooling == model.pooling)
    }
  }

  @Test func layerNamesAreTheSafetensorsNames() throws {
    let model = try EncoderModel.load(directory: MPNetFixtures.tinyDirectory)
    #expect(
      model.linearLayerNames.prefix(6) == [
        "encoder.layer.0.attention.attn.q", "encoder.layer.0.attention.attn.k",
        "encoder.layer.0.attention.attn.v", "encoder.layer.0.attention.attn.o",
        "encoder.layer.0.intermediate.dense", "encoder.layer.0.output.dense",
      ])
    #expect(
      try model.sharedInputName(of: "encoder.layer.1.attention.attn.v")
        == "encoder.layer.1.attention.attn.q")
    #expect(throws: ModelError.self) { try model.linear("encoder.layer.0.attention.self.query") }
    var seen: [[String]] = []
    try model.hook([TokenBatch(sequences: [[0, 5, 6, 2]], paddingId: 1)], layers: "*.attn.*") {
      seen.append($0.names)
    }
    #expect(
      seen == [
        [
          "encoder.layer.0.attention.attn.q", "encoder.layer.0.attention.attn.k",
          "encoder.layer.0.attention.attn.v",
        ], ["encoder.layer.0.attention.attn.o"],
        [
          "encoder.layer.1.attention.attn.q", "encoder.layer.1.attention.attn.k",
          "encoder.layer.1.attention.attn.v",
        ], ["encoder.layer.1.attention.attn.o"],
      ])
  }
}

/// A copy of the tiny MPNet in `dir` with another pooling configuration,
/// or with `edit` applied to its files.
func copyTiny(
  into dir: String, poolingMode: String = "mean_tokens", normalize: Bool = true,
  edit: ((String) throws -> Void)? = nil
) throws -> String {
  let fm = FileManager.default
  let copy = dir + "/tiny"
  try fm.copyItem(atPath: MPNetFixtures.tinyDirectory, toPath: copy)
  var modules = [
    #"{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}"#,
    #"{"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}"#,
  ]
  if normalize {
    modules.append(
      #"{"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}"#
    )
  }
  try ("[" + modules.joined(separator: ",") + "]").write(
    toFile: copy + "/modules.json", atomically: true, encoding: .utf8)
  let modes = ["cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens"]
  let fields = modes.map { "\"pooling_mode_\($0)\": \($0 == poolingMode)" }
  try ("{\"word_embedding_dimension\": 48, " + fields.joined(separator: ", ") + "}").write(
    toFile: copy + "/1_Pooling/config.json", atomically: true, encoding: .utf8)
  try edit?(copy)
  return copy
}

/// Bad model directories: each error names what and where, and nothing is
/// returned half-loaded.
@Suite struct ModelFamilyErrorTests {
  func loadError(_ edit: @escaping (String) throws -> Void) throws -> String {
    var message = ""
    try TestSupport.withTemporaryDirectory { dir in
      let copy = try copyTiny(into: dir, edit: edit)
      do {
        _ = try EncoderModel.load(directory: copy)
        message = "(loaded)"
      } catch {
        message = "\(error)"
      }
    }
    return message
  }

  func editConfig(_ dir: String, _ change: (String) -> String) throws {
    let path = dir + "/config.json"
    try change(try String(contentsOfFile: path, encoding: .utf8)).write(
      toFile: path, atomically: true, encoding: .utf8)
  }

  @Test func unknownModelTypeListsTheKnownFamilies() throws {
    let m = try loadError { d in
      try editConfig(d) { $0.replacingOccurrences(of: "\"mpnet\"", with: "\"xlm-roberta\"") }
    }
    #expect(m.contains("unknown model_type \"xlm-roberta\""), "\(m)")
    #expect(m.contains("\"bert\", \"mpnet\"") && m.contains("config.json"), "\(m)")
  }

  @Test func aLayerTheConfigImpliesButTheFileLacksIsNamed() throws {
    let m = try loadError { d in
      try editConfig(d) {
        $0.replacingOccurrences(of: "\"num_hidden_layers\": 2", with: "\"num_hidden_layers\": 3")
      }
    }
    #expect(m.contains("no tensor \"encoder.layer.2.attention.attn.q.bias\""), "\(m)")
    #expect(m.contains("model.safetensors"), "\(m)")
  }

  @Test func aShapeThatContradictsTheConfigIsNamed() throws {
    let m = try loadError { d in
      try editConfig(d) {
        $0.replacingOccurrences(of: "\"intermediate_size\": 96", with: "\"intermediate_size\": 100")
      }
    }
    #expect(m.contains("encoder.layer.0.intermediate.dense"), "\(m)")
    #expect(m.contains("shape (96") && m.contains("expected (100"), "\(m)")
  }

  @Test func aTokenizerOfAnotherKindIsRefused() throws {
    let m = try loadError { d in
      let path = d + "/tokenizer.json"
      let text = try String(contentsOfFile: path, encoding: .utf8)
      try text.replacingOccurrences(of: "\"type\":\"WordPiece\"", with: "\"type\":\"BPE\"")
        .replacingOccurrences(of: "\"type\": \"WordPiece\"", with: "\"type\": \"BPE\"")
        .write(toFile: path, atomically: true, encoding: .utf8)
    }
    #expect(m.contains("tokenizer.json") && m.contains("model of type \"BPE\""), "\(m)")
    #expect(m.contains("\"WordPiece\""), "\(m)")
  }

  @Test func aPoolingModeFlarLacksIsNamed() throws {
    let m = try loadError { d in
      try #"{"pooling_mode_weightedmean_tokens": true, "pooling_mode_mean_tokens": false}"#
        .write(toFile: d + "/1_Pooling/config.json", atomically: true, encoding: .utf8)
    }
    #expect(m.contains("1_Pooling/config.json"), "\(m)")
    #expect(m.contains("pooling_mode_weightedmean_tokens is set"), "\(m)")
    let dense = try loadError { d in
      try
        #"[{"idx": 0, "type": "sentence_transformers.models.Transformer"}, {"idx": 1, "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}, {"idx": 2, "path": "2_Dense", "type": "sentence_transformers.models.Dense"}]"#
        .write(toFile: d + "/modules.json", atomically: true, encoding: .utf8)
    }
    #expect(dense.contains("module 2 is \"sentence_transformers.models.Dense\""), "\(dense)")
  }

  @Test func bucketCountOtherThan32IsRefused() throws {
    let m = try loadError { d in
      try editConfig(d) {
        $0.replacingOccurrences(
          of: "\"relative_attention_num_buckets\": 32",
          with: "\"relative_attention_num_buckets\": 64")
      }
    }
    #expect(m.contains("relative_attention_num_buckets") && m.contains("64"), "\(m)")
  }
}

/// all-mpnet-base-v2 itself (installed by `scripts/setup.sh --model
/// all-mpnet-base-v2`) against transformers' float64 MPNetModel.
@Suite struct MPNetModelTests {
  @Test func tokenizerMatchesHuggingFaceOnGlossesAndAwkwardStrings() throws {
    let tokenizer = try #require(try MPNetFixtures.model.get().tokenizer)
    let json = try MPNetFixtures.json("tokens.json")
    let expected = ModelFixtures.idLists(json["sentences"])
    let sentences = try ModelFixtures.sentences()
    #expect(expected.count == 220)
    for (s, ids) in zip(sentences, expected) {
      #expect(try tokenizer.encode(s, maxLength: 128) == ids, "\(s)")
    }
    try ModelFixtures.expectAwkwardStringsMatch(
      tokenizer, cases: json["awkward"]?.arrayValue ?? [])
  }

  /// 220 glosses and 22 awkward strings, batches of 32: max abs 1e-5 and
  /// cosine ≥ 0.99999 against the float64 reference on padded batches.
  @Test func embeddingsMatchFloat64Transformers() throws {
    let model = try MPNetFixtures.model.get()
    let texts = try ModelFixtures.sentences() + ModelFixtures.awkward()
    let e = try model.embed(texts, maxLength: 128, batchSize: 32)
    let expected = try TestSupport.fixtureMatrix("mpnet/mpnet_embeddings.npy")
    #expect(e.rows == 242 && e.columns == 768)
    let (maxAbs, minCos) = ModelFixtures.compare(e, expected)
    #expect(maxAbs <= 1e-5, "max abs error \(maxAbs)")
    #expect(minCos >= 0.99999, "min cosine \(minCos)")
  }

  @Test func layerTableHas72LinearLayersAnd109_5MParameters() throws {
    let model = try MPNetFixtures.model.get()
    let layers = try model.linearLayers()
    #expect(layers.count == 72)
    #expect(layers[0].name == "encoder.layer.0.attention.attn.q")
    #expect(layers[71].name == "encoder.layer.11.output.dense")
    // transformers: sum(p.numel() for p in MPNetModel.parameters()).
    #expect(model.parameterCount == 109_486_464)
    #expect(
      model.linearParameterCount == 12 * (4 * (768 * 768 + 768) + 2 * 768 * 3072 + 3072 + 768))
  }
}
