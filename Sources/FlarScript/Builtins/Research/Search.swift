import FlarCore
import FlarLinAlg
import FlarModels
import Foundation

/// The search family: `bisect`, `curve`, `compress`, `allocate`, `allocation_point`, `heal`.
extension BuiltinFamily {
  /// The search family.
  public static var search: BuiltinFamily {
    BuiltinFamily(
      name: "search",
      builtins: [
        bisectBuiltin, curveBuiltin, compressBuiltin, allocateBuiltin, allocationPointBuiltin,
        healBuiltin,
      ])
  }

  /// The default search set: the last 64 lines of `data/calib.txt`, which
  /// `compress` also uses and calibration (its first lines) does not.
  static func defaultSearchSentences() throws -> [String] {
    Array(try readLines("data/calib.txt").suffix(64))
  }

  /// The decomposition `bisect`/`curve` search over: plain, or whitened by S.
  static func layerDecomposition(
    _ args: Arguments, _ model: EncoderModel, _ layer: String
  ) throws -> LowRankDecomposition {
    let w = try model.linear(layer).denseWeight()
    if args.isNil("whiten") { return try plainSVD(weight: w, layer: layer) }
    guard case .handle(let h) = args["whiten"], let s = h as? FactorHandle else {
      throw args.bad("whiten", "a Cholesky factor from chol()")
    }
    return try whitenedSVD(weight: w, whitening: s.whitening, layer: layer)
  }

  static func criterionArgument(_ args: Arguments) throws -> SearchCriterion {
    let name = try args.string("criterion")
    guard let c = SearchCriterion(rawValue: name) else {
      throw BuiltinError.badArgument(
        .named("criterion"), expected: SearchCriterion.expectedNames, got: "\"\(name)\"",
        suggestion: Suggestion.closest(to: name, among: SearchCriterion.allCases.map(\.rawValue)))
    }
    return c
  }

  /// The library's one rank search for `bisect` and `curve`: the search set
  /// (`data=`, default the last 64 lines of data/calib.txt) is read only for
  /// the end-feature criteria.
  static func layerSearch(
    _ args: Arguments, _ model: EncoderModel, _ criterion: SearchCriterion,
    _ context: BuiltinContext, step: Int = 8, earlyExit: Bool = true
  ) throws -> LayerRankSearch {
    let data: [String] =
      !criterion.needsForwardPasses
      ? [] : args.isNil("data") ? try defaultSearchSentences() : try args.strings("data")
    return try LayerRankSearch(
      criterion: criterion, model: model, sentences: data, step: step, earlyExit: earlyExit,
      cancellation: context.cancellation)
  }

  static var bisectBuiltin: Builtin {
    Builtin(
      "bisect",
      Signature(
        [.required("model", .handle("model")), .required("layer", .string)],
        options: [
          .optional("criterion", .string, default: .string("feat_mse_dense")),
          .optional("tol", .any, default: .null), .optional("whiten", .any, default: .null),
          .optional("step", .integer, default: .number(8)),
          .optional("data", .any, default: .null),
          .optional("early_exit", .bool, default: .bool(true)),
          .optional("certify", .bool, default: .bool(true)),
        ]),
      abstract: "the smallest rank (a multiple of step) whose criterion meets tol, by bisection",
      discussion: """
        Ranks step, 2·step, … below the equivalent rank k_eq = floor(m n / (m + n)); the top
        candidate is taken as passing without evaluation, and a layer whose answer stays there
        is left dense (.rank is nil): at most ceil(log2(k_eq / step)) evaluations. Criteria:
        "feat_mse_dense" (the default) — normalised end-feature MSE mean((F_k − F)²) /
        mean(F²) with only this layer compressed, on a fixed search set (data=, default the
        last 64 lines of data/calib.txt), run from the layer's cached input on; its
        denominator, the dense model's, is known in advance, so a failing candidate stops as
        soon as its partial sum over the search batches passes tol (early_exit=false runs
        every batch; the rank is the same either way); "feat_mse" — the same error over the
        compressed model's mean(F_k²), as the reference code divides; "whitened_err" — Σ_{i>k} σ_i² / Σ σ_i² in
        closed form; "weight_cos" — cos(W, Ŵ_k) in closed form (passes when ≥ tol). Returns
        .rank, .evals, .curve (the [rank, value] pairs visited; at an early exit the value is
        the failing partial error), .early_exits, .forward_passes (batch passes in full-pass
        equivalents, the dense reference included), .guided, .fell_back.
        With an end-feature criterion and certify=true (the default) the probes are not placed
        at the middle of the bracket but where the layer's whitened error g = Σ_{i>k} σ_i² /
        Σ σ_i², mapped to the criterion by a power law log f = c + α log g read off the points
        evaluated so far (and, before the first, the one the last layer of the same kind ended
        with), predicts the answer: a right prediction is certified by two evaluations (the
        rank passes, the one a step below fails). Three guided probes in a row on the same side
        make the next one the middle of the bracket, and after 6 guided probes plain bisection
        finishes it (.fell_back). The bracket rule is the bisection's,
        so on a monotone criterion the rank is the same (check with curve());
        certify=false bisects from the middle.
        """,
      examples: [
        "r = bisect(m, \"encoder.layer.0.intermediate.dense\", whiten=S, tol=1e-3)",
        "plot(r.curve)",
      ]
    ) { args, context in
      let m = try modelArgument(args)
      let layer = try layerArgument(args, m.model)
      guard case .number(let tol) = args["tol"] else { throw BuiltinError.missingArgument("tol") }
      // Every criterion is an error or a distance (≥ 0, lower is better) or
      // a cosine (≤ 1); a negative or non-finite tolerance passes nothing.
      guard tol.isFinite, tol >= 0 else {
        throw BuiltinError.badArgument(
          .named("tol"), expected: "a finite number ≥ 0", got: NumberFormat.shortest(tol))
      }
      let criterion = try criterionArgument(args)
      let d = try layerDecomposition(args, m.model, layer)
      let search = try layerSearch(
        args, m.model, criterion, context, step: try args.integer("step", minimum: 1),
        earlyExit: try args.bool("early_exit"))
      search.certify = try args.bool("certify")
      let result = try search.search(layer, d, tolerance: tol)
      return .handle(
        SearchHandle(
          layer: layer, criterion: criterion, tolerance: tol, result: result,
          equivalentRank: equivalentRank(outputs: d.outputs, inputs: d.inputs),
          forwardPasses: criterion.needsForwardPasses ? search.forwardPasses : nil))
    }
  }

  static var curveBuiltin: Builtin {
    Builtin(
      "curve",
      Signature(
        [.required("model", .handle("model")), .required("layer", .string)],
        options: [
          .optional("ranks", .any, default: .null),
          .optional("criterion", .string, default: .string("feat_mse_dense")),
          .optional("whiten", .any, default: .null), .optional("data", .any, default: .null),
        ]),
      abstract:
        "a criterion over a sweep of ranks, as [rank, value] pairs; warns where not monotone",
      discussion: """
        The monotonicity the bisection relies on, measured: ranks= a list or range (default
        every multiple of 8 below k_eq). A violation (the error growing, or the cosine
        shrinking, with the rank) is printed as a warning with both ranks and values.
        """,
      examples: ["c = curve(m, layer, ranks=8:200:16, whiten=S)", "plot(c, log=true)"]
    ) { args, context in
      let m = try modelArgument(args)
      let layer = try layerArgument(args, m.model)
      let criterion = try criterionArgument(args)
      let d = try layerDecomposition(args, m.model, layer)
      let ranks: [Int]
      if args.isNil("ranks") {
        ranks =
          RankBisection(equivalentRank: equivalentRank(outputs: d.outputs, inputs: d.inputs))
          .candidates
      } else {
        guard let values = MatrixConversion.numbers(try rangeOrList(args, "ranks")) else {
          throw args.bad("ranks", "a list or range of ranks")
        }
        ranks = values.map { Int($0) }
      }
      if let bad = ranks.first(where: { $0 < 1 || $0 > d.maxRank }) {
        throw args.bad("ranks", "ranks in 1…\(d.maxRank), found \(bad)")
      }
      let search = try layerSearch(args, m.model, criterion, context)
      var points: [(rank: Int, value: Double)] = []
      for k in ranks.sorted() {
        try context.checkCancellation()
        points.append((k, try search.evaluate(layer, d, rank: k).value))
      }
      for v in monotonicityViolations(points, decreasing: !criterion.higherIsBetter) {
        context.write(
          "warning: \(criterion.rawValue) is not monotone: \(show(v.lowerValue)) at rank \(v.lowerRank), \(show(v.higherValue)) at rank \(v.higherRank)\n"
        )
      }
      return .list(points.map { .list([.number(Double($0.rank)), .number($0.value)]) })
    }
  }

  /// A list of values from a list or a range argument.
  static func rangeOrList(_ args: Arguments, _ name: String) throws -> [Value] {
    switch args[name] {
    case .range(let r): return (0..<r.count).map { .number(r.element($0)) }
    case .list(let box): return box.elements
    case .matrix(let m): return m.storage.map(Value.number)
    default: throw args.bad(name, "a list or range")
    }
  }
}
