/// Failures of the compression pipeline, each naming the layer or option.
public enum CompressionError: Error, Equatable, CustomStringConvertible {
  case noSentences(what: String)
  case badTarget(Double)
  case missingOption(option: String, method: String)
  case rankOutOfRange(layer: String, rank: Int, maximum: Int)

  public var description: String {
    switch self {
    case .noSentences(let what):
      return "no \(what) sentences given"
    case .badTarget(let t):
      return "target \(t) is not a fraction in (0, 1]"
    case .missingOption(let o, let m):
      return "method \(m) needs \(o)"
    case .rankOutOfRange(let l, let k, let max):
      return "rank \(k) for layer \"\(l)\" is outside 1…\(max)"
    }
  }
}
