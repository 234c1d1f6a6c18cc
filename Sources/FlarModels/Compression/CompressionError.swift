/// Failures of the compression pipeline, each naming the layer or option.
public enum CompressionError: Error, Equatable, CustomStringConvertible {
  case noSentences(what: String)
  case badTarget(Double)
  case unknownMethod(String, suggestion: String?)
  case unknownCriterion(String, suggestion: String?)
  case optionNotForMethod(option: String, method: String)
  case missingOption(option: String, method: String)
  case whiteningNeedsStatistics(layer: String)
  case rankOutOfRange(layer: String, rank: Int, maximum: Int)

  public var description: String {
    switch self {
    case .noSentences(let what):
      return "no \(what) sentences given"
    case .badTarget(let t):
      return "target \(t) is not a fraction in (0, 1]"
    case .unknownMethod(let m, let s):
      return "unknown method \"\(m)\", expected svd, asvd, fwsvd, svd_llm or flar"
        + (s.map { " (did you mean \"\($0)\"?)" } ?? "")
    case .unknownCriterion(let c, let s):
      return "unknown criterion \"\(c)\", expected feat_mse, whitened_err or weight_cos"
        + (s.map { " (did you mean \"\($0)\"?)" } ?? "")
    case .optionNotForMethod(let o, let m):
      return "option \(o) does not apply to method \(m)"
    case .missingOption(let o, let m):
      return "method \(m) needs \(o)"
    case .whiteningNeedsStatistics(let l):
      return "layer \"\(l)\" has no calibration statistics to whiten with"
    case .rankOutOfRange(let l, let k, let max):
      return "rank \(k) for layer \"\(l)\" is outside 1…\(max)"
    }
  }
}
