import FlarCore
import FlarLinAlg
import FlarModels
import Foundation

extension BuiltinFamily {
  static var allocateBuiltin: Builtin {
    Builtin(
      "allocate",
      Signature(
        [.required("model", .handle("model"))],
        options: [
          .optional("params", .number, default: .null),
          .optional("flops", .number, default: .null),
          .optional("latency", .number, default: .null),
          .optional("predictor", .any, default: .null),
          .optional(
            "method", .choice(["flar", "svd", "asvd", "fwsvd", "svd_llm"]), default: .string("flar")
          ),
          .optional("points", .integer, default: .number(6)),
          .optional("step", .integer, default: .number(8)),
          .optional("layers", .string, default: .string("*")),
          .optional("calib", .any, default: .null), .optional("search", .any, default: .null),
          .optional("pairs", .any, default: .null),
          .optional("maxlen", .integer, default: .number(128)),
          .optional("batch", .integer, default: .number(32)),
          .optional("tokens", .integer, default: .null),
        ]),
      abstract:
        "one rank per layer for the least summed end-feature error within a params, flops or latency budget",
      discussion: """
        The global allocation, compress(m, allocation="global", …) at the prompt. Give exactly
        one budget, a fraction of the dense model's: params= (the matched layers' parameters,
        as compress's target), flops= (the encoder's multiply-adds per token, attention
        included, as by="flops"), or latency= (the matched layers' summed dense time as the
        predictor= estimates it for batch 32 and tokens= per sentence, by default the
        calibration set's mean length; a layer
        whose low-rank pair is predicted no faster than dense never gets a rank). Each layer
        is factorised by method= (default "flar": shrunk, whitened SVD); its end-feature error
        with only that layer compressed (feat_mse_dense on the search set, as flar's search)
        is measured at points= ranks (default 6, evenly spaced over the multiples of step=
        below its equivalent rank, the smallest and largest included) and interpolated
        linearly between them after raising each point to the largest error measured at a
        higher rank: monotone, never below a measurement, and above the true curve where it
        is convex (the allocation never buys a rank on a promised error lower than measured).
        The choice is a multiple-choice knapsack (one option per rank and dense per layer,
        minimise the summed error within the budget), solved exactly by dynamic programming:
        for params and flops the costs are integers and the unit is their greatest common
        divisor, so the optimum is exact and the budget met to one rank step per layer; for
        latency the milliseconds are rounded up to a grid of budget / 20000 (feasible in the
        true times, optimal on the grid). The Lagrangian relaxation runs beside it and
        reports its lower bound (.allocation.dual_bound, .allocation.gap). Forward passes:
        points evaluations per layer against FLAR's ceil(log2(k_eq / step)) bisection steps
        plus its uniform model; .evals and .forward_passes count them. A budget below every
        layer at its smallest rank, or above dense, is an error naming the reachable range.
        Returns a compression result (as compress) whose .allocation holds the curves, the
        chosen point of every layer, and the predicted (summed per layer) and measured (the
        whole compressed model on the search set) errors and the predicted cost.
        """,
      examples: [
        "a = allocate(m, params=0.5)",
        "a.allocation.measured_error",
        "p = load(\"models/latency-this-cpu.json\")",
        "b = allocate(m, latency=0.7, predictor=p)",
      ]
    ) { args, context in
      let m = try modelArgument(args)
      var options = CompressionOptions()
      options.method = CompressionMethod(rawValue: try args.string("method"))!
      options.allocation = .global
      let budgets = ["params", "flops", "latency"].filter { !args.isNil($0) }
      guard budgets.count == 1 else {
        throw BuiltinError.badArgument(
          .named(budgets.count > 1 ? budgets[1] : "params"),
          expected: "exactly one of params=, flops= or latency=",
          got: budgets.isEmpty ? "none" : budgets.joined(separator: " and "))
      }
      let measure = budgets[0]
      let fraction = try args.number(measure)
      guard fraction > 0, fraction <= 1 else {
        throw args.bad(measure, "a fraction of the dense model in (0, 1]")
      }
      options.target = fraction
      options.measure = measure == "flops" ? .flops : .params
      options.latencyBudget = measure == "latency"
      if !args.isNil("predictor") {
        guard case .handle(let h) = args["predictor"], let p = h as? PredictorHandle else {
          throw args.bad("predictor", "a latency predictor from load() or train_latency()")
        }
        options.latency = p.predictor
      }
      options.curvePoints = try args.integer("points", minimum: 2)
      if !args.isNil("tokens") { options.latencyTokens = try args.integer("tokens", minimum: 1) }
      options.step = try args.integer("step", minimum: 1)
      options.layers = try args.string("layers")
      options.maxLength = try args.integer("maxlen", minimum: 2)
      options.batchSize = try args.integer("batch", minimum: 1)
      let calibLines = try sentences(
        args, "calib", default: { Array(try readLines("data/calib.txt").prefix(256)) })
      let searchLines = try sentences(args, "search", default: defaultSearchSentences)
      let pairs =
        options.method == .fwsvd ? try calibrationPairs(args, count: calibLines.count) : nil
      let result = try Compressor(
        options: options, progress: context.progress(), cancellation: context.cancellation
      ).run(m.model, calibration: calibLines, search: searchLines, pairs: pairs)
      return .handle(CompressionHandle(result, manifest: result.manifest))
    }
  }
}

extension BuiltinFamily {
  static var allocationPointBuiltin: Builtin {
    Builtin(
      "allocation_point",
      Signature([.required("allocation", .handle("compression result")), .required("ranks", .any)]),
      abstract:
        "[fraction of dense, summed layer error] of other ranks on a global allocation's curves",
      discussion: """
        Places any choice of ranks on the same axes as a global allocation's front
        (a.allocation.front): ranks is a compression result (its .ranks are read) or a record
        of layer name → rank or nil. Each layer's error is read off the allocation's
        interpolated curve at that rank (0 when dense), and the cost is counted as the
        allocation counts it (params or flops, as a fraction of dense). For FLAR's
        threshold-and-rescale result c at the same budget, plot(a.allocation.front,
        [allocation_point(a, c)], points=true) shows how far from the front it lies. A
        latency allocation is refused: its costs need the predictor's shapes.
        """,
      examples: ["allocation_point(a, compress(m, target=0.5))"]
    ) { args, _ in
      guard case .handle(let h) = args["allocation"], let a = h as? CompressionHandle,
        let report = a.result.allocation, report.method == .global
      else { throw args.bad("allocation", "a result of allocate() or allocation=\"global\"") }
      var ranks: [String: Int?] = [:]
      switch args["ranks"] {
      case .handle(let other as CompressionHandle):
        for l in other.result.layers { ranks[l.name] = .some(l.rank) }
      case .record(let box):
        for key in box.keys {
          switch box[key] {
          case .number(let k)? where k == k.rounded() && k >= 1 && k < 1e9: ranks[key] = Int(k)
          case .null?: ranks[key] = .some(nil)
          default: throw args.bad("ranks", "a record of layer name → rank or nil")
          }
        }
      default:
        throw args.bad("ranks", "a compression result or a record of layer name → rank or nil")
      }
      guard let p = report.evaluate(ranks: ranks) else {
        throw args.bad("allocation", "a params or flops allocation (latency costs need shapes)")
      }
      return .list([.number(p.fraction), .number(p.error)])
    }
  }
}

extension CompressionHandle {
  /// `.allocation`: the asvd or global allocation's curves, choice and
  /// totals (nil for the uniform and flar allocations).
  var allocationRecord: Value {
    guard let a = result.allocation else { return .null }
    func number(_ x: Double?) -> Value { x.map(Value.number) ?? .null }
    var fields: [(String, Value)] = [
      ("method", .string(a.method.rawValue)), ("measure", .string(a.measure.rawValue)),
      ("budget", .number(a.budget)), ("dense_cost", .number(a.denseCost)),
      ("minimum_cost", .number(a.minimumCost)),
      ("predicted_error", .number(a.predictedError)),
      ("predicted_cost", .number(a.predictedCost)),
      ("measured_error", number(a.measuredError)),
      ("dual_bound", number(a.dualBound)),
      ("gap", number(a.dualBound.map { a.predictedError - $0 })),
      ("lagrangian_error", number(a.lagrangianError)), ("unit", number(a.unit)),
      ("evals", .number(Double(a.evaluations))), ("forward_passes", .number(a.forwardPasses)),
      ("front", .list(a.front.map { .list([.number($0.fraction), .number($0.error)]) })),
      (
        "point",
        .list([.number(a.fraction(ofCost: a.predictedCost)), .number(a.predictedError)])
      ),
      (
        "layers",
        .list(
          a.layers.map { l in
            .record([
              ("name", .string(l.name)),
              (
                "curve",
                .list(l.measured.map { .list([.number(Double($0.rank)), .number($0.value)]) })
              ),
              ("rank", l.rank.map { .number(Double($0)) } ?? .null),
              ("error", .number(l.error)), ("cost", .number(l.cost)),
              ("dense_cost", .number(l.denseCost)),
              ("slower_than_dense", .list(l.slowerThanDense.map { .number(Double($0)) })),
            ])
          })
      ),
    ]
    if a.method == .asvd {
      fields.append(("cut", number(a.cut.map(Double.init))))
      fields.append(
        (
          "sensitivity",
          .list(
            a.sensitivity.map { e in
              .record([
                ("layer", .string(e.layer)), ("ratio", .number(e.ratio)),
                ("rank", .number(Double(e.rank))), ("value", .number(e.value)),
              ])
            })
        ))
    }
    return .record(fields)
  }

  /// The summary line of an asvd or global allocation.
  var allocationSummary: String? {
    guard let a = result.allocation else { return nil }
    var line =
      "  allocation \(a.method.rawValue) (\(a.measure.rawValue)): cost \(show(a.predictedCost)) of budget \(show(a.budget)) (dense \(show(a.denseCost))), summed layer errors \(show(a.predictedError))"
    if let e = a.measuredError { line += ", whole-model error \(show(e))" }
    if let d = a.dualBound { line += ", Lagrangian gap \(show(a.predictedError - d))" }
    line += "; \(a.evaluations) evaluations"
    return line
  }
}
