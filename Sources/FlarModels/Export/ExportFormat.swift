// The forms a model leaves flar in, and how a path and a `format=` pick one.
//
// Priorities: a path never silently means something else than the user
// wrote (an unknown extension is an error, not a directory named "m.pt"),
// then the shortest call for the common cases (`save(c, "out/dir")`,
// `save(c, "out/m.onnx")`).

/// A way to write a model out of flar.
public enum ExportFormat: String, CaseIterable, Sendable {
  /// flar's own lossless directory: `L` and `R` per low-rank layer, the ranks
  /// in config.json's `flar` section; reloads bit-identically.
  case flar
  /// A stock Hugging Face / sentence-transformers directory: every low-rank
  /// layer merged back to a dense float32 `W = L R` under the original names.
  case hf
  /// One ONNX file: the whole encoder with pooling and normalisation, each
  /// low-rank layer as two MatMuls through its rank.
  case onnx

  /// The names `format=` accepts, in the order help lists them.
  public static var names: [String] { allCases.map(\.rawValue) }

  /// The file extensions that pick a format by themselves.
  public static let fileExtensions = ["onnx"]

  /// The format for writing a model to `path`, given `format=` (nil when the
  /// caller did not pass one).
  ///
  /// Without `format`, a path ending in `.onnx` is ONNX and a path without an
  /// extension is flar's directory; any other extension is refused.
  ///
  /// - Throws: `ExportError.unknownFormat` or `.unknownExtension`, both
  ///   listing what exists.
  public static func resolve(format: String?, path: String) throws(ExportError) -> ExportFormat {
    if let format {
      guard let f = ExportFormat(rawValue: format.lowercased()) else {
        throw ExportError.unknownFormat(format, known: names)
      }
      return f
    }
    let ext = pathExtension(path)
    switch ext {
    case "": return .flar
    case "onnx": return .onnx
    default: throw ExportError.unknownExtension(path: path, ext: ext, known: fileExtensions)
    }
  }

  /// The lower-cased extension of the last path component, without the dot
  /// ("" when there is none; a leading dot, as in ".hidden", is no extension).
  static func pathExtension(_ path: String) -> String {
    let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
    let name = trimmed.split(separator: "/").last.map(String.init) ?? trimmed
    guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
    return name[name.index(after: dot)...].lowercased()
  }
}
