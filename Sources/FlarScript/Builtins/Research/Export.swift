import FlarCore
import FlarLinAlg
import FlarModels

/// `save`'s part for models: flar's directory, the Hugging Face directory,
/// ONNX.
extension BuiltinFamily {
  /// What `help("save")` says about the model formats.
  static let modelFormatsHelp = """
    Every write goes to a temporary file (or directory) first and is renamed into place, so an
    interrupted save, a full disk or an unwritable path leaves the old file or directory whole
    and the error names the path. A compression result saves its model with the run's manifest
    (flar-manifest.txt).

    A model (or compression result) goes out in one of three formats, picked by format= or,
    without it, by the path: a path ending in .onnx is ONNX, any other path is flar's own
    directory (one ending in another letters-only extension, such as .pt, is refused).
      format="flar"  flar's lossless directory: L and R for each low-rank layer, the ranks in
                     config.json's "flar" section; load() gives back the same outputs.
      format="hf"    a stock Hugging Face / sentence-transformers directory: each low-rank layer
                     merged back to a dense float32 W = L R under its original name, the
                     original config.json, tokenizer and pooling files. transformers.AutoModel
                     and sentence_transformers.SentenceTransformer load it with no custom code.
                     It is as large and as fast as the dense model: the form for fine-tuning and
                     evaluation elsewhere.
      format="onnx"  one ONNX file (opset 17): the whole encoder (BERT or MPNet, MPNet's
                     relative position bias included) with the model's pooling and
                     normalisation, each low-rank layer as two MatMuls through its rank;
                     inputs input_ids, attention_mask and, for BERT, token_type_ids (int64,
                     batch x sequence), outputs sentence_embedding and token_embeddings. This
                     is the form that runs faster in ONNX Runtime. external_data=true puts the
                     weights in a file beside it, PATH.data-PID-N, named in the graph and
                     written first, so the pair is replaced together (automatic beyond 2 GB).
    """

  /// Writes `model` to `path` in the format `format=` or the path picks.
  static func saveModel(
    _ model: EncoderModel, manifest: [(String, String)]?, to path: String, _ args: Arguments
  ) throws {
    let format: String?
    switch args["format"] {
    case .null: format = nil
    case .string(let s): format = s
    default: throw args.bad("format", "a string, one of \(quotedFormats)")
    }
    let externalData: Bool?
    switch args["external_data"] {
    case .null: externalData = nil
    case .bool(let b): externalData = b
    default: throw args.bad("external_data", "true or false")
    }
    let chosen: ExportFormat
    do {
      chosen = try ExportFormat.resolve(format: format, path: path)
    } catch {
      if case .unknownFormat(let given, _) = error {
        throw BuiltinError.badArgument(
          .named("format"), expected: "one of \(quotedFormats)", got: "\"\(given)\"",
          suggestion: Suggestion.closest(to: given, among: ExportFormat.names))
      }
      throw error
    }
    if externalData != nil && chosen != .onnx {
      throw args.bad("external_data", "nil unless the format is \"onnx\"")
    }
    switch chosen {
    case .flar:
      try model.save(to: path)
      if let manifest {
        let text = manifest.map { "\($0.0): \($0.1)" }.joined(separator: "\n") + "\n"
        try AtomicFile.write(Array(text.utf8), to: path + "/flar-manifest.txt")
      }
    case .hf:
      try model.saveHuggingFace(to: path, manifest: manifest ?? [])
    case .onnx:
      try model.saveONNX(to: path, externalData: externalData)
    }
  }

  private static var quotedFormats: String {
    ExportFormat.names.map { "\"\($0)\"" }.joined(separator: ", ")
  }
}
