import Foundation
import TestSupport
import Testing

/// Runs a command in the repository root; stdout and stderr together.
private func shell(_ arguments: [String], timeout: Double = 600) throws -> (Int32, String) {
  let result = try runProgram("/usr/bin/env", arguments: arguments, timeout: timeout)
  return (result.status, result.output)
}

private func pythonHas(_ modules: [String]) -> Bool {
  let code = modules.map { "import \($0)" }.joined(separator: "; ")
  return (try? shell(["python3", "-c", code]).0) == 0
}

private let hfPackagesInstalled = pythonHas(["torch", "transformers", "sentence_transformers"])
private let miniLM = TestSupport.repositoryRoot.appendingPathComponent("models/all-MiniLM-L6-v2")
  .path
private let sentences = TestSupport.fixture("models/sentences.txt")

/// A MiniLM with eight low-rank layers (plain SVD ranks; quick to make),
/// exported both ways, and flar's embeddings of the fixture sentences for the
/// compressed and the original model.
private func exportMiniLM(into dir: String) throws {
  let script = """
    m = load("\(miniLM)")
    m2 = m
    for name in layers(m, "*.intermediate.dense") do m2 = replace(m2, name, rank=96) end
    m2 = replace(m2, "encoder.layer.0.attention.self.query", rank=32)
    m2 = replace(m2, "encoder.layer.2.output.dense", rank=48)
    s = text("\(sentences)")
    save(embed(m2, s), "\(dir)/flar.npy")
    save(embed(m, s), "\(dir)/flar_dense.npy")
    save(m2, "\(dir)/hf", format="hf")
    save(m2, "\(dir)/low-rank.onnx")
    save(m, "\(dir)/dense.onnx")
    save(m2, "\(dir)/external/low-rank.onnx", external_data=true)
    """
  let r = try runFlar(arguments: ["-e", script], timeout: 300)
  #expect(r.status == 0, "\(r)")
}

private func checkExport(_ arguments: [String]) throws -> String {
  let (status, output) = try shell(
    ["python3", "scripts/check_export.py", "--texts", sentences] + arguments)
  #expect(status == 0, "\(output)")
  return output
}

/// The ONNX export in the runtimes people use.
///
/// onnx's checker, ONNX Runtime on padded batches of mixed lengths, against flar's embeddings of the
/// compressed model and, for the dense export, of the original. onnx,
/// onnxruntime and tokenizers are installed by scripts/setup.sh, so this
/// suite always runs; a missing package fails it.
@Suite struct ONNXExportEndToEndTests {
  @Test func onnxRuntimeEqualsFlarForLowRankDenseAndExternalDataExports() throws {
    try TestSupport.withTemporaryDirectory { dir in
      try exportMiniLM(into: dir)
      let required = ["--require", "onnx,onnxruntime,tokenizers", "--tokenizer", miniLM]
      let lowRank = try checkExport(
        ["--expect", dir + "/flar.npy", "--onnx", dir + "/low-rank.onnx"] + required)
      // 6 blocks: 6 × 6 linear layers, 8 of them as two MatMuls, and 2
      // attention products per block.
      #expect(lowRank.contains("onnx: checker ok, opset 17"), "\(lowRank)")
      #expect(lowRank.contains("56 MatMul nodes"), "\(lowRank)")
      #expect(lowRank.contains("distinct lengths"), "\(lowRank)")
      let dense = try checkExport(
        ["--expect", dir + "/flar_dense.npy", "--onnx", dir + "/dense.onnx"] + required)
      #expect(dense.contains("48 MatMul nodes"), "\(dense)")
      // The dense export against the original model as the float64 NumPy
      // forward of Tests/Fixtures/generate_models.py computes it (no flar
      // code involved); float32 against float64 stays within 1e-5.
      _ = try checkExport(
        [
          "--expect", TestSupport.fixture("models/minilm_embeddings.npy"), "--onnx",
          dir + "/dense.onnx",
        ] + required)
      let external = try FileManager.default.contentsOfDirectory(atPath: dir + "/external")
      #expect(external.count == 2 && external.contains { $0.hasPrefix("low-rank.onnx.data-") })
      _ = try checkExport(
        ["--expect", dir + "/flar.npy", "--onnx", dir + "/external/low-rank.onnx"] + required)
    }
  }
}

private let tinyMPNet = TestSupport.fixture("mpnet/tiny")

/// The tiny random MPNet of Tests/Fixtures/mpnet (66 positions: 64 tokens)
/// with three low-rank layers, exported both ways, and flar's embeddings of
/// the fixture sentences for it and for the original.
private func exportTinyMPNet(from model: String = tinyMPNet, into dir: String) throws {
  let script = """
    m = load("\(model)")
    m2 = replace(m, "encoder.layer.0.attention.attn.q", rank=8)
    m2 = replace(m2, "encoder.layer.1.intermediate.dense", rank=16)
    m2 = replace(m2, "encoder.layer.1.output.dense", rank=12)
    s = text("\(sentences)")
    save(embed(m2, s), "\(dir)/flar.npy")
    save(embed(m, s), "\(dir)/flar_dense.npy")
    save(m2, "\(dir)/hf", format="hf")
    save(m2, "\(dir)/low-rank.onnx")
    save(m, "\(dir)/dense.onnx")
    """
  let r = try runFlar(arguments: ["-e", script], timeout: 300)
  #expect(r.status == 0, "\(r)")
}

/// The MPNet export in ONNX Runtime: no token_type_ids, positions from
/// pad + 1 and the relative position bias, on padded batches of mixed
/// lengths (64 tokens at most), padded on the right and on the left.
@Suite struct MPNetONNXExportEndToEndTests {
  static let required = [
    "--require", "onnx,onnxruntime,tokenizers", "--tokenizer", tinyMPNet, "--maxlen", "64",
  ]

  @Test func onnxRuntimeEqualsFlarForLowRankAndDenseMPNet() throws {
    try TestSupport.withTemporaryDirectory { dir in
      try exportTinyMPNet(into: dir)
      for side in ["right", "left"] {
        let lowRank = try checkExport(
          ["--expect", dir + "/flar.npy", "--onnx", dir + "/low-rank.onnx", "--padding-side", side]
            + Self.required)
        #expect(lowRank.contains("inputs ['input_ids', 'attention_mask']"), "\(lowRank)")
        // 2 blocks: 12 linear layers, 3 of them as two MatMuls, and 2
        // attention products per block.
        #expect(lowRank.contains("19 MatMul nodes"), "\(lowRank)")
        #expect(lowRank.contains("distinct lengths, padded on the \(side)"), "\(lowRank)")
      }
      let dense = try checkExport(
        ["--expect", dir + "/flar_dense.npy", "--onnx", dir + "/dense.onnx"] + Self.required)
      #expect(dense.contains("16 MatMul nodes"), "\(dense)")
    }
  }

  /// Every pooling mode flar knows, with and without Normalize, as the
  /// model's sentence-transformers files say.
  @Test(arguments: [
    ("cls_token", true), ("max_tokens", false), ("mean_sqrt_len_tokens", true),
    ("mean_tokens", false),
  ])
  func onnxRuntimePoolsAsTheModelSays(mode: String, normalize: Bool) throws {
    try TestSupport.withTemporaryDirectory { dir in
      let model = dir + "/model"
      try FileManager.default.copyItem(atPath: tinyMPNet, toPath: model)
      let modes = ["cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens"]
      let flags = modes.map { "\"pooling_mode_\($0)\": \($0 == mode)" }.joined(separator: ", ")
      try "{\"word_embedding_dimension\": 48, \(flags)}".write(
        toFile: model + "/1_Pooling/config.json", atomically: true, encoding: .utf8)
      var modules = [
        "{\"idx\": 0, \"name\": \"0\", \"path\": \"\", \"type\": \"sentence_transformers.models.Transformer\"}",
        "{\"idx\": 1, \"name\": \"1\", \"path\": \"1_Pooling\", \"type\": \"sentence_transformers.models.Pooling\"}",
      ]
      if normalize {
        modules.append(
          "{\"idx\": 2, \"name\": \"2\", \"path\": \"2_Normalize\", \"type\": \"sentence_transformers.models.Normalize\"}"
        )
      }
      try "[\(modules.joined(separator: ", "))]".write(
        toFile: model + "/modules.json", atomically: true, encoding: .utf8)
      try exportTinyMPNet(from: model, into: dir)
      _ = try checkExport(
        ["--expect", dir + "/flar.npy", "--onnx", dir + "/low-rank.onnx"] + Self.required)
    }
  }
}

/// The Hugging Face directory loaded by stock transformers and sentence-transformers.
///
/// Also its token states against ONNX Runtime's.
/// Skipped where torch, transformers or sentence-transformers are not
/// installed (they are large; set-up does not install them).
@Suite(
  .enabled(
    if: hfPackagesInstalled, "needs python3 with torch, transformers and sentence-transformers"))
struct HuggingFaceExportEndToEndTests {
  @Test func transformersAndSentenceTransformersEqualFlar() throws {
    try TestSupport.withTemporaryDirectory { dir in
      try exportMiniLM(into: dir)
      let output = try checkExport([
        "--expect", dir + "/flar.npy", "--hf", dir + "/hf", "--onnx", dir + "/low-rank.onnx",
        "--require", "torch,transformers,sentence_transformers,onnxruntime",
      ])
      #expect(output.contains("sentence-transformers encode vs flar"), "\(output)")
      #expect(output.contains("token_embeddings vs transformers"), "\(output)")
      #expect(output.contains("all checks passed"), "\(output)")
    }
  }
}

extension HuggingFaceExportEndToEndTests {
  /// The MPNet export in transformers (MPNetModel) and sentence-transformers,
  /// and the original tiny MPNet in transformers against flar's dense
  /// embeddings and the dense ONNX export's token states.
  @Test func mpnetExportsEqualFlarInTransformersAndSentenceTransformers() throws {
    try TestSupport.withTemporaryDirectory { dir in
      try exportTinyMPNet(into: dir)
      let required = [
        "--require", "torch,transformers,sentence_transformers,onnxruntime", "--maxlen", "64",
      ]
      let output = try checkExport(
        ["--expect", dir + "/flar.npy", "--hf", dir + "/hf", "--onnx", dir + "/low-rank.onnx"]
          + required)
      #expect(output.contains("transformers: MPNetModel"), "\(output)")
      #expect(output.contains("sentence-transformers encode vs flar"), "\(output)")
      #expect(output.contains("token_embeddings vs transformers"), "\(output)")
      let original = try checkExport(
        ["--expect", dir + "/flar_dense.npy", "--hf", tinyMPNet, "--onnx", dir + "/dense.onnx"]
          + required)
      #expect(original.contains("all checks passed"), "\(original)")
    }
  }
}

/// Faults lose nothing: a write that fails half-way (here a file-size limit,
/// which fails like a full disk) leaves the old export whole and names the
/// path; an unknown format or extension lists the ones that exist.
@Suite struct ExportFaultTests {
  @Test func failedExportsLeaveTheOldOutputWholeAndNameThePath() throws {
    try TestSupport.withTemporaryDirectory { dir in
      let flar = try TestSupport.flarBinary()
      try FileManager.default.createDirectory(
        atPath: dir + "/hf", withIntermediateDirectories: true)
      try "old\n".write(toFile: dir + "/hf/marker", atomically: true, encoding: .utf8)
      try "old onnx\n".write(toFile: dir + "/m.onnx", atomically: true, encoding: .utf8)
      for (target, format) in [(dir + "/hf", "\"hf\""), (dir + "/m.onnx", "nil")] {
        // 20 MB per file: MiniLM's weights (90 MB) cannot be written.
        let script = "save(load(\"\(miniLM)\"), \"\(target)\", format=\(format))"
        let (status, output) = try shell([
          "bash", "-c", "trap '' XFSZ; ulimit -f 20000; exec \"$0\" -e \"$1\"", flar, script,
        ])
        #expect(status == 1, "\(output)")
        #expect(output.contains("cannot write \"\(target)\": File too large"), "\(output)")
      }
      #expect(try String(contentsOfFile: dir + "/hf/marker", encoding: .utf8) == "old\n")
      #expect(try String(contentsOfFile: dir + "/m.onnx", encoding: .utf8) == "old onnx\n")
      #expect(
        try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["hf", "m.onnx"])
    }
  }

  @Test func unknownFormatAndExtensionListTheFormats() throws {
    let format = try runFlar(arguments: [
      "-e", "save(load(\"\(miniLM)\"), \"/tmp/x\", format=\"torch\")",
    ])
    #expect(format.status == 1)
    #expect(
      format.stderr.contains(
        "bad argument \"format\" to save: expected one of \"flar\", \"hf\", \"onnx\", got \"torch\""
      ),
      "\(format)")
    let ext = try runFlar(arguments: ["-e", "save(load(\"\(miniLM)\"), \"/tmp/x.pt\")"])
    #expect(ext.status == 1)
    #expect(ext.stderr.contains("from its extension \".pt\": use \".onnx\""), "\(ext)")
  }

  @Test func helpOfSaveDocumentsTheFormats() throws {
    let r = try runFlar(arguments: ["-e", "help(\"save\")"])
    #expect(r.status == 0)
    for needle in ["format=\"hf\"", "format=\"onnx\"", "format=\"flar\"", "external_data"] {
      #expect(r.stdout.contains(needle), "\(needle) in \(r.stdout)")
    }
  }
}
