import FlarCore

/// A model cannot be loaded, run, changed or saved as asked.
public enum ModelError: Error, Equatable, CustomStringConvertible {
  case badConfig(path: String, key: String, detail: String)
  case unsupportedConfig(path: String, key: String, value: String, supported: String)
  case missingModelFile(directory: String, file: String)
  case unknownLayer(name: String, suggestion: String?)
  case patternMatchedNothing(pattern: String)
  case factorShapeMismatch(layer: String, out: Int, in: Int, l: [Int], r: [Int])
  case tokenIdOutOfRange(sequence: Int, position: Int, id: Int, vocabSize: Int)
  case sequenceTooLong(sequence: Int, length: Int, maxPositions: Int)
  case noTokenizer
  case incompatibleCache(layer: String, detail: String)
  case cannotSave(path: String, reason: String)

  public var description: String {
    switch self {
    case .badConfig(let p, let k, let d):
      return k.isEmpty ? "bad config \"\(p)\": \(d)" : "bad config \"\(p)\": \"\(k)\" \(d)"
    case .unsupportedConfig(let p, let k, let v, let s):
      return "unsupported \"\(k)\" = \"\(v)\" in \"\(p)\", flar supports \(s)"
    case .missingModelFile(let d, let f):
      return "model directory \"\(d)\" has no \(f)"
    case .unknownLayer(let n, let s):
      return "unknown layer \"\(n)\"" + Suggestion.parenthetical(s)
    case .patternMatchedNothing(let p):
      return "layer pattern \"\(p)\" matches no linear layer"
    case .factorShapeMismatch(let n, let o, let i, let l, let r):
      func s(_ x: [Int]) -> String { "(" + x.map(String.init).joined(separator: ", ") + ")" }
      return
        "factors for \"\(n)\" (out \(o), in \(i)) must be L (\(o), k) and R (k, \(i)) with k ≥ 1, got L \(s(l)) and R \(s(r))"
    case .tokenIdOutOfRange(let s, let p, let id, let v):
      return "token id \(id) at position \(p) of sequence \(s) is outside the vocabulary of \(v)"
    case .sequenceTooLong(let s, let n, let m):
      return "sequence \(s) has \(n) tokens, more than the model's \(m) positions"
    case .noTokenizer:
      return "the model has no tokenizer (no vocab.txt or tokenizer.json in its directory)"
    case .incompatibleCache(let n, let d):
      return "cached input of \"\(n)\" does not fit this model: \(d)"
    case .cannotSave(let p, let r):
      return "cannot save model to \"\(p)\": \(r)"
    }
  }
}
