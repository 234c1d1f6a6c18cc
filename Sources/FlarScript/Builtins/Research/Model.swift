import FlarCore
import FlarLinAlg
import FlarModels
import Foundation

/// The model family: loading and saving, text, a model's layers and
/// matrices, hooks, embeddings, replacement and evaluation.
extension BuiltinFamily {
  /// The model family.
  public static var model: BuiltinFamily {
    BuiltinFamily(
      name: "model",
      builtins: [
        text, weight, bias, rankBuiltin, params, flops, hook, embed, replace, evaluate,
        calibError, modelLatency, layersBuiltin,
      ])
  }

  /// The model handle argument `name`.
  static func modelArgument(_ args: Arguments, _ name: String = "model") throws -> ModelHandle {
    try args.handle(name, as: ModelHandle.self, expected: "a model from load()")
  }

  /// A layer name of `model`, with a suggestion when it is unknown.
  static func layerArgument(_ args: Arguments, _ model: EncoderModel, _ name: String = "layer")
    throws -> String
  {
    let layer = try args.string(name)
    guard model.linearLayerNames.contains(layer) else {
      throw BuiltinError.badArgument(
        .named(name), expected: "a linear layer name", got: "\"\(layer)\"",
        suggestion: Suggestion.closest(to: layer, among: model.linearLayerNames))
    }
    return layer
  }

  static var text: Builtin {
    Builtin(
      "text",
      Signature([.required("path", .string)], options: [.optional("limit", .any, default: .null)]),
      abstract: "the non-empty lines of a text file, as a list of strings",
      examples: ["calib = text(\"data/calib.txt\", limit=256)"]
    ) { args, _ in
      let path = try args.string("path")
      let lines = try readLines(path)
      if args.isNil("limit") { return .list(lines.map(Value.string)) }
      let limit = try args.integer("limit", minimum: 0)
      return .list(lines.prefix(limit).map(Value.string))
    }
  }

  static var weight: Builtin {
    Builtin(
      "weight", Signature([.required("model", .handle("model")), .required("layer", .string)]),
      abstract: "a linear layer's weight W (out x in); L R for a low-rank layer",
      examples: ["W = weight(m, \"encoder.layer.0.intermediate.dense\")"]
    ) { args, _ in
      let m = try modelArgument(args)
      let layer = try layerArgument(args, m.model)
      return .matrix(try m.model.linear(layer).denseWeight().converted())
    }
  }

  static var bias: Builtin {
    Builtin(
      "bias", Signature([.required("model", .handle("model")), .required("layer", .string)]),
      abstract: "a linear layer's bias, as a row vector",
      examples: ["b = bias(m, \"encoder.layer.0.output.dense\")"]
    ) { args, _ in
      let m = try modelArgument(args)
      let layer = try layerArgument(args, m.model)
      return .matrix(.row(try m.model.linear(layer).bias.map(Double.init)))
    }
  }

  static var rankBuiltin: Builtin {
    Builtin(
      "rank", Signature([.required("model", .handle("model")), .required("layer", .string)]),
      abstract: "a layer's rank k when it is low-rank, nil when it is dense",
      examples: ["rank(m2, \"encoder.layer.0.intermediate.dense\")"]
    ) { args, _ in
      let m = try modelArgument(args)
      let layer = try layerArgument(args, m.model)
      // Written without `map … ??`: that form crashed the 6.3.1 optimiser
      // (CopyPropagation) in release builds.
      let linear = try m.model.linear(layer)
      guard let k = linear.rank else { return .null }
      return .number(Double(k))
    }
  }

  static var params: Builtin {
    Builtin(
      "params", Signature([.required("model", .handle("model"))]),
      abstract: "the parameters of the whole model (embeddings, blocks, pooler)",
      discussion: "m.linear_params counts only the compressible linear layers.",
      examples: ["params(m)", "params(m2) / params(m)"]
    ) { args, _ in .number(Double(try modelArgument(args).model.parameterCount)) }
  }

  static var flops: Builtin {
    Builtin(
      "flops", Signature([.required("model", .handle("model"))]),
      abstract: "FLOPs per token of the linear layers (a multiply-add counts 2)",
      discussion: "Attention scores, softmax, LayerNorm and GELU are not counted.",
      examples: ["flops(m2) / flops(m)"]
    ) { args, _ in .number(Double(try modelArgument(args).model.flopsPerToken)) }
  }

  static var hook: Builtin {
    Builtin(
      "hook",
      Signature(
        [.required("model", .handle("model")), .required("sentences", .list)],
        options: [
          .optional("layers", .string, default: .string("*")),
          .optional("maxlen", .integer, default: .number(128)),
          .optional("batch", .integer, default: .number(32)),
          .optional("per_batch", .any, default: .null),
        ]),
      abstract: "run the model over sentences and stream each matched layer's input statistics",
      discussion: """
        Returns statistics indexed by layer name (st["encoder.layer.0.attention.self.query"]).
        Only real tokens count (padding never enters). Query, key and value read one input and
        share one accumulator. Memory is one n x n float64 Gram per distinct input plus one
        batch, whatever the number of sentences. per_batch="lw" (or "oas", "reference", a
        number) also keeps each batch's shrunk matrix for shrink(…, per_batch=true).
        """,
      examples: [
        "st = hook(m, calib, layers=\"*.intermediate.dense\", maxlen=128)",
        "H = cov(st[\"encoder.layer.0.intermediate.dense\"])",
      ]
    ) { args, context in
      let m = try modelArgument(args)
      let sentences = try args.strings("sentences")
      let pattern = try args.string("layers")
      let perBatch: PerBatchShrinkage?
      switch args["per_batch"] {
      case .null: perBatch = nil
      case .number(let l): perBatch = PerBatchShrinkage(method: .fixed(l))
      case .string("lw"): perBatch = PerBatchShrinkage(method: .ledoitWolf)
      case .string("oas"): perBatch = PerBatchShrinkage(method: .oas)
      case .string("reference"): perBatch = PerBatchShrinkage(method: .reference)
      default: throw args.bad("per_batch", "\"lw\", \"oas\", \"reference\" or a number")
      }
      let layers = try m.model.layerNames(matching: pattern)
      let bytes = try CalibrationStatistics.gramBytes(m.model, layers: layers)
      if context.showProgress {
        context.write(
          "hook: \(layers.count) layers, \(sentences.count) sentences; statistics need \(formatBytes(bytes)) of float64 Gram matrices\n"
        )
      }
      let stats = try m.model.calibrate(
        sentences, layers: pattern, maxLength: try args.integer("maxlen", minimum: 2),
        batchSize: try args.integer("batch", minimum: 1), perBatch: perBatch,
        progress: context.progress(), cancellation: context.cancellation)
      return .handle(StatisticsHandle(stats))
    }
  }

  static var embed: Builtin {
    Builtin(
      "embed",
      Signature(
        [.required("model", .handle("model")), .required("sentences", .list)],
        options: [
          .optional("maxlen", .integer, default: .number(128)),
          .optional("batch", .integer, default: .number(32)),
          .optional("precision", .choice(["float32", "float64"]), default: .string("float32")),
        ]),
      abstract: "sentence embeddings: the model's pooling over real tokens (mean, then L2 norm)",
      discussion: """
        One row per sentence, as sentence-transformers computes them: the pooling of the model
        directory's 1_Pooling/config.json (mean, CLS, max or mean/sqrt(length); mean without it)
        and L2 normalisation when modules.json lists Normalize (both real models: mean + L2).
        precision="float64" runs the whole forward pass in double precision on a Double copy of
        the weights (exact: they are float32 values): the numbers a float64 reference (NumPy,
        PyTorch .double()) computes from the same model, to about 1e-11 instead of float32's
        1e-7, for checking other implementations. It holds a second, double-size copy of the
        model while it runs and is slower; the default "float32" is the model's own precision.
        """,
      examples: [
        "E = embed(m, [\"a dog\", \"a cat\"])", "E[0, :] @ E[1, :].T",
        "E64 = embed(m, [\"a dog\"], precision=\"float64\")",
      ]
    ) { args, context in
      let m = try modelArgument(args)
      let sentences = try args.strings("sentences")
      let maxLength = try args.integer("maxlen", minimum: 2)
      let batchSize = try args.integer("batch", minimum: 1)
      if try args.string("precision") == "float64" {
        return .matrix(
          try m.model.embedInFloat64(
            sentences, maxLength: maxLength, batchSize: batchSize,
            cancellation: context.cancellation))
      }
      let e = try m.model.embed(
        sentences, maxLength: maxLength, batchSize: batchSize,
        cancellation: context.cancellation)
      return .matrix(e.converted())
    }
  }

  static var replace: Builtin {
    Builtin(
      "replace",
      Signature(
        [.required("model", .handle("model")), .required("layer", .string)],
        options: [
          .optional("rank", .any, default: .null), .optional("whiten", .any, default: .null),
          .optional("method", .choice(["svd"]), default: .string("svd")),
          .optional("factors", .any, default: .null),
        ]),
      abstract: "a new model with one layer replaced by a rank-k pair; the original is unchanged",
      discussion: """
        replace(m, layer, rank=k) uses the plain SVD of W; with whiten=S (a Cholesky factor) the
        whitened SVD of W S, un-whitened by a triangular solve. replace(m, layer, factors=F)
        takes F.L (out x k) and F.R (k x in) as given. The layer then computes L (R x) + b with
        two GEMMs; the bias is kept.
        """,
      examples: [
        "m2 = replace(m, \"encoder.layer.0.intermediate.dense\", rank=64, whiten=S)",
        "m3 = replace(m, layer, factors=factors(f, 32))",
      ]
    ) { args, _ in
      let m = try modelArgument(args)
      let layer = try layerArgument(args, m.model)
      if case .record(let box) = args["factors"] {
        guard let l = box["L"].flatMap(MatrixConversion.matrix(from:)),
          let r = box["R"].flatMap(MatrixConversion.matrix(from:))
        else { throw args.bad("factors", "a record {L, R} of matrices") }
        return .handle(
          ModelHandle(try m.model.replacing(layer, l: l.converted(), r: r.converted()), path: nil))
      }
      guard !args.isNil("rank") else {
        throw BuiltinError.replaceNeedsRankOrFactors
      }
      let k = try args.integer("rank", minimum: 1)
      let w = try m.model.linear(layer).denseWeight()
      let d: LowRankDecomposition
      if args.isNil("whiten") {
        d = try plainSVD(weight: w, layer: layer)
      } else if case .handle(let h) = args["whiten"], let s = h as? FactorHandle {
        d = try whitenedSVD(weight: w, whitening: s.whitening, layer: layer)
      } else {
        throw args.bad("whiten", "a Cholesky factor from chol()")
      }
      guard k <= d.maxRank else { throw args.bad("rank", "a rank in 1…\(d.maxRank)") }
      let f = try d.factors(rank: k)
      return .handle(
        ModelHandle(
          try m.model.replacing(layer, l: f.left.converted(), r: f.right.converted()), path: nil))
    }
  }

  static var evaluate: Builtin {
    Builtin(
      "evaluate",
      Signature(
        [.required("model", .handle("model"))],
        options: [
          .optional("reference", .any, default: .null),
          .optional("pairs", .string, default: .string("data/eval_pairs.tsv")),
          .optional("maxlen", .integer, default: .number(128)),
        ]),
      abstract: "retrieval quality on gloss/example pairs, cosines to a reference, size",
      discussion: """
        For each example sentence, is its own gloss the nearest by cosine among all glosses?
        Returns {top1, recall10, mrr, mean_cos, min_cos, params, flops, gflops}; mean_cos and
        min_cos compare the glosses' embeddings with the reference model's (nil without one);
        flops is per token of the linear layers, gflops the mean per evaluation sentence with
        attention included.
        """,
      examples: ["evaluate(m2, reference=m)"]
    ) { args, context in
      let m = try modelArgument(args)
      var reference: EncoderModel? = nil
      if !args.isNil("reference") { reference = try modelArgument(args, "reference").model }
      let path = try args.string("pairs")
      let pairs = try RetrievalPairs.load(path)
      let maxLength = try args.integer("maxlen", minimum: 2)
      // The reference's gloss embeddings are the same for every variant
      // compared with it: computed once per (reference, pairs, maxlen).
      var referenceEmbeddings: Matrix<Float>? = nil
      if case .handle(let h) = args["reference"], let handle = h as? ModelHandle {
        let cache = context.referenceEmbeddings
        if let e = cache.embeddings(
          of: handle, pairs: path, maxLength: maxLength, count: pairs.glosses.count)
        {
          referenceEmbeddings = e
        } else {
          let e = try handle.model.embed(
            pairs.glosses, maxLength: maxLength, batchSize: 32,
            cancellation: context.cancellation)
          cache.store(e, of: handle, pairs: path, maxLength: maxLength)
          referenceEmbeddings = e
        }
      }
      let r = try m.model.evaluateRetrieval(
        pairs, reference: reference, referenceGlossEmbeddings: referenceEmbeddings,
        maxLength: maxLength, cancellation: context.cancellation)
      return .record([
        ("top1", .number(r.top1)), ("recall10", .number(r.recall10)), ("mrr", .number(r.mrr)),
        ("mean_cos", r.meanCosine.map(Value.number) ?? .null),
        ("min_cos", r.minCosine.map(Value.number) ?? .null),
        ("params", .number(Double(m.model.parameterCount))),
        ("flops", .number(Double(m.model.flopsPerToken))),
        ("gflops", .number(r.flopsPerSentence / 1e9)),
      ])
    }
  }
}

extension BuiltinFamily {
  static var calibError: Builtin {
    Builtin(
      "calib_error",
      Signature([
        .required("model", .handle("model")), .required("reference", .handle("model")),
        .required("stats", .handle("statistics")),
      ]),
      abstract: "each hooked layer's calibration output error ‖(W − Ŵ) X‖² / ‖W X‖², as a record",
      discussion: """
        Computed in closed form from the statistics: tr(ΔW H ΔWᵀ) / tr(W H Wᵀ) with H the
        uncentred second moment. This is the objective the whitened methods minimise.
        """,
      examples: ["e = calib_error(r.model, m, st)"]
    ) { args, _ in
      let m = try modelArgument(args)
      let reference = try modelArgument(args, "reference")
      let stats = try args.handle(
        "stats", as: StatisticsHandle.self, expected: "statistics from hook()")
      let errors = try m.model.calibrationOutputErrors(
        reference: reference.model, statistics: stats.statistics)
      return .record(errors.map { ($0.layer, .number($0.error)) })
    }
  }

  static var modelLatency: Builtin {
    Builtin(
      "model_latency",
      Signature(
        [.required("model", .handle("model")), .required("sentences", .list)],
        options: [
          .optional("runs", .integer, default: .number(5)),
          .optional("batch", .integer, default: .number(32)),
          .optional("maxlen", .integer, default: .number(128)),
        ]),
      abstract: "wall time of the model's forward pass over sentences: {ms, min_ms, max_ms, runs}",
      discussion: """
        Tokenised once; one warm-up pass, then runs timed passes (embeddings of every sentence,
        batch at a time); ms is the median. Compare a compressed model with its original in the
        same session, on the same sentences: the machine's load moves both. As embed does, it
        runs each batch's sentences in groups, one per OpenBLAS thread, each group on a thread
        of its own.
        """,
      examples: ["model_latency(r.model, text(\"data/eval.txt\", limit=64))"]
    ) { args, context in
      let m = try modelArgument(args)
      let cancel = context.cancellation
      let times = try m.model.forwardTimes(
        try args.strings("sentences"), runs: try args.integer("runs", minimum: 1),
        maxLength: try args.integer("maxlen", minimum: 2),
        batchSize: try args.integer("batch", minimum: 1),
        shouldStop: { cancel.isCancelled }
      ).sorted()
      return .record([
        ("ms", .number(times[times.count / 2] * 1000)), ("min_ms", .number(times.first! * 1000)),
        ("max_ms", .number(times.last! * 1000)), ("runs", .number(Double(times.count))),
      ])
    }
  }
}

/// The reference gloss embeddings `evaluate` computed last in a session.
///
/// Each interpreter owns one (`BuiltinContext.referenceEmbeddings`), so the
/// entry ends with its session. It holds the model handle weakly and
/// compares it by identity: the cache never keeps a reference model alive
/// (a process-wide cache holding it strongly kept the last reference model
/// until the process ended), and a handle freed and a new one at the same
/// address can never be mistaken for it, since a weak reference to a freed
/// object reads nil.
final class ReferenceEmbeddingCache {
  private struct Entry {
    weak var model: ModelHandle?
    let pairs: String
    let maxLength: Int
    let embeddings: Matrix<Float>
  }

  private var entry: Entry?

  /// The embeddings stored for `model`, `pairs` and `maxLength`, when they
  /// are there and have `count` rows; nil otherwise.
  func embeddings(of model: ModelHandle, pairs: String, maxLength: Int, count: Int)
    -> Matrix<Float>?
  {
    guard let entry, entry.model === model, entry.pairs == pairs,
      entry.maxLength == maxLength, entry.embeddings.rows == count
    else { return nil }
    return entry.embeddings
  }

  /// Keeps `embeddings` for `model`, in place of the entry before.
  func store(_ embeddings: Matrix<Float>, of model: ModelHandle, pairs: String, maxLength: Int) {
    entry = Entry(model: model, pairs: pairs, maxLength: maxLength, embeddings: embeddings)
  }
}

/// The non-empty lines of a text file.
func readLines(_ path: String) throws -> [String] {
  let bytes = try AtomicFile.read(path)
  guard let text = String(validating: bytes, as: UTF8.self) else {
    // Decoding with replacement would feed U+FFFD to the tokenizer unseen.
    let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    let bad = (lines.firstIndex { String(validating: $0, as: UTF8.self) == nil } ?? 0) + 1
    throw FileError.cannotRead(
      path: path, reason: "not UTF-8 text (line \(bad) has an invalid byte)")
  }
  return textLines(text)
    .map(String.init)
    .filter { !$0.allSatisfy(\.isWhitespace) }
}

/// `1.2 MiB`-style sizes.
func formatBytes(_ n: Int) -> String {
  if n >= 1 << 30 { return show((Double(n) / Double(1 << 30) * 10).rounded() / 10) + " GiB" }
  if n >= 1 << 20 { return show((Double(n) / Double(1 << 20) * 10).rounded() / 10) + " MiB" }
  return show((Double(n) / 1024 * 10).rounded() / 10) + " KiB"
}
