import FlarCore
import FlarModels

/// What `bisect` found for one layer.
public final class SearchHandle: Handle {
  public let layer: String
  public let criterion: SearchCriterion
  public let tolerance: Double
  public let result: RankSearchResult
  public let equivalentRank: Int
  public let forwardPasses: Double?

  init(
    layer: String, criterion: SearchCriterion, tolerance: Double, result: RankSearchResult,
    equivalentRank: Int, forwardPasses: Double?
  ) {
    self.layer = layer
    self.criterion = criterion
    self.tolerance = tolerance
    self.result = result
    self.equivalentRank = equivalentRank
    self.forwardPasses = forwardPasses
  }

  public var typeName: String { "search result" }

  public var summary: String {
    let answer =
      result.rank.map { "rank \($0)" } ?? "dense (no rank below k_eq = \(equivalentRank) passes)"
    let exits = Set(result.earlyExitRanks)
    let visits = result.curve.map {
      "\($0.rank): \(exits.contains($0.rank) ? "> " : "")\(show($0.value))"
    }.joined(separator: ", ")
    var counts = "\(result.evaluations) evaluations"
    if result.earlyExits > 0 { counts += " (\(result.earlyExits) stopped early)" }
    if result.guidedProbes > 0 {
      counts +=
        result.fellBack
        ? ", \(result.guidedProbes) guided probes, then bisection"
        : ", \(result.guidedProbes) guided probes"
    }
    if let passes = forwardPasses {
      counts += ", \(show((passes * 10).rounded() / 10)) forward passes"
    }
    return
      "search \(layer): \(answer) — \(criterion.rawValue) \(criterion.comparison) \(show(tolerance)), \(counts)\n  visited \(visits)"
  }

  public var fieldNames: [String] {
    [
      "rank", "evals", "curve", "layer", "criterion", "tol", "k_eq", "early_exits",
      "forward_passes", "guided", "fell_back",
    ]
  }

  public func field(named name: String) -> Value? {
    switch name {
    case "rank": return result.rank.map { .number(Double($0)) } ?? .null
    case "evals": return .number(Double(result.evaluations))
    case "curve":
      return .list(result.curve.map { .list([.number(Double($0.rank)), .number($0.value)]) })
    case "layer": return .string(layer)
    case "criterion": return .string(criterion.rawValue)
    case "tol": return .number(tolerance)
    case "k_eq": return .number(Double(equivalentRank))
    case "early_exits": return .number(Double(result.earlyExits))
    case "forward_passes": return forwardPasses.map(Value.number) ?? .number(0)
    case "guided": return .number(Double(result.guidedProbes))
    case "fell_back": return .bool(result.fellBack)
    default: return nil
    }
  }
}

/// The result of `compress`: the model, the ranks and λ per layer, the
/// threshold, the stage timings and the manifest.
public final class CompressionHandle: Handle {
  public let result: CompressionResult
  public let manifest: [(String, String)]
  /// The model it was compressed from (`heal`'s default teacher).
  public let original: EncoderModel?

  init(_ result: CompressionResult, manifest: [(String, String)], original: EncoderModel? = nil) {
    self.result = result
    self.manifest = manifest
    self.original = original
  }

  public var typeName: String { "compression result" }

  public var summary: String {
    let r = result
    let lowRank = r.layers.filter { $0.rank != nil }.count
    // A layer the bisection left dense may still get a rank from the
    // parameter-target correction: say so beside the count.
    let searchedDense = r.layers.filter { $0.rank != nil && $0.searchedRank == nil }.count
    let correction =
      r.options.resolvedAllocation == .flar && searchedDense > 0
      ? " (\(searchedDense) searched dense, then given a rank by the parameter-target correction)"
      : ""
    let allocation =
      r.options.resolvedAllocation == AllocationMethod.defaultFor(r.options.method)
      ? "" : ", allocation \(r.options.resolvedAllocation.rawValue)"
    var lines = [
      "compression \(r.options.method.rawValue)\(allocation): \(lowRank) of \(r.layers.count) layers low-rank"
        + correction,
      "  compressed linear layers: \(r.linearParamsAfter) of \(r.linearParamsBefore) parameters (\(percent(r.linearParamsAfter, r.linearParamsBefore)))",
      "  whole model:              \(r.modelParamsAfter) of \(r.modelParamsBefore) parameters (\(percent(r.modelParamsAfter, r.modelParamsBefore)))",
    ]
    if let tau = r.tau {
      lines.append("  threshold tau \(show(tau)) (\(r.options.criterion.rawValue))")
      let perLayer = r.layers.map(\.evaluations)
      var search =
        "  search: \(r.evaluations) evaluations (\(perLayer.min() ?? 0)–\(perLayer.max() ?? 0) per layer)"
      if r.options.criterion.needsForwardPasses {
        search +=
          ", \(r.earlyExits) stopped early, \(show((r.forwardPasses * 10).rounded() / 10)) batch forward passes (full-pass equivalents)"
        if r.options.certify {
          search +=
            "; certified: \(r.guidedProbes) guided probes, plain bisection finished \(r.certificationFallbacks) of \(r.layers.count) layers"
        }
      }
      lines.append(search)
      let dense = r.layers.filter { $0.searchedRank == nil }.count
      if dense > 0, r.options.fixedRanks == nil {
        lines.append(
          "  \(counted(dense, "layer")) left dense by the search: "
            + (r.options.denseLayers == .rescale
              ? "rescaled with the others (dense=\"rescale\")"
              : r.denseLayersRescaled
                ? "rescaled with the others, as the target cannot be met with them dense"
                : "kept dense by the correction"))
      }
    }
    if let line = allocationSummary { lines.append(line) }
    if !r.fallbacks.isEmpty {
      lines.append("  cholesky fallback taken for \(r.fallbacks.count) layers")
    }
    if let f = r.fisher {
      lines.append(
        "  fisher: \(f.pairCount) pairs in \(f.batchCount) batches, mean contrastive loss \(show(f.meanLoss))"
      )
    }
    lines.append(
      "  time "
        + r.timings.map { "\($0.stage) \(formatSecondsShort($0.seconds))" }.joined(separator: ", "))
    lines.append(
      "  fields: model, ranks, lambdas, tau, timings, params, manifest, layers, forward_passes, curves"
    )
    lines.append("  show(c, layer) explains one layer's rank")
    return lines.joined(separator: "\n")
  }

  public var fieldNames: [String] {
    [
      "model", "ranks", "lambdas", "tau", "timings", "params", "manifest", "layers",
      "forward_passes", "fallbacks", "fisher", "evals", "early_exits", "curves", "allocation",
      "certify_fallbacks",
    ]
  }

  public func field(named name: String) -> Value? {
    let r = result
    switch name {
    case "model": return .handle(ModelHandle(r.model, path: nil))
    case "ranks":
      return .record(r.layers.map { ($0.name, $0.rank.map { .number(Double($0)) } ?? .null) })
    case "lambdas": return .record(r.layers.map { ($0.name, $0.lambda.map(Value.number) ?? .null) })
    case "tau": return r.tau.map(Value.number) ?? .null
    case "timings": return .record(r.timings.map { ($0.stage, .number($0.seconds)) })
    case "params":
      return .record([
        ("linear_before", .number(Double(r.linearParamsBefore))),
        ("linear_after", .number(Double(r.linearParamsAfter))),
        ("model_before", .number(Double(r.modelParamsBefore))),
        ("model_after", .number(Double(r.modelParamsAfter))),
      ])
    case "manifest": return .record(manifest.map { ($0.0, .string($0.1)) })
    case "layers": return .list(r.layers.map { layerRecord($0) })
    case "forward_passes": return .number(r.forwardPasses)
    case "evals": return .number(Double(r.evaluations))
    case "early_exits": return .number(Double(r.earlyExits))
    case "certify_fallbacks": return .number(Double(r.certificationFallbacks))
    case "fallbacks": return .list(r.fallbacks.map(Value.string))
    case "curves": return curvesRecord
    case "allocation": return allocationRecord
    case "fisher":
      // fwsvd: F_j per input channel of each layer, as a row.
      guard let f = r.fisher else { return .null }
      return .record(
        r.layers.compactMap { o in f.byLayer[o.name].map { (o.name, .matrix(.row($0))) } })
    default: return nil
    }
  }

  func layerRecord(_ o: LayerOutcome) -> Value {
    .record([
      ("name", .string(o.name)),
      ("shape", .list([.number(Double(o.outFeatures)), .number(Double(o.inFeatures))])),
      ("rank", o.rank.map { .number(Double($0)) } ?? .null),
      ("searched", o.searchedRank.map { .number(Double($0)) } ?? .null),
      ("lambda", o.lambda.map(Value.number) ?? .null),
      ("jitter", o.jitter.map(Value.number) ?? .null),
      ("evals", .number(Double(o.evaluations))),
      ("early_exits", .number(Double(o.earlyExits))),
      ("guided", .number(Double(o.guidedProbes))),
      ("fell_back", .bool(o.certificationFellBack)),
      ("forward_passes", .number(o.forwardPasses)),
      ("curve", .list(o.curve.map { .list([.number(Double($0.rank)), .number($0.value)]) })),
      ("latency", o.latency.map { .string($0.description) } ?? .null),
    ])
  }
}

func percent(_ a: Int, _ b: Int) -> String {
  b == 0 ? "n/a" : show((1000 * Double(a) / Double(b)).rounded() / 10) + " %"
}

func formatSecondsShort(_ s: Double) -> String {
  s >= 1 ? show((s * 100).rounded() / 100) + " s" : show((s * 10000).rounded() / 10) + " ms"
}
