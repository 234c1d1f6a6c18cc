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
    if let report = result.allocation, let chosen = report.layers.first(where: { $0.name == name })
    {
      lines += allocationLines(report, chosen)
      return lines.joined(separator: "\n")
    }
    guard options.resolvedAllocation == .flar, let tau = result.tau else {
      lines.append(
        "  method \(options.method.rawValue), allocation uniform: one ratio for every layer, no per-layer search"
      )
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
      let how =
        o.guidedProbes == 0
        ? "bisection"
        : "certified search (\(counted(o.guidedProbes, "probe")) where the whitened error predicted the rank"
          + (o.certificationFellBack ? ", then bisection)" : ")")
      lines.append("  \(how), \(counted(o.curve.count, "evaluation")) (rank: value):")
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

  /// The lines of `show(c, layer)` for an asvd or global allocation.
  func allocationLines(_ a: AllocationReport, _ l: AllocatedLayer) -> [String] {
    var lines: [String] = []
    if a.method == .asvd {
      lines.append(
        "  allocation asvd: the layer alone at 0.4…0.9 of k_eq, sorted with every layer's by the criterion; the first \(a.cut ?? 0) of \(a.sensitivity.count) entries taken"
      )
    } else {
      lines.append(
        "  allocation global: the least summed error within the \(a.measure.rawValue) budget, from each layer's curve at \(l.measured.count) ranks, interpolated"
      )
    }
    lines.append("  measured with only this layer compressed (rank: value):")
    for point in l.measured {
      lines.append("    \(point.rank): \(NumberFormat.significant(point.value, digits: 6))")
    }
    let at = l.rank.map { "rank \($0)" } ?? "dense"
    lines.append(
      "  chosen: \(at), error \(NumberFormat.significant(l.error, digits: 6)), cost \(show(l.cost)) of \(show(l.denseCost)) dense"
    )
    if !l.slowerThanDense.isEmpty {
      lines.append(
        "  never chosen, predicted no faster than dense: ranks "
          + l.slowerThanDense.map(String.init).joined(separator: ", "))
    }
    return lines
  }
}

/// "1 probe", "2 probes".
func counted(_ n: Int, _ noun: String) -> String {
  "\(n) \(noun)\(n == 1 ? "" : "s")"
}
