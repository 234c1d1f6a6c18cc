/// Failures of the compression pipeline, each naming the layer or option.
public enum CompressionError: Error, Equatable, CustomStringConvertible {
  case noSentences(what: String)
  case badTarget(Double)
  case missingOption(option: String, method: String)
  case rankOutOfRange(layer: String, rank: Int, maximum: Int)
  /// An allocation's budget outside what its choices can reach, as
  /// fractions of the dense model's measure.
  case budgetOutOfReach(
    allocation: String, measure: String, requested: Double, minimum: Double, maximum: Double)
  /// A latency budget without a latency predictor.
  case noPredictor

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
    case .budgetOutOfReach(let a, let m, let r, let lo, let hi):
      let smallest =
        a == "asvd"
        ? "every layer at 0.4 of its equivalent rank" : "every layer at its smallest rank"
      return
        "\(a) allocation cannot meet \(m) budget \(fraction(r)): the reachable range is \(fraction(lo)) to \(fraction(hi)) of dense (\(smallest) to every layer dense)"
    case .noPredictor:
      return
        "a latency budget needs a latency predictor: train one on this machine with `flar scripts/train-latency.flar` (it saves models/latency-this-cpu.json), then p = load(\"models/latency-this-cpu.json\") and allocate(m, latency=0.7, predictor=p) or compress(m, allocation=\"global\", by=\"latency\", target=0.7, latency=p)"
    }
  }
}

/// A fraction to four significant digits: 0.4567.
private func fraction(_ x: Double) -> String {
  x.isFinite ? "\((x * 10_000).rounded() / 10_000)" : "\(x)"
}
