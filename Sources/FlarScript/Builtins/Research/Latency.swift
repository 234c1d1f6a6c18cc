import FlarCore
import FlarModels

/// `measure_latency`, `latency_dataset`, `train_latency`, `predict_latency`:
/// when does a low-rank pair pay off on this machine?
///
/// The numbers are FlarCore's (`measureLatency`, `LatencyDataset.collect`,
/// `LatencyPredictor`); the bindings convert arguments, poll Ctrl-C between
/// repetitions, draw a progress bar on a terminal and shape the results as
/// records and tables. Every ratio is the recovery ratio of FLAR-SVD,
/// `Y = (t_k − t_1) / (t_dense − t_1)`: below 1 the rank-k pair is faster than
/// the dense layer.
///
/// The layer-shape parameters are called `in` and `out` as in design.md;
/// the parser takes a keyword as an argument name, so both
/// `measure_latency(32, 16, 384, 1536, 64)` and
/// `measure_latency(batch=32, tokens=16, in=384, out=1536, rank=64)` work.
extension BuiltinFamily {
  /// The latency family.
  public static var latency: BuiltinFamily {
    BuiltinFamily(
      name: "latency",
      builtins: [
        measureLatencyBuiltin, latencyDataset, latencyCSV, trainLatency, predictLatency,
      ])
  }

  /// Batch size assumed by `predict_latency(p, model, layer)` unless passed.
  static let defaultBatch = 32
  /// Tokens per sentence assumed by `predict_latency(p, model, layer)`: the
  /// typical length of a calibration gloss.
  static let defaultTokens = 16
  /// The shape parameters, in positional order.
  static let shapeNames = ["batch", "tokens", "in", "out", "rank"]

  static var measureLatencyBuiltin: Builtin {
    Builtin(
      "measure_latency",
      Signature(
        shapeNames.map { .required($0, .integer) },
        options: [.optional("runs", .integer, default: .number(15))]),
      abstract: "time a dense layer against its rank-1 and rank-k pairs on this machine",
      discussion: """
        A layer of in → out features on batch · tokens packed rows, timed as the runtime
        computes it: dense X Wᵀ + b (one GEMM) and low-rank (X Rᵀ) Lᵀ + b (two GEMMs), with
        timeit's protocol (warm-up, autorange loops, runs interleaved repetitions, median).
        Returns a record: dense_ms, rank1_ms, rank_ms (medians per call), ratio =
        (rank_ms − rank1_ms) / (dense_ms − rank1_ms) (below 1: the pair pays off; inf when not
        even rank 1 beats dense), spread (the largest interquartile range over median of the
        three forms), pays_off (0 < ratio < 1) and unstable (a form's slowest run over 4x its
        fastest: the machine was busy). Ctrl-C stops between repetitions. The shape goes by
        position or by name (batch=, tokens=, in=, out=, rank=).
        """,
      examples: [
        "measure_latency(32, 16, 384, 1536, 64)",
        "r = measure_latency(8, 128, 384, 384, 96, runs=25); r.ratio",
      ]
    ) { args, context in
      let shape = try shapeNames.map { (name) throws(BuiltinError) in
        try args.integer(name, minimum: 1)
      }
      let runs = try args.integer("runs", minimum: 1)
      let progress = context.progress()
      progress.begin("latency", total: runs)
      defer { progress.end() }
      var polls = 0
      let m = try cancellable(context) {
        try measureLatency(
          batch: shape[0], tokens: shape[1], in: shape[2], out: shape[3], rank: shape[4],
          runs: runs,
          shouldStop: {
            // Asked once before the warm-up, then before every repetition.
            if polls > 0 { progress.advance(by: 1) }
            polls += 1
            return stopRequested(context)
          })
      }
      let spread =
        [m.dense, m.rank1, m.rankK].map { t in
          let q = t.interquartileRange
          return (q.upper - q.lower) / t.medianMilliseconds
        }.max() ?? 0
      return .record([
        ("dense_ms", .number(m.dense.medianMilliseconds)),
        ("rank1_ms", .number(m.rank1.medianMilliseconds)),
        ("rank_ms", .number(m.rankK.medianMilliseconds)),
        ("ratio", .number(m.ratio)), ("spread", .number(spread)),
        ("pays_off", .bool(m.ratio > 0 && m.ratio < 1)), ("unstable", .bool(m.isUnstable)),
      ])
    }
  }

  static var latencyDataset: Builtin {
    Builtin(
      "latency_dataset",
      Signature(
        [.required("n", .integer)],
        options: [
          .optional("file", .string, default: .null),
          .optional("seed", .integer, default: .number(0)),
          .optional("runs", .integer, default: .number(5)),
        ]),
      abstract: "measure n random layer shapes on this machine; a table, appended to a CSV",
      discussion: """
        Shapes are drawn with a seeded generator (seed=: the same seed draws the same shapes;
        the times differ from run to run) from batches 1…32, token counts 7…32, widths 96·2ᵏ
        and 128·2ᵏ and ranks at 10…100 % of the equal-cost rank, as the FLAR-SVD reference's
        sampler does. Each shape is timed as measure_latency does, with runs=5 repetitions.
        With file= every row is appended to that CSV (the reference's columns Batch_dim, …,
        Lat_recovery) and flushed as soon as it is measured, so Ctrl-C or a crash keeps the
        rows finished; a new file gets the header, an existing one must have it. Returns a
        table with columns batch, tokens, in, out, rank, dense_ms, rank1_ms, rank_ms, ratio,
        which train_latency accepts as it is.
        """,
      examples: [
        "d = latency_dataset(n=400, file=\"models/latency-this-cpu.csv\")",
        "p = train_latency(latency_dataset(n=50))",
      ]
    ) { args, context in
      let n = try args.integer("n", minimum: 1)
      let file = try args.isNil("file") ? nil : args.string("file")
      let seed = UInt64(try args.integer("seed", minimum: 0))
      let runs = try args.integer("runs", minimum: 1)
      let progress = context.progress()
      progress.begin("latency data set", total: n)
      defer { progress.end() }
      let data = try cancellable(context) {
        try LatencyDataset.collect(
          n: n, file: file, seed: seed, runs: runs, shouldStop: { stopRequested(context) },
          progress: { _, _ in progress.advance(by: 1) })
      }
      if data.count < n {
        progress.end()
        let kept = file.map { "; they are in \($0)" } ?? ""
        context.write("stopped after \(data.count) of \(n) rows\(kept)\n")
        try throwCancelled(context)
      }
      return .handle(
        TableHandle(
          try datasetTable(
            data,
            title:
              "latency data set: \(data.count) rows measured on \(LatencyPredictor.hardwareDescription())"
          )))
    }
  }

  static var latencyCSV: Builtin {
    Builtin(
      "latency_csv", Signature([.required("path", .string)]),
      abstract: "the rows of a latency CSV as a table, as latency_dataset returns them",
      discussion: """
        Reads a file in the reference's format (written by latency_dataset, or measured
        elsewhere: a pandas index column and a trailing comma are fine) and returns a table
        with columns batch, tokens, in, out, rank, dense_ms, rank1_ms, rank_ms, ratio, so that
        rows can be looked at, plotted, split (table(d.rows[0:300])) and passed to
        train_latency. A malformed file is an error naming the line and the column.
        """,
      examples: [
        "d = latency_csv(\"models/latency-this-cpu.csv\")",
        "plot(d.rank, d.ratio, points=true)",
      ]
    ) { args, _ in
      let path = try args.string("path")
      let data = try LatencyDataset.load(path)
      return .handle(
        TableHandle(
          try datasetTable(data, title: "latency data set: \(data.count) rows from \(path)")))
    }
  }

  static var trainLatency: Builtin {
    Builtin(
      "train_latency",
      Signature(
        [.required("data", .any)],
        options: [
          .optional("n_trees", .integer, default: .number(100)),
          .optional("max_depth", .integer, default: .null),
          .optional("min_samples_leaf", .integer, default: .number(1)),
          .optional("seed", .integer, default: .number(0)),
          .optional("test_fraction", .number, default: .number(0.2)),
          .optional("hardware", .string, default: .null),
          .optional("file", .string, default: .null),
        ]),
      abstract: "train a latency predictor on a data set or a latency CSV; .r2, .mae held out",
      discussion: """
        data is a table from latency_dataset (or any table or list of records with columns
        batch, tokens, in, out, rank, dense_ms, rank1_ms, rank_ms, ratio) or the path of a
        latency CSV in the reference's format (a pandas index column and a trailing comma are
        fine). Rows whose ratio is not finite are dropped and counted. A seeded test_fraction
        of the rows is held out; a random forest (scikit-learn's RandomForestRegressor
        defaults: n_trees=100, unlimited depth, min_samples_leaf=1, bootstrap) learns the
        ratio from batch, tokens, in, out, rank on the rest, and two power laws the dense and
        rank-1 times. The predictor's .r2 and .mae are those of the ratio on the held-out
        rows. hardware= records where the data was measured (this machine by default: say so
        when training on a CSV from elsewhere). file="p.json" also saves the predictor,
        atomically, and prints "wrote p.json".
        """,
      examples: [
        "p = train_latency(\"models/latency-this-cpu.csv\", file=\"models/latency-this-cpu.json\")",
        "p.r2",
      ]
    ) { args, context in
      let maxDepth = try args.isNil("max_depth") ? nil : args.integer("max_depth", minimum: 1)
      let options = RandomForest.Options(
        treeCount: try args.integer("n_trees", minimum: 1), maxDepth: maxDepth,
        minSamplesLeaf: try args.integer("min_samples_leaf", minimum: 1),
        seed: UInt64(try args.integer("seed", minimum: 0)))
      let fraction = try args.number("test_fraction")
      guard fraction > 0 && fraction <= 0.5 else {
        throw args.bad("test_fraction", "a fraction in (0, 0.5]")
      }
      let data = try dataset(args)
      let hardware =
        try args.isNil("hardware")
        ? LatencyPredictor.hardwareDescription() : args.string("hardware")
      let predictor = try cancellable(context) {
        try LatencyPredictor.train(
          data, options: options, testFraction: fraction, hardware: hardware,
          shouldStop: { stopRequested(context) })
      }
      var path: String?
      if !args.isNil("file") {
        path = try args.string("file")
        try predictor.save(to: path!)
        context.write("wrote \(path!)\n")
      }
      return .handle(PredictorHandle(predictor, path: path))
    }
  }

  static var predictLatency: Builtin {
    Builtin(
      "predict_latency",
      Signature(
        [.required("p", .handle("latency predictor"))],
        variadic: .required("shape", .any),
        options: shapeNames.map { .optional($0, .integer, default: .null) }),
      abstract:
        "the predicted ratio and time of a rank-k pair: {ratio, ms, dense_ms, rank1_ms, pays_off}",
      discussion: """
        Two forms. predict_latency(p, batch, tokens, in, out, rank) gives the shape by
        position or by name (batch=, tokens=, in=, out=, rank=). predict_latency(p, model, layer, rank=k) reads in
        and out from the model's layer and assumes batch=32 sentences of tokens=16 (the
        typical length of a calibration gloss); pass batch= and tokens= for another workload.
        ratio is the forest's estimate of Y = (t_k − t_1) / (t_dense − t_1); dense_ms and
        rank1_ms come from the power-law fits and ms = rank1_ms + ratio · (dense_ms −
        rank1_ms). pays_off is 0 < ratio < 1: the pair is predicted faster than the dense
        layer. A predictor knows only the machine it was trained on (p.hardware).
        """,
      examples: [
        "predict_latency(p, 32, 16, 384, 1536, 64)",
        "predict_latency(p, m, \"encoder.layer.0.intermediate.dense\", rank=r.rank)",
      ]
    ) { args, _ in
      let p = try args.handle("p", as: PredictorHandle.self, expected: "a latency predictor")
      let s = try predictionShape(args)
      let y = try p.predictor.predict(
        batch: s[0], tokens: s[1], in: s[2], out: s[3], rank: s[4])
      return .record([
        ("ratio", .number(y.ratio)), ("ms", .number(y.milliseconds)),
        ("dense_ms", .number(y.denseMilliseconds)), ("rank1_ms", .number(y.rank1Milliseconds)),
        ("pays_off", .bool(y.paysOff)),
      ])
    }
  }
}

// MARK: - Helpers shared by the latency builtins

extension BuiltinFamily {
  /// Batch, tokens, in, out and rank of a `predict_latency` call, either form.
  static func predictionShape(_ args: Arguments) throws -> [Int] {
    var shape = [Int?](repeating: nil, count: 5)
    var positional = [Bool](repeating: false, count: 5)
    if case .handle(let h as ModelHandle)? = args.rest.first {
      guard args.rest.count >= 2, case .string(let layer) = args.rest[1] else {
        throw BuiltinError.modelFormNeedsLayer
      }
      guard args.rest.count <= 3 else {
        throw BuiltinError.tooManyArguments(expected: 4, got: args.rest.count + 1)
      }
      for name in ["in", "out"] where !args.isNil(name) {
        throw BuiltinError.shapeReadFromLayer(parameter: name)
      }
      let linear = try h.model.linear(layer)
      shape = [defaultBatch, defaultTokens, linear.inFeatures, linear.outFeatures, nil]
      if args.rest.count == 3 {
        shape[4] = try restInteger(args, 2)
        positional[4] = true
      }
    } else {
      guard args.rest.count <= 5 else {
        throw BuiltinError.tooManyArguments(expected: 6, got: args.rest.count + 1)
      }
      for i in args.rest.indices {
        shape[i] = try restInteger(args, i)
        positional[i] = true
      }
    }
    for (i, name) in shapeNames.enumerated() where !args.isNil(name) {
      if positional[i] { throw BuiltinError.duplicateArgument(name) }
      shape[i] = try args.integer(name, minimum: 1)
    }
    return try shape.enumerated().map { (i, value) throws(BuiltinError) -> Int in
      guard let value else { throw BuiltinError.missingArgument(shapeNames[i]) }
      return value
    }
  }

  /// The `index`th variadic argument as a positive integer.
  private static func restInteger(_ args: Arguments, _ index: Int) throws(BuiltinError) -> Int {
    guard case .number(let x) = args.rest[index], x == x.rounded(), x >= 1, x < 1e15 else {
      throw args.badRest(index, "a positive integer")
    }
    return Int(x)
  }

  /// The data set `train_latency` was given: a CSV path, a table or records.
  static func dataset(_ args: Arguments) throws -> LatencyDataset {
    if case .string(let path) = args["data"] {
      return try LatencyDataset.load(path)
    }
    guard let table = try TableHandle.table(from: args["data"]) else {
      throw args.bad("data", "a latency table, a list of records or a CSV path")
    }
    return try dataset(from: table)
  }

  /// Column names of a latency table, in `LatencySample` order.
  static let datasetColumns = [
    "batch", "tokens", "in", "out", "rank", "dense_ms", "rank1_ms", "rank_ms", "ratio",
  ]

  /// A data set from a table with `datasetColumns` (any order, extra columns
  /// ignored).
  static func dataset(from table: Table) throws -> LatencyDataset {
    let columns = try datasetColumns.map { name throws -> [TableCell] in
      guard let column = table.column(named: name) else {
        throw BuiltinError.missingColumn(
          name, table: "latency", columns: table.columns.map(\.name))
      }
      return column
    }
    let samples = try table.rows.indices.map { row throws -> LatencySample in
      let x = try columns.enumerated().map { (c, cells) throws -> Double in
        guard case .number(let v) = cells[row] else {
          throw BuiltinError.notANumber(row: row, column: datasetColumns[c], table: "latency")
        }
        return v
      }
      let dims = x[0..<5].map { Int($0) }
      return LatencySample(
        shape: LatencyShape(
          batch: dims[0], tokens: dims[1], inFeatures: dims[2], outFeatures: dims[3],
          rank: dims[4]),
        denseMilliseconds: x[5], rankMilliseconds: x[7], rank1Milliseconds: x[6], ratio: x[8])
    }
    return LatencyDataset(samples: samples)
  }

  /// The table of a data set, times and ratios shown to 3 decimals.
  static func datasetTable(_ data: LatencyDataset, title: String) throws -> Table {
    let columns = datasetColumns.enumerated().map { i, name in
      TableColumn(name, format: i < 5 ? .shortest : .fixed(decimals: 3))
    }
    let rows: [[TableCell]] = data.samples.map { s in
      [s.shape.batch, s.shape.tokens, s.shape.inFeatures, s.shape.outFeatures, s.shape.rank]
        .map { TableCell.number(Double($0)) }
        + [s.denseMilliseconds, s.rank1Milliseconds, s.rankMilliseconds, s.ratio].map(
          TableCell.number)
    }
    return try Table(columns: columns, rows: rows, title: title)
  }

  /// True when Ctrl-C was pressed; reads the flag without clearing it.
  static func stopRequested(_ context: BuiltinContext) -> Bool {
    context.cancellation.isCancelled
  }

  /// Clears the pending Ctrl-C and throws `CancelledError`, so the
  /// interpreter unwinds to the prompt.
  static func throwCancelled(_ context: BuiltinContext) throws -> Never {
    try context.checkCancellation()
    throw CancelledError()
  }

  /// Runs a measurement, turning FlarCore's cancellation (asked through
  /// `stopRequested`) into the interpreter's.
  static func cancellable<T>(_ context: BuiltinContext, _ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch LatencyError.cancelled(_, _) {
      try throwCancelled(context)
    } catch LatencyError.trainingCancelled(_, _) {
      try throwCancelled(context)
    }
  }
}

/// A trained latency predictor (`train_latency`, `load("p.json")`).
///
/// `save(p, "p.json")` writes `predictor` with `LatencyPredictor.save(to:)`.
public final class PredictorHandle: Handle {
  /// The predictor.
  public let predictor: LatencyPredictor
  /// The file it was loaded from or saved to, if any.
  public let path: String?

  /// Wraps `predictor`, remembering `path` when it came from a file.
  public init(_ predictor: LatencyPredictor, path: String? = nil) {
    self.predictor = predictor
    self.path = path
  }

  public var typeName: String { "latency predictor" }

  public var summary: String {
    let m = predictor.metadata
    let o = predictor.forest.options
    let depth = o.maxDepth.map { "depth ≤ \($0)" } ?? "unlimited depth"
    let dropped =
      m.droppedNonFinite == 0 ? "" : " (\(m.droppedNonFinite) dropped: ratio not finite)"
    return [
      "latency predictor\(path.map { " " + $0 } ?? ""): random forest of \(o.treeCount) trees (\(depth), seed \(o.seed)) on \(predictor.featureNames.joined(separator: ", "))",
      "  measured on \(m.hardware); \(m.sampleCount) rows\(dropped), \(m.trainCount) to train, \(m.testCount) held out",
      "  held out: R² \(fixed(m.r2, 3)), MAE \(fixed(m.mae, 3)) of the ratio; pays-off decided right for \(fixed(100 * m.decisionAccuracy, 1)) %",
      "  median relative error of the ms estimates: dense \(fixed(100 * m.denseRelativeError, 1)) %, rank-1 \(fixed(100 * m.rank1RelativeError, 1)) %, rank-k \(fixed(100 * m.rankRelativeError, 1)) %",
      "  predict_latency(p, batch, tokens, in, out, rank) or predict_latency(p, model, layer, rank=k)",
    ].joined(separator: "\n")
  }

  private func fixed(_ x: Double, _ decimals: Int) -> String {
    FlarCore.NumberFormat.fixed(x, decimals: decimals)
  }

  public var fieldNames: [String] {
    [
      "r2", "mae", "hardware", "samples", "dropped", "train", "test", "dense_error",
      "rank1_error", "rank_error", "decision_accuracy", "n_trees", "max_depth",
      "min_samples_leaf", "seed", "version", "path",
    ]
  }

  public func field(named name: String) -> Value? {
    let m = predictor.metadata
    let o = predictor.forest.options
    switch name {
    case "r2": return .number(m.r2)
    case "mae": return .number(m.mae)
    case "hardware": return .string(m.hardware)
    case "samples": return .number(Double(m.sampleCount))
    case "dropped": return .number(Double(m.droppedNonFinite))
    case "train": return .number(Double(m.trainCount))
    case "test": return .number(Double(m.testCount))
    case "dense_error": return .number(m.denseRelativeError)
    case "rank1_error": return .number(m.rank1RelativeError)
    case "rank_error": return .number(m.rankRelativeError)
    case "decision_accuracy": return .number(m.decisionAccuracy)
    case "n_trees": return .number(Double(o.treeCount))
    case "max_depth": return o.maxDepth.map { .number(Double($0)) } ?? .null
    case "min_samples_leaf": return .number(Double(o.minSamplesLeaf))
    case "seed": return .number(Double(o.seed))
    case "version": return .string(m.flarVersion)
    case "path": return path.map(Value.string) ?? .null
    default: return nil
    }
  }
}
