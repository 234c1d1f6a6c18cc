import FlarCore
import FlarLinAlg
import FlarModels
import Foundation

/// `load` and `save`: models, matrices, archives, predictors, tables.
extension BuiltinFamily {
  /// The input/output family.
  public static var io: BuiltinFamily {
    BuiltinFamily(name: "io", builtins: [loadBuiltin, saveBuiltin, existsBuiltin, mkdirBuiltin])
  }

  static var existsBuiltin: Builtin {
    Builtin(
      "exists", Signature([.required("path", .string)]),
      abstract: "true when a file or directory exists at path",
      examples: [
        "if exists(\"models/latency-this-cpu.json\") then p = load(\"models/latency-this-cpu.json\") end"
      ]
    ) { args, _ in
      .bool(FileManager.default.fileExists(atPath: try args.string("path")))
    }
  }

  static var mkdirBuiltin: Builtin {
    Builtin(
      "mkdir", Signature([.required("path", .string)]),
      abstract: "create a directory and its missing parents (nothing if it exists)",
      examples: ["mkdir(\"out/compare\")"]
    ) { args, _ in
      try createDirectory(try args.string("path"))
      return .null
    }
  }

  static var loadBuiltin: Builtin {
    Builtin(
      "load", Signature([.required("path", .string)]),
      abstract:
        "a model directory, a .npy matrix, a .npz/.safetensors record of matrices, a .json predictor",
      discussion: """
        A directory with config.json and model.safetensors (the Hugging Face layout) loads as a
        model of the family its model_type names (bert, mpnet), with its tokenizer when
        tokenizer.json or vocab.txt is there and its sentence-transformers pooling; a compressed
        model saved by flar loads with its low-rank layers. Files are validated: a malformed one is an error naming the
        file and what is wrong, never a crash.
        """,
      examples: [
        "m = load(\"models/all-MiniLM-L6-v2\")", "m = load(\"models/all-mpnet-base-v2\")",
        "X = load(\"x.npy\")",
        "p = load(\"models/latency-this-cpu.json\")",
      ]
    ) { args, _ in
      let path = try args.string("path")
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw BuiltinError.noSuchFile(path: path)
      }
      if isDirectory.boolValue {
        return .handle(ModelHandle(try EncoderModel.load(directory: path), path: path))
      }
      switch fileExtension(path) {
      case "npy": return .matrix(try NumPyArray.read(path).matrix(source: "\"\(path)\""))
      case "npz":
        return .record(
          try NumPyArchive.read(path).map {
            ($0.name, .matrix(try $0.array.matrix(source: "member \"\($0.name)\" of \"\(path)\"")))
          })
      case "safetensors":
        let file = try SafeTensorsFile(path: path)
        return .record(
          try file.names.map { name in
            let (shape, values) = try file.floats(name)
            let matrix = try NumPyArray(shape: shape, elements: .float32(values)).matrix()
            return (name, .matrix(matrix))
          })
      case "json":
        return .handle(PredictorHandle(try LatencyPredictor.load(path), path: path))
      default:
        throw args.bad("path", "a model directory or a .npy, .npz, .safetensors or .json file")
      }
    }
  }

  static var saveBuiltin: Builtin {
    Builtin(
      "save",
      Signature(
        [.required("value", .any), .required("path", .string)],
        options: [
          .optional("format", .any, default: .null),
          .optional("external_data", .any, default: .null),
        ]),
      abstract:
        "write a value atomically: matrix → .npy, record → .npz/.safetensors, model → directory/.onnx, predictor → .json, table → .csv/.json/.md",
      discussion: modelFormatsHelp,
      examples: [
        "save(W, \"w.npy\")", "save(r, \"out/minilm-flar\")",
        "save(r, \"out/minilm-hf\", format=\"hf\")", "save(r, \"out/minilm-flar.onnx\")",
      ]
    ) { args, context in
      let path = try args.string("path")
      let ext = fileExtension(path)
      if !args.isNil("format") || !args.isNil("external_data") {
        guard case .handle(let h) = args["value"],
          h is ModelHandle || h is CompressionHandle || h is HealHandle
        else { throw args.bad("value", "a model or compression result (format= is for models)") }
      }
      // Like `mkdir -p` for the parent, so `save(r, "out/minilm")` just works.
      if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
        try createDirectory(String(path[..<slash]))
      }
      switch args["value"] {
      case .matrix(let m):
        guard ext == "npy" else { throw args.bad("path", "a .npy path for a matrix") }
        try NumPyArray(m).write(to: path)
      case .record(let box):
        var arrays: [(String, Matrix<Double>)] = []
        for key in box.keys {
          guard let m = box[key].flatMap(MatrixConversion.matrix(from:)) else {
            throw args.bad("value", "a record of matrices (\"\(key)\" is not one)")
          }
          arrays.append((key, m))
        }
        switch ext {
        case "npz": try NumPyArchive.write(arrays.map { ($0.0, NumPyArray($0.1)) }, to: path)
        case "safetensors":
          try SafeTensorsWriter.write(
            arrays.map { SafeTensorsEntry(name: $0.0, matrix: $0.1.converted()) }, metadata: [:],
            to: path)
        default: throw args.bad("path", "a .npz or .safetensors path for a record")
        }
      case .handle(let h):
        if let m = h as? ModelHandle {
          try saveModel(m.model, manifest: nil, to: path, args)
        } else if let c = h as? CompressionHandle {
          try saveModel(c.result.model, manifest: c.manifest, to: path, args)
        } else if let healed = h as? HealHandle {
          try saveModel(healed.result.model, manifest: healed.manifest, to: path, args)
        } else if let p = h as? PredictorHandle {
          guard ext == "json" else { throw args.bad("path", "a .json path for a predictor") }
          try p.predictor.save(to: path)
        } else if let t = h as? TableHandle {
          _ = try export(t.table, to: path)
        } else {
          throw args.bad("value", "a matrix, record, model, predictor or table")
        }
      default:
        throw args.bad("value", "a matrix, record, model, predictor or table")
      }
      context.write("saved \(path)\n")
      return .null
    }
  }
}

/// `mkdir -p`.
func createDirectory(_ path: String) throws {
  do {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  } catch {
    throw BuiltinError.cannotCreateDirectory(path: path, reason: error.localizedDescription)
  }
}

/// The lower-cased extension of a path (without the dot).
func fileExtension(_ path: String) -> String {
  guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return "" }
  return path[path.index(after: dot)...].lowercased()
}
