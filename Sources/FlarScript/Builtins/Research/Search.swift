import FlarCore
import FlarLinAlg
import FlarModels
import Foundation

/// The search family: `bisect`, `curve`, `compress`.
extension BuiltinFamily {
  /// The search family.
  public static var search: BuiltinFamily {
    BuiltinFamily(name: "search", builtins: [bisectBuiltin, curveBuiltin, compressBuiltin])
  }

  /// The default search set: the last 64 lines of `data/calib.txt`, which
  /// `compress` also uses and calibration (its first lines) does not.
  static func defaultSearchSentences() throws -> [String] {
    Array(try readLines("data/calib.txt").suffix(64))
  }

  /// The decomposition `bisect`/`curve` search over: plain, or whitened by S.
  static func layerDecomposition(
    _ args: Arguments, _ model: BertModel, _ layer: String
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
        .named("criterion"), expected: "\"feat_mse\", \"whitened_err\" or \"weight_cos\"",
        got: "\"\(name)\"",
        suggestion: Suggestion.closest(to: name, among: SearchCriterion.allCases.map(\.rawValue)))
    }
    return c
  }

  /// A closure computing the criterion at a rank, for one layer.
  static func criterionEvaluator(
    _ args: Arguments, _ model: BertModel, _ layer: String, _ d: LowRankDecomposition,
    _ criterion: SearchCriterion, _ context: BuiltinContext
  ) throws -> (
    evaluate: (Int) throws -> Double, passes: ((Double), Double) -> Bool,
    features: EndFeatureCriterion?
  ) {
    let passes: (Double, Double) -> Bool = criterion.higherIsBetter ? { $0 >= $1 } : { $0 <= $1 }
    switch criterion {
    case .featMSE:
      let data = args.isNil("data") ? try defaultSearchSentences() : try args.strings("data")
      let f = try EndFeatureCriterion(
        base: model, sentences: data, cancellation: context.cancellation)
      return ({ k in try f.error(layer: layer, factors: d.factors(rank: k)) }, passes, f)
    case .whitenedError:
      let e = relativeWhitenedErrors(d)
      return ({ e[min($0, e.count - 1)] }, passes, nil)
    case .weightCosine:
      let c = weightCosines(d)
      return ({ c[min($0, c.count - 1)] }, passes, nil)
    }
  }

  static var bisectBuiltin: Builtin {
    Builtin(
      "bisect",
      Signature(
        [.required("model", .handle("model")), .required("layer", .string)],
        options: [
          .optional("criterion", .string, default: .string("feat_mse")),
          .optional("tol", .any, default: .null), .optional("whiten", .any, default: .null),
          .optional("step", .integer, default: .number(8)),
          .optional("data", .any, default: .null),
        ]),
      abstract: "the smallest rank (a multiple of step) whose criterion meets tol, by bisection",
      discussion: """
        Ranks step, 2·step, … below the equivalent rank k_eq = floor(m n / (m + n)); the top
        candidate is taken as passing without evaluation, and a layer whose answer stays there
        is left dense (.rank is nil): at most ceil(log2(k_eq / step)) evaluations. Criteria:
        "feat_mse" — normalised end-feature MSE mean((F_k − F)²) / mean(F_k²) with only this
        layer compressed, on a fixed search set (data=, default the last 64 lines of
        data/calib.txt), run from the layer's cached input on; "whitened_err" — Σ_{i>k} σ_i² /
        Σ σ_i² in closed form; "weight_cos" — cos(W, Ŵ_k) in closed form (passes when ≥ tol).
        Returns .rank, .evals, .curve (the [rank, value] pairs visited).
        """,
      examples: [
        "r = bisect(m, \"encoder.layer.0.intermediate.dense\", whiten=S, tol=1e-3)",
        "plot(r.curve)",
      ]
    ) { args, context in
      let m = try modelArgument(args)
      let layer = try layerArgument(args, m.model)
      guard case .number(let tol) = args["tol"] else { throw BuiltinError.missingArgument("tol") }
      let criterion = try criterionArgument(args)
      let d = try layerDecomposition(args, m.model, layer)
      let (evaluate, passes, features) = try criterionEvaluator(
        args, m.model, layer, d, criterion, context)
      let bisection = RankBisection(
        equivalentRank: equivalentRank(outputs: d.outputs, inputs: d.inputs),
        step: try args.integer("step", minimum: 1))
      let result = try bisection.search(evaluate: evaluate, passes: { passes($0, tol) })
      return .handle(
        SearchHandle(
          layer: layer, criterion: criterion, tolerance: tol, result: result,
          equivalentRank: bisection.equivalentRank, forwardPasses: features?.forwardPasses))
    }
  }

  static var curveBuiltin: Builtin {
    Builtin(
      "curve",
      Signature(
        [.required("model", .handle("model")), .required("layer", .string)],
        options: [
          .optional("ranks", .any, default: .null),
          .optional("criterion", .string, default: .string("feat_mse")),
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
      let (evaluate, _, _) = try criterionEvaluator(args, m.model, layer, d, criterion, context)
      var points: [(rank: Int, value: Double)] = []
      for k in ranks.sorted() {
        try context.checkCancellation()
        points.append((k, try evaluate(k)))
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
