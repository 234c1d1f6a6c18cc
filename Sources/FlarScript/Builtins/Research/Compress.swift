import FlarCore
import FlarLinAlg
import FlarModels
import Foundation

extension BuiltinFamily {
  static var compressBuiltin: Builtin {
    Builtin(
      "compress",
      Signature(
        [.required("model", .handle("model"))],
        options: [
          .optional(
            "method", .choice(["flar", "svd", "asvd", "fwsvd", "svd_llm"]), default: .string("flar")
          ),
          .optional("target", .any, default: .number(0.5)),
          .optional("by", .choice(["params", "flops", "latency"]), default: .string("params")),
          .optional(
            "allocation", .choice(AllocationMethod.allCases.map(\.rawValue)), default: .null),
          .optional("points", .integer, default: .number(6)),
          .optional("calib", .any, default: .null), .optional("search", .any, default: .null),
          .optional("layers", .string, default: .string("*")),
          .optional(
            "shrink", .choiceOrNumber(["lw", "oas", "reference", "none"]), default: .string("lw")),
          .optional("per_batch", .bool, default: .bool(false)),
          .optional("center", .bool, default: .bool(false)),
          .optional("criterion", .string, default: .string("feat_mse_dense")),
          .optional("tol", .any, default: .null), .optional("step", .integer, default: .number(8)),
          .optional("dense", .choice(["keep", "rescale"]), default: .string("keep")),
          .optional("early_exit", .bool, default: .bool(true)),
          .optional("certify", .bool, default: .bool(true)),
          .optional("progressive", .bool, default: .bool(false)),
          .optional("alpha", .number, default: .number(0.5)),
          .optional("scale", .choice(["mean", "max"]), default: .string("mean")),
          .optional("blockwise", .bool, default: .bool(false)),
          .optional("latency", .any, default: .null),
          .optional("maxlen", .integer, default: .number(128)),
          .optional("batch", .integer, default: .number(32)),
          .optional("full_rerun", .bool, default: .bool(false)),
          .optional("ranks", .any, default: .null),
          .optional("pairs", .any, default: .null),
        ]),
      abstract:
        "compress every matched linear layer with one method; .model, .ranks, .lambdas, .tau, .timings",
      discussion: """
        Methods: "svd" (plain truncated SVD, same ratio per layer), "asvd" (channels scaled by
        (mean|x|)^alpha, scale="max" for max|x|), "fwsvd" (channels scaled by sqrt of the
        Fisher information, see below), "svd_llm" (whitening with the unshrunk second
        moment, uniform ratio; blockwise=true collects each block's statistics from the partly
        compressed model), "flar" (shrink= "lw" | "oas" | "reference" | a number; whitening;
        threshold tau = e / L from the model compressed uniformly to the target; bisection per
        layer on criterion= ("feat_mse_dense", the default: end-feature error over the dense
        model's mean square, with early_exit=true stopping failing candidates as soon as they
        fail, same ranks; certify=true, the default, probing where the whitened error predicts
        each layer's rank and certifying it, same ranks on a monotone criterion, fewer
        evaluations — see help(bisect); "feat_mse": over the compressed model's, the reference code's;
        "whitened_err", "weight_cos" in closed form; see help(bisect)) with tol= overriding
        tau (tau from the model with every layer at floor(target · k_eq)); ratio
        correction that meets the target to one rank step per layer, layers the search left
        dense staying dense (dense="rescale" rescales them with the others, flar's behaviour
        before it followed the reference); with latency=a predictor, layers the predictor says would not
        get faster try smaller ranks, then stay dense; progressive=true keeps decided blocks
        compressed while later ones are searched). target= is the fraction of the matched
        layers' parameters (by="params") or of the encoder's FLOPs per token incl. attention
        (by="flops"); ranks=r.ranks instead factorises at exactly those ranks (to compare
        methods at equal ranks). allocation= chooses the ranks independently of the
        factorisation (default "flar" for method flar, "uniform" for the others): "uniform"
        (every layer at the same fraction of its equivalent rank, corrected to the target),
        "flar" (the threshold and bisection above, any method), "asvd" (ASVD's sensitivity
        search: each layer alone at 0.4, 0.5, …, 0.9 of its equivalent rank, scored by the
        end-feature criterion on the search set — the reference scores with the task loss on
        labelled data, which an embedding model does not have apart from the evaluation pairs,
        and scoring on those would overstate the result; the end-feature error is also what
        flar's search uses, so the two allocations differ only in how they allocate — the
        (layer, ratio, error) list sorted least sensitive first, and the shortest prefix whose
        ranks meet the target), "global" (see help(allocate): error curves measured at
        points= ranks per layer, then the least summed error within the budget; by="latency"
        makes the target a fraction of the compressed layers' summed dense time as the
        latency= predictor estimates it). calib= the calibration sentences (default the first 256 lines of
        data/calib.txt), search= the search set (default its last 64 lines). The result prints
        the parameters kept of the compressed layers and of the whole model, and carries a
        manifest (method, options, data and model checksums, flar's version).

        fwsvd (Fisher-weighted SVD, Hsu et al. 2022): input channel j of each layer is scaled
        by s_j = sqrt(F_j), F_j the mean over batches of the mean over output rows of the
        squared gradient dL/dW_ij; the SVD of W diag(s) is truncated and the scaling undone.
        The loss L is the model's own training objective: the symmetric in-batch
        multiple-negatives ranking loss, (CE(S) + CE(S^T)) / 2 with S_ij = 20 cos(a_i, b_j) and
        target j = i, between a query made of a calibration synset's lemma names ("inertness,
        inactivity") and that synset's definition. pairs= gives the pairs: a path to a
        "query<TAB>definition" file (all its lines), or a list of such strings (e.g.
        text("data/calib_pairs.tsv", limit=256)); by default the first len(calib) lines of
        data/calib_pairs.tsv, which are the synsets of the first lines of data/calib.txt. The
        evaluation pairs (data/eval_pairs.tsv) are never used: their synsets are disjoint from
        the calibration ones, and compressing on the data that measures the result would
        overstate it. batch= is the number of pairs per batch (default 32: 64 sentences per
        forward and backward pass). Channels with no gradient are clamped to 1e-6 of the
        layer's largest scale. It needs the dense model (gradients of dense weights).
        """,
      examples: [
        "r = compress(m, method=\"flar\", target=0.5, calib=text(\"data/calib.txt\", limit=256))",
        "evaluate(r.model, reference=m)",
        "f = compress(m, method=\"fwsvd\", target=0.5, pairs=text(\"data/calib_pairs.tsv\", limit=256))",
        "bar(r.ranks)",
      ]
    ) { args, context in
      let m = try modelArgument(args)
      var options = CompressionOptions()
      options.method = CompressionMethod(rawValue: try args.string("method"))!
      options.target = args.isNil("target") ? nil : try args.number("target")
      let by = try args.string("by")
      options.measure = by == "flops" ? .flops : .params
      options.latencyBudget = by == "latency"
      if !args.isNil("allocation") {
        options.allocation = AllocationMethod(rawValue: try args.string("allocation"))!
      }
      options.curvePoints = try args.integer("points", minimum: 2)
      options.layers = try args.string("layers")
      switch args["shrink"] {
      case .number(let l): options.shrinkage = .fixed(l)
      case .string("oas"): options.shrinkage = .oas
      case .string("reference"): options.shrinkage = .reference
      case .string("none"): options.shrinkage = .none
      default: options.shrinkage = .ledoitWolf
      }
      options.perBatch = try args.bool("per_batch")
      options.centering = try args.bool("center") ? .centered : .uncentered
      options.criterion = try criterionArgument(args)
      options.tolerance = args.isNil("tol") ? nil : try args.number("tol")
      options.step = try args.integer("step", minimum: 1)
      options.denseLayers = DenseLayerHandling(rawValue: try args.string("dense"))!
      options.earlyExit = try args.bool("early_exit")
      options.certify = try args.bool("certify")
      options.progressive = try args.bool("progressive")
      options.alpha = try args.number("alpha")
      options.asvdUsesMax = try args.string("scale") == "max"
      options.blockwise = try args.bool("blockwise")
      options.maxLength = try args.integer("maxlen", minimum: 2)
      options.batchSize = try args.integer("batch", minimum: 1)
      options.suffixEvaluation = !(try args.bool("full_rerun"))
      if case .record(let box) = args["ranks"] {
        var fixed: [String: Int?] = [:]
        for key in box.keys {
          switch box[key] {
          case .number(let k)?: fixed[key] = Int(k)
          case .null?: fixed[key] = .some(nil)
          default: throw args.bad("ranks", "a record of layer name → rank or nil")
          }
        }
        options.fixedRanks = fixed
        options.target = nil
      } else if !args.isNil("ranks") {
        throw args.bad("ranks", "a record of layer name → rank or nil (e.g. r.ranks)")
      }
      if !args.isNil("latency") {
        guard case .handle(let h) = args["latency"], let p = h as? PredictorHandle else {
          throw args.bad("latency", "a latency predictor from load() or train_latency()")
        }
        options.latency = p.predictor
      }
      let calibLines = try sentences(
        args, "calib", default: { Array(try readLines("data/calib.txt").prefix(256)) })
      let searchLines = try sentences(args, "search", default: defaultSearchSentences)
      let pairs =
        options.method == .fwsvd ? try calibrationPairs(args, count: calibLines.count) : nil
      let result = try Compressor(
        options: options, progress: context.progress(), cancellation: context.cancellation
      ).run(m.model, calibration: calibLines, search: searchLines, pairs: pairs)
      return .handle(CompressionHandle(result, manifest: result.manifest, original: m.model))
    }
  }

  /// fwsvd's calibration pairs from `pairs=`: a path, a list of
  /// "query<TAB>definition" strings, or (nil) the first `count` lines of
  /// data/calib_pairs.tsv.
  static func calibrationPairs(_ args: Arguments, count: Int) throws -> CalibrationPairs {
    switch args["pairs"] {
    case .null:
      return try CalibrationPairs.load("data/calib_pairs.tsv", limit: count)
    case .string(let path):
      return try CalibrationPairs.load(path)
    default:
      let lines = try args.strings("pairs")
      do {
        return try CalibrationPairs(lines: lines, source: "pairs")
      } catch FisherError.malformedPair(_, let line, let detail) {
        throw BuiltinError.badArgument(
          .named("pairs"), expected: "\"query<TAB>definition\" strings",
          got: "item \(line - 1) with \(detail)")
      } catch FisherError.noPairs {
        throw args.bad("pairs", "a non-empty list of \"query<TAB>definition\" strings")
      }
    }
  }

  /// A list of sentences from argument `name`, or the default.
  static func sentences(
    _ args: Arguments, _ name: String, default make: () throws -> [String]
  ) throws -> [String] {
    args.isNil(name) ? try make() : try args.strings(name)
  }
}
