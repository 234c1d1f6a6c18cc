/// A tokenizer's files are missing, malformed or inconsistent.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
  case invalidUTF8(path: String)
  case duplicateToken(path: String, token: String, firstId: Int, secondId: Int)
  case missingSpecialToken(token: String)
  case badSettings(path: String, detail: String)
  case noVocabulary(directory: String)
  case maxLengthTooSmall(maxLength: Int)

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
      return "maximum length \(n) leaves no room for tokens besides [CLS] and [SEP]"
    }
  }
}
