/// A tokenizer's files are missing, malformed or inconsistent.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
  case invalidUTF8(path: String)
  case duplicateToken(path: String, token: String, firstId: Int, secondId: Int)
  case missingSpecialToken(token: String)
  case badSettings(path: String, detail: String)
  case noVocabulary(directory: String)
  case maxLengthTooSmall(maxLength: Int)
  /// A part of `tokenizer.json` of a kind flar does not implement.
  case unsupportedKind(path: String, part: String, kind: String, supported: [String])

  public var description: String {
    switch self {
    case .invalidUTF8(let p): return "\"\(p)\" is not valid UTF-8"
    case .duplicateToken(let p, let t, let a, let b):
      return "token \"\(t)\" appears twice in \"\(p)\" (ids \(a) and \(b))"
    case .missingSpecialToken(let t): return "the vocabulary has no \"\(t)\" token"
    case .badSettings(let p, let d): return "unusable tokenizer settings in \"\(p)\": \(d)"
    case .noVocabulary(let d):
      return "no vocab.txt or tokenizer.json in \"\(d)\""
    case .maxLengthTooSmall(let n):
      return "maximum length \(n) leaves no room for tokens besides the two special tokens"
    case .unsupportedKind(let p, let part, let k, let s):
      return
        "\"\(p)\" has a \(part) of type \"\(k)\"; flar implements "
        + s.map { "\"\($0)\"" }.joined(separator: ", ")
    }
  }
}
