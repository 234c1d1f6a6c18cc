import FlarLinAlg
import Foundation
import SwiftProtobuf
import TestSupport
import Testing

@testable import FlarModels

/// The export formats on the tiny random BERT with two low-rank layers.
///
/// Format choice, the Hugging Face directory's contents, the ONNX graph's
/// structure and atomic replacement. The numbers in ONNX Runtime,
/// transformers and sentence-transformers are checked end to end in
/// FlarEndToEndTests/ExportTests.
@Suite struct ExportTests {
  struct FormatCase: CustomTestStringConvertible, Sendable {
    var format: String?
    var path: String
    var expected: Result<ExportFormat, ExportError>
    var testDescription: String { "\(format ?? "nil") \(path)" }
  }

  static let formatCases: [FormatCase] = [
    FormatCase(format: nil, path: "out/minilm", expected: .success(.flar)),
    FormatCase(format: nil, path: "out/minilm/", expected: .success(.flar)),
    FormatCase(format: nil, path: "out/m.onnx", expected: .success(.onnx)),
    FormatCase(format: nil, path: "out/M.ONNX", expected: .success(.onnx)),
    FormatCase(format: "hf", path: "out/minilm-hf", expected: .success(.hf)),
    FormatCase(format: "onnx", path: "out/model.bin", expected: .success(.onnx)),
    FormatCase(format: nil, path: "out/.hidden", expected: .success(.flar)),
    FormatCase(format: nil, path: "out/minilm-0.5", expected: .success(.flar)),
    FormatCase(format: nil, path: "out/run.v2", expected: .success(.flar)),
    FormatCase(
      format: nil, path: "out/m.safetensors",
      expected: .failure(
        .unknownExtension(path: "out/m.safetensors", ext: "safetensors", known: ["onnx"]))),
    FormatCase(
      format: "torch", path: "out/x",
      expected: .failure(.unknownFormat("torch", known: ["flar", "hf", "onnx"]))),
    FormatCase(
      format: nil, path: "out/m.pt",
      expected: .failure(.unknownExtension(path: "out/m.pt", ext: "pt", known: ["onnx"]))),
  ]

  @Test(arguments: formatCases) func formatComesFromFormatArgumentOrExtension(_ c: FormatCase) {
    let got = Result { () throws(ExportError) in
      try ExportFormat.resolve(format: c.format, path: c.path)
    }
    #expect(got == c.expected)
  }

  @Test func unknownFormatAndExtensionMessagesListTheFormats() {
    let format = ExportError.unknownFormat("torch", known: ExportFormat.names).description
    #expect(format == "unknown export format \"torch\", expected one of \"flar\", \"hf\", \"onnx\"")
    let ext = ExportError.unknownExtension(path: "m.pt", ext: "pt", known: ["onnx"]).description
    #expect(ext.contains("\".onnx\"") && ext.contains("\"hf\"") && ext.contains("\"m.pt\""))
  }

  @Test func huggingFaceDirectoryHoldsMergedDenseWeightsUnderTheOriginalNames() throws {
    let model = try LowRankTests.compressed()
    try TestSupport.withTemporaryDirectory { dir in
      let out = dir + "/hf"
      try model.saveHuggingFace(to: out, manifest: [("method", "test")])
      let file = try SafeTensorsFile(path: out + "/model.safetensors")
      let original = try SafeTensorsFile(path: ModelFixtures.tinyDirectory + "/model.safetensors")
      #expect(Set(file.names) == Set(original.names.filter { $0 != "embeddings.position_ids" }))
      #expect(!file.names.contains { $0.hasSuffix(".L") || $0.hasSuffix(".R") })

      let reloaded = try EncoderModel.load(directory: out)
      #expect(reloaded.lowRankLayers.isEmpty)
      for name in model.linearLayerNames {
        let want = try model.linear(name).denseWeight()
        #expect(try reloaded.linear(name).denseWeight() == want, "\(name)")
      }
      let config = try parseJSON(try AtomicFile.read(out + "/config.json"))
      #expect(config["flar"] == nil)
      #expect(config == model.config.json.removing("flar"))

      let sentences = try ModelFixtures.sentences().prefix(12).map { $0 }
      let a = try model.embed(sentences)
      let b = try reloaded.embed(sentences)
      #expect(zip(a.storage, b.storage).allSatisfy { abs($0 - $1) <= 1e-5 })

      // The tiny fixture has no sentence-transformers files: they are
      // written for mean pooling and normalisation.
      let modules = try parseJSON(try AtomicFile.read(out + "/modules.json"))
      #expect(modules.arrayValue?.count == 3)
      #expect(
        modules.arrayValue?[2]["type"]?.stringValue == "sentence_transformers.models.Normalize")
      let pooling = try parseJSON(try AtomicFile.read(out + "/1_Pooling/config.json"))
      #expect(pooling["pooling_mode_mean_tokens"] == .bool(true))
      #expect(pooling["word_embedding_dimension"]?.intValue == 48)
      let manifest = String(
        decoding: try AtomicFile.read(out + "/flar-manifest.txt"), as: UTF8.self)
      #expect(
        manifest
          == "method: test\nmerged_low_rank: encoder.layer.0.intermediate.dense=7, encoder.layer.1.attention.self.key=5\n"
      )
    }
  }

  @Test func onnxGraphHasTheInterfaceAndTwoMatMulsPerLowRankLayer() throws {
    let model = try LowRankTests.compressed()
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/m.onnx"
      let files = try model.saveONNX(to: path)
      #expect(files == [path])
      let proto = try Onnx_ModelProto(serializedBytes: try AtomicFile.read(path))
      #expect(proto.opsetImport.map(\.version) == [17])
      #expect(proto.graph.input.map(\.name) == ["input_ids", "attention_mask", "token_type_ids"])
      #expect(proto.graph.output.map(\.name) == ["token_embeddings", "sentence_embedding"])
      let dims = proto.graph.input[0].type.tensorType.shape.dim.map(\.dimParam)
      #expect(dims == ["batch", "sequence"])
      // 2 blocks × 6 linear layers, two of them low-rank, plus 2 × 2
      // attention products per block.
      let matMuls = proto.graph.node.filter { $0.opType == "MatMul" }.count
      #expect(matMuls == 12 + 2 + 4)
      let names = Set(proto.graph.initializer.map(\.name))
      #expect(names.contains("encoder.layer.0.intermediate.dense.L"))
      #expect(names.contains("encoder.layer.0.intermediate.dense.R"))
      #expect(!names.contains("encoder.layer.0.intermediate.dense.weight"))
      let r = proto.graph.initializer.first { $0.name == "encoder.layer.0.intermediate.dense.R" }
      #expect(r?.dims == [48, 7])  // Rᵀ: (in, k)
    }
  }

  @Test func mpnetGraphHasNoTokenTypesTheFamilyNamesAndTheRuntimesBuckets() throws {
    let base = try EncoderModel.load(directory: MPNetFixtures.tinyDirectory)
    let (l, r) = LowRankTests.factors(out: 96, in: 48, rank: 6, seed: 3)
    let model = try base.replacing("encoder.layer.1.intermediate.dense", l: l, r: r)
    let proto = try model.onnxModel()
    #expect(proto.graph.input.map(\.name) == ["input_ids", "attention_mask"])
    let names = Set(proto.graph.initializer.map(\.name))
    for name in [
      "encoder.layer.0.attention.attn.q.weight", "encoder.layer.0.attention.attn.o.bias",
      "encoder.layer.0.attention.LayerNorm.weight", "encoder.layer.1.output.LayerNorm.bias",
      "encoder.layer.1.intermediate.dense.L", "encoder.layer.1.intermediate.dense.R",
      "encoder.relative_attention_bias.weight",
    ] {
      #expect(names.contains(name), "\(name)")
    }
    #expect(!names.contains { $0.contains("token_type") || $0.contains("attention.self") })
    // 2 blocks × 6 linear layers, one of them low-rank, 2 attention products each.
    #expect(proto.graph.node.filter { $0.opType == "MatMul" }.count == 12 + 1 + 4)
    // The bucket of every distance −63…63 (66 positions from pad + 1 = 2 on),
    // against Hugging Face's relative_position_bucket (buckets.json holds
    // −600…600).
    let table = try #require(
      proto.graph.initializer.first { $0.name.hasPrefix("encoder.relative_position_buckets") })
    let json = try MPNetFixtures.json("buckets.json")
    let first = try #require(json["first"]?.intValue)
    let hf = (json["buckets"]?.arrayValue ?? []).compactMap(\.intValue)
    #expect(table.int64Data.map(Int.init) == (-63...63).map { hf[$0 - first] })
    // Positions from input_ids ≠ pad (1): a CumSum, no Slice of the table.
    #expect(proto.graph.node.contains { $0.opType == "CumSum" })
    #expect(proto.graph.node.filter { $0.opType == "Range" }.count == 1)
  }

  @Test func externalDataMovesEveryWeightBesideTheModel() throws {
    let model = try LowRankTests.compressed()
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/m.onnx"
      let files = try model.saveONNX(to: path, externalData: true)
      try #require(files.count == 2)
      #expect(files[0] == path)
      let dataName = URL(fileURLWithPath: files[1]).lastPathComponent
      #expect(dataName.hasPrefix("m.onnx.data-\(ProcessInfo.processInfo.processIdentifier)-"))
      let proto = try Onnx_ModelProto(serializedBytes: try AtomicFile.read(path))
      let floats = proto.graph.initializer.filter {
        $0.dataType == Int32(Onnx_TensorProto.DataType.float.rawValue)
      }
      #expect(floats.allSatisfy { $0.rawData.isEmpty && $0.dataLocation == .external })
      let data = try AtomicFile.read(files[1])
      let word = floats.first { $0.name == "embeddings.word_embeddings.weight" }!
      let entries = Dictionary(uniqueKeysWithValues: word.externalData.map { ($0.key, $0.value) })
      #expect(entries["location"] == dataName)
      let offset = Int(entries["offset"] ?? "") ?? -1
      let length = Int(entries["length"] ?? "") ?? -1
      #expect(offset >= 0 && offset + length <= data.count)
      let first = data[offset..<(offset + 4)].withUnsafeBytes { $0.loadUnaligned(as: Float.self) }
      #expect(first == model.embeddings.wordEmbeddings.storage[0])
    }
  }

  /// Each export's data file has its own name, so the old graph keeps its
  /// own data until the new graph replaces it; then the old data files go —
  /// this process's and dead processes', not a running writer's.
  @Test func aNewExportRemovesOldDataFilesOnlyOnceItsGraphIsInPlace() throws {
    let model = try LowRankTests.compressed()
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/m.onnx"
      let first = try model.saveONNX(to: path, externalData: true)
      let pidMax = try String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8)
      let dead = "m.onnx.data-\(Int(pidMax.trimmingCharacters(in: .whitespacesAndNewlines))! + 1)-7"
      let running = "m.onnx.data-1-7"  // init never exits
      for name in [dead, running] { try AtomicFile.write([1, 2, 3], to: dir + "/" + name) }
      let second = try model.saveONNX(to: path, externalData: true)
      #expect(second[1] != first[1])
      let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
      let kept = URL(fileURLWithPath: second[1]).lastPathComponent
      #expect(names == ["m.onnx", running, kept].sorted())
      // An inline export leaves no data file of its own behind.
      #expect(try model.saveONNX(to: path) == [path])
      #expect(
        try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["m.onnx", running])
    }
  }

  @Test func directoryIsReplacedWholeAndAnUnwritablePathNamesItself() throws {
    let model = try LowRankTests.compressed()
    try TestSupport.withTemporaryDirectory { dir in
      let out = dir + "/hf"
      try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
      try AtomicFile.write(Array("old".utf8), to: out + "/marker")
      try model.saveHuggingFace(to: out)
      #expect(!FileManager.default.fileExists(atPath: out + "/marker"))
      #expect(FileManager.default.fileExists(atPath: out + "/model.safetensors"))
      let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir)
      #expect(leftovers == ["hf"])

      // A regular file where a parent directory should be.
      try AtomicFile.write(Array("x".utf8), to: dir + "/file")
      #expect {
        try model.saveHuggingFace(to: dir + "/file/hf")
      } throws: { error in
        guard case ExportError.cannotWrite(let path, _) = error else { return false }
        return path == dir + "/file/hf"
      }
      #expect {
        try model.saveONNX(to: dir + "/file/m.onnx")
      } throws: { error in
        guard case ExportError.cannotWrite(let path, _) = error else { return false }
        return path == dir + "/file/m.onnx"
      }
    }
  }
}
