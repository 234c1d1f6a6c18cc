import FlarCore
import FlarModels

/// Why a layer of a `compress` result got its rank: `show(c, layer)` and
/// `c.curves`, from what the search kept (the bisection's visits, the rank
/// before the parameter-target correction, the latency filter's decision).
extension CompressionHandle {
  /// `c.curves`: per layer, every `[rank, value]` pair the bisection evaluated.
  var curvesRecord: Value {
    .record(
      result.layers.map { o in
        (o.name, .list(o.curve.map { .list([.number(Double($0.rank)), .number($0.value)]) }))
      })
  }

  /// The text of `show(c, layer)`.
  func explanation(of name: String) throws -> String {
    guard let o = result.layers.first(where: { $0.name == name }) else {
      throw BuiltinError.badArgument(
        .named("layer"), expected: "a layer of this compression result",
        got: ValueFormatter.quote(name),
        suggestion: Suggestion.closest(to: name, among: result.layers.map(\.name)))
    }
    let options = result.options
    let keq = o.outFeatures * o.inFeatures / (o.outFeatures + o.inFeatures)
    let rank = o.rank.map { "rank \($0)" } ?? "dense"
    var lines = ["\(o.name): \(o.outFeatures)x\(o.inFeatures), \(rank) (k_eq \(keq))"]
    guard options.method == .flar, let tau = result.tau else {
      lines.append(
        "  method \(options.method.rawValue): one ratio for every layer, no per-layer search")
      return lines.joined(separator: "\n")
    }
    let criterion = options.criterion
    let comparison = criterion.higherIsBetter ? ">=" : "<="
    let passes = { (v: Double) in criterion.higherIsBetter ? v >= tau : v <= tau }
    lines.append(
      "  search: the smallest rank whose \(criterion.rawValue) \(comparison) tau \(show(tau))"
        + (options.tolerance == nil
          ? " (tau from the model compressed uniformly to the target)" : ""))
    if o.curve.isEmpty {
      lines.append("  no rank was evaluated")
    } else {
      lines.append("  bisection, \(o.curve.count) evaluations (rank: value):")
      for point in o.curve.sorted(by: { $0.rank < $1.rank }) {
        let mark = passes(point.value) ? "meets tau" : "above tau"
        lines.append(
          "    \(point.rank): \(NumberFormat.significant(point.value, digits: 6))  \(mark)")
      }
    }
    let searched = o.searchedRank.map { "rank \($0)" } ?? "dense (no rank below k_eq met tau)"
    lines.append("  searched: \(searched)")
    if o.rank != o.searchedRank {
      lines.append(
        "  final: \(rank), after the correction that meets the parameter target "
          + (options.target.map { show($0) } ?? "none"))
    }
    if let latency = o.latency {
      lines.append("  latency: \(latency)")
    }
    if let lambda = o.lambda {
      lines.append(
        "  whitening: shrinkage lambda \(NumberFormat.significant(lambda, digits: 6)), jitter "
          + show(o.jitter ?? 0))
    }
    lines.append("  plot(c, \"\(o.name)\") draws the curve with tau")
    return lines.joined(separator: "\n")
  }
}
