/// A model cannot be exported as asked.
public enum ExportError: Error, Equatable, CustomStringConvertible {
  /// `format=` named no export format.
  case unknownFormat(String, known: [String])
  /// The path's extension picks no format and no `format=` was given.
  case unknownExtension(path: String, ext: String, known: [String])
  /// The target could not be written; the old file or directory is whole.
  case cannotWrite(path: String, reason: String)
  /// A layer the ONNX graph needs is missing or has an unexpected shape.
  case unsupportedModel(detail: String)

  public var description: String {
    switch self {
    case .unknownFormat(let f, let known):
      return "unknown export format \"\(f)\", expected one of \(quoted(known))"
    case .unknownExtension(let p, let e, let known):
      return
        "cannot tell the export format of \"\(p)\" from its extension \".\(e)\": use \(quoted(known.map { "." + $0 })) or a directory path, or pass format= (one of \(quoted(ExportFormat.names)))"
    case .cannotWrite(let p, let r):
      return "cannot write \"\(p)\": \(r) (nothing was replaced)"
    case .unsupportedModel(let d):
      return "cannot export this model: \(d)"
    }
  }
}

private func quoted(_ items: [String]) -> String {
  items.map { "\"\($0)\"" }.joined(separator: ", ")
}
