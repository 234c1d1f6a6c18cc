import FlarCore
import FlarLinAlg
import FlarModels
import Foundation

// `heal`: distillation fine-tuning of a compressed model at the prompt, and
// the handle of its result.

extension BuiltinFamily {
  static var healBuiltin: Builtin {
    Builtin(
      "heal",
      Signature(
        [.required("model", .any), .optional("calib", .any, default: .null)],
        options: [
          .optional("steps", .any, default: .null),
          .optional("epochs", .number, default: .number(1)),
          .optional("lr", .number, default: .number(3e-4)),
          .optional("batch", .integer, default: .number(32)),
          .optional("loss", .choice(HealingLoss.allCases.map(\.rawValue)), default: .string("cos")),
          .optional("train", .any, default: .string("LR")),
          .optional("teacher", .any, default: .null),
          .optional("seed", .integer, default: .number(0)),
          .optional("schedule", .choice(["cosine", "linear"]), default: .string("cosine")),
          .optional("warmup", .number, default: .number(0.05)),
          .optional("weight_decay", .number, default: .number(0)),
          .optional("maxlen", .integer, default: .number(128)),
          .optional("held_out", .integer, default: .number(256)),
          .optional("eval_every", .any, default: .null),
          .optional("pairs", .any, default: .null),
        ]),
      abstract:
        "fine-tune a compressed model's low-rank factors to match its dense teacher; .model, .loss, .manifest",
      discussion: """
        heal(c, calib) trains the compressed model of c (a compression result, or a model)
        with AdamW so that it matches the teacher: by default the model c was compressed
        from (teacher= any dense model of the same family and width). The original and c
        are never changed: the result holds a new model. loss= "cos" (1 - cosine between the
        student's and the teacher's sentence embeddings, mean pooled and normalised as the
        model's pipeline does; the default), "mse" (mean squared error of the last hidden
        states of real tokens) or "contrastive" (the model's own symmetric in-batch ranking
        loss on the query/definition pairs of pairs=, default data/calib_pairs.tsv; no
        teacher). train= which tensors move: "LR" (the low-rank factors, default), plus
        "bias" (the linear biases of the blocks), "norm" (the blocks' LayerNorms) or
        "dense" (the weights of layers left dense), as a list or joined with commas
        ("LR,bias"). calib= the training sentences (default all of data/calib.txt; a path or a
        list); evaluation files (data/eval*) are refused. held_out= items of it (default 256,
        picked by seed=) are never trained on: their loss, measured every eval_every= steps
        (default a sixteenth of the run), picks the state returned as .model (step 0, the
        model given, included). epochs= passes over the rest (default 1) or steps= exactly;
        batch= sentences per step (pairs for "contrastive"); lr= the peak rate (default
        3e-4) of a warm-up (warmup= fraction of the steps, 0.05) then schedule= "cosine" or
        "linear" decay; weight_decay= AdamW's decoupled decay (default 0). The teacher's
        embeddings are computed once before the first step (its hidden states once per batch
        for "mse"). The progress line shows step, loss and steps per second. Ctrl-C stops
        after the current step and returns the best state so far (during the teacher's pass,
        before the first step, it stops heal with "cancelled"); a non-finite loss, or one
        above 10 times the first step's, stops the run with a message and returns the last
        good state (.last) and the best one (.model). The same seed gives the same result.
        """,
      examples: [
        "c = compress(m, method=\"flar\", target=0.5)",
        "h = heal(c, text(\"data/calib.txt\"), epochs=1)",
        "evaluate(h.model, reference=m)", "plot(h.loss)", "save(h, \"out/minilm-healed\")",
      ]
    ) { args, context in
      let (student, original) = try healStudent(args)
      var options = HealOptions()
      if !args.isNil("steps") { options.steps = try args.integer("steps", minimum: 1) }
      options.epochs = try args.number("epochs")
      guard options.epochs > 0, options.epochs.isFinite else {
        throw args.bad("epochs", "a positive number")
      }
      options.learningRate = try args.number("lr")
      guard options.learningRate > 0, options.learningRate.isFinite else {
        throw args.bad("lr", "a positive learning rate")
      }
      options.batchSize = try args.integer("batch", minimum: 1)
      options.loss = HealingLoss(rawValue: try args.string("loss"))!
      options.parameters = try trainArgument(args)
      options.seed = UInt64(try args.integer("seed", minimum: 0))
      options.schedule = LearningRateSchedule.Shape(rawValue: try args.string("schedule"))!
      options.warmup = try args.number("warmup")
      guard (0..<1).contains(options.warmup) else {
        throw args.bad("warmup", "a fraction of the steps in [0, 1)")
      }
      options.weightDecay = try args.number("weight_decay")
      guard options.weightDecay >= 0, options.weightDecay.isFinite else {
        throw args.bad("weight_decay", "a non-negative number")
      }
      options.maxLength = try args.integer("maxlen", minimum: 2)
      options.heldOut = try args.integer("held_out", minimum: 1)
      if !args.isNil("eval_every") {
        options.evaluateEvery = try args.integer("eval_every", minimum: 1)
      }
      var teacher = original
      if !args.isNil("teacher") {
        teacher = try args.handle("teacher", as: ModelHandle.self, expected: "a model").model
      }
      if teacher == nil, options.loss != .contrastive {
        throw args.bad(
          "teacher", "the dense model to match (needed when model= is not a compression result)")
      }
      let sentences = options.loss == .contrastive ? [] : try calibrationSentences(args)
      let pairs =
        options.loss == .contrastive ? try calibrationPairs(args, count: Int.max) : nil
      let result = try Healer(
        options: options, progress: context.progress(), cancellation: context.cancellation
      ).run(student: student, teacher: teacher, sentences: sentences, pairs: pairs)
      if case .diverged = result.stop {
        context.write("heal \(result.stop); .last is the state before that step\n")
      }
      let manifest = healManifest(
        options, result: result, student: student, teacher: teacher, sentences: sentences,
        pairs: pairs)
      return .handle(HealHandle(result, options: options, manifest: manifest, teacher: teacher))
    }
  }

  /// The student (and the model it came from) of `model=`.
  static func healStudent(_ args: Arguments) throws -> (EncoderModel, EncoderModel?) {
    switch args["model"] {
    case .handle(let c as CompressionHandle): return (c.result.model, c.original)
    case .handle(let h as HealHandle): return (h.result.model, h.teacher)
    case .handle(let m as ModelHandle): return (m.model, nil)
    default: throw args.bad("model", "a compression result, a healed result or a model")
    }
  }

  /// `train=`: "LR", "bias", "norm", "dense", as a list or joined by commas.
  static func trainArgument(_ args: Arguments) throws -> TrainableParameters {
    let names: [String]
    if case .string(let s) = args["train"] {
      names = s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    } else {
      names = try args.strings("train")
    }
    var p = TrainableParameters()
    let known: [String: TrainableParameters] = [
      "LR": .lowRank, "bias": .bias, "norm": .norm, "dense": .dense,
    ]
    for n in names {
      guard let one = known[n] else {
        throw BuiltinError.badArgument(
          .named("train"), expected: "\"LR\", \"bias\", \"norm\" or \"dense\"", got: "\"\(n)\"",
          suggestion: Suggestion.closest(to: n, among: Array(known.keys)))
      }
      p.insert(one)
    }
    guard !p.isEmpty else { throw args.bad("train", "at least one of \"LR\", \"bias\", \"norm\"") }
    return p
  }

  /// `calib=`: a list of sentences, a path, or (nil) all of data/calib.txt;
  /// a data/eval* file is refused.
  static func calibrationSentences(_ args: Arguments) throws -> [String] {
    switch args["calib"] {
    case .null: return try readLines("data/calib.txt")
    case .string(let path):
      try refuseEvaluationFile(path, args, "calib")
      return try readLines(path)
    default: return try args.strings("calib")
    }
  }

  static func refuseEvaluationFile(_ path: String, _ args: Arguments, _ name: String) throws {
    let file = path.split(separator: "/").last.map(String.init) ?? path
    if file.hasPrefix("eval") {
      throw args.bad(
        name, "calibration data (the evaluation files measure the healed model, never train it)")
    }
  }

  /// The manifest of a healing run: every option, the data's checksums,
  /// the models, the steps and the time.
  static func healManifest(
    _ options: HealOptions, result: HealResult, student: EncoderModel, teacher: EncoderModel?,
    sentences: [String], pairs: CalibrationPairs?
  ) -> [(String, String)] {
    var out = options.manifestEntries
    if let pairs {
      let lines = zip(pairs.queries, pairs.definitions).map { $0 + "\t" + $1 }
      out.append(("pairs", "\(pairs.count) pairs, sha256 \(digest(lines))"))
    } else {
      out.append(("calibration", "\(sentences.count) sentences, sha256 \(digest(sentences))"))
    }
    out.append(("held_out_items", "\(result.heldOutCount) (trained on \(result.trainingCount))"))
    out.append(("student", modelDescription(student)))
    out.append(
      (
        "teacher",
        options.loss == .contrastive
          ? "none (the contrastive loss has none)" : teacher.map(modelDescription) ?? "none"
      ))
    out.append(("steps_run", "\(result.losses.count) of \(result.plannedSteps)"))
    out.append(("best_step", "\(result.bestStep)"))
    out.append(("stop", result.stop.description))
    out.append(("seconds", "\(result.seconds)"))
    out.append(("flar", flarVersion))
    return out
  }

  private static func digest(_ lines: [String]) -> String {
    SHA256.hex(Array(lines.joined(separator: "\n").utf8))
  }

  private static func modelDescription(_ m: EncoderModel) -> String {
    let lowRank = m.linearLayerNames.filter { (try? m.linear($0).rank) != nil }.count
    return
      "\(m.sourceDirectory ?? "in memory"), \(m.config.family.displayName), \(m.linearParameterCount) linear parameters, \(lowRank) low-rank layers"
  }
}

/// The result of `heal`: the healed model and the record of its training.
public final class HealHandle: Handle {
  public let result: HealResult
  public let options: HealOptions
  public let manifest: [(String, String)]
  /// The teacher it was healed against (the default teacher of a further heal).
  public let teacher: EncoderModel?

  init(
    _ result: HealResult, options: HealOptions, manifest: [(String, String)],
    teacher: EncoderModel?
  ) {
    self.result = result
    self.options = options
    self.manifest = manifest
    self.teacher = teacher
  }

  public var typeName: String { "heal result" }

  public var summary: String {
    let r = result
    let held = r.heldOutLosses
    let best = held.first { $0.step == r.bestStep }?.loss ?? .nan
    let train = manifest.first { $0.0 == "train" }?.1 ?? ""
    var lines = [
      "heal (\(options.loss.rawValue), train \(train)): \(r.losses.count) of \(r.plannedSteps) steps, \(r.stop), \(formatSecondsShort(r.seconds))",
      "  held-out loss \(show(held.first?.loss ?? .nan)) at step 0, best \(show(best)) at step \(r.bestStep) (.model)",
    ]
    if let first = r.losses.first, let last = r.losses.last {
      lines.append(
        "  training loss \(show(first)) at step 1, \(show(last)) at step \(r.losses.count)")
    }
    lines.append(
      "  \(r.trainingCount) training items, \(r.heldOutCount) held out; \(r.trainedParameterCount) values trained"
    )
    lines.append(
      "  fields: model, last, loss, held_out, best_step, steps, stop, seconds, step_seconds, manifest"
    )
    return lines.joined(separator: "\n")
  }

  public var fieldNames: [String] {
    [
      "model", "last", "loss", "held_out", "best_step", "steps", "stop", "seconds", "step_seconds",
      "manifest",
    ]
  }

  public func field(named name: String) -> Value? {
    let r = result
    switch name {
    case "model": return .handle(ModelHandle(r.model, path: nil))
    case "last": return .handle(ModelHandle(r.last, path: nil))
    case "loss": return .matrix(.row(r.losses))
    case "held_out":
      return .list(r.heldOutLosses.map { .list([.number(Double($0.step)), .number($0.loss)]) })
    case "best_step": return .number(Double(r.bestStep))
    case "steps": return .number(Double(r.losses.count))
    case "stop": return .string(r.stop.description)
    case "seconds": return .number(r.seconds)
    case "step_seconds": return .matrix(.row(r.stepSeconds))
    case "manifest": return .record(manifest.map { ($0.0, .string($0.1)) })
    default: return nil
    }
  }
}
