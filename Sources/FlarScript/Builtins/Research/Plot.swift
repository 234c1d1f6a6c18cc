import FlarCore
import FlarLinAlg
import Foundation

/// `plot`, `bar`, `show`, `export`, `table`: looking at numbers without
/// leaving the shell.
///
/// Plots are FlarCore `PlotSpec`s rendered by `TerminalPlot` (braille lines,
/// eighth-block bars) or written by `SVGPlot` when `file=` is given. The
/// binding only turns language values into series; every check on the data
/// (lengths, log scales, NaN) is FlarCore's, so the terminal and the SVG form
/// refuse the same inputs with the same message.
extension BuiltinFamily {
  /// The plot and table family.
  public static var plot: BuiltinFamily {
    BuiltinFamily(
      name: "plot", builtins: [plotBuiltin, barBuiltin, showBuiltin, exportBuiltin, tableBuiltin])
  }

  static var plotBuiltin: Builtin {
    Builtin(
      "plot",
      Signature(
        [.required("y", .any)], variadic: .required("more", .any),
        options: [
          .optional("x", .any, default: .null),
          .optional("log", .any, default: .bool(false)),
          .optional("title", .string, default: .null),
          .optional("labels", .any, default: .null),
          .optional("xlabel", .string, default: .null),
          .optional("ylabel", .string, default: .null),
          .optional("points", .bool, default: .bool(false)),
          .optional("file", .string, default: .null),
          .optional("width", .integer, default: .null),
          .optional("height", .integer, default: .null),
          .optional("hline", .any, default: .null),
        ]),
      abstract: "a line plot of one or more series, in the terminal or as an SVG file",
      discussion: """
        Each positional argument is a series: a vector (1xn or nx1 matrix, list of numbers,
        range) drawn against its index 0, 1, 2, …; a list of [x, y] pairs such as a search's
        r.curve ([[rank, value], …]); or a matrix with several rows and columns, one series per
        column (as matplotlib's plot(A)). x= gives the x values of the series that have none.
        log=true makes the y axis logarithmic ("x", "y" or "xy" pick the axes); values there
        must be positive. labels= names the series in a legend (a string or a list); a legend
        is drawn whenever there are several series. NaN and infinite values are skipped (a line
        breaks there) and counted in a note under the plot. points=true draws unjoined points
        (a scatter: plot(pairs, points=true)); xlabel= and ylabel= label the axes. hline= (a
        number or a list) draws horizontal reference lines across the x range, in the legend
        as "y = value".

        A search's evidence plots directly: plot(r) for a bisect result draws its curve (the
        ranks the bisection evaluated, in rank order) with its tolerance as a horizontal
        line; plot(c, "layer") for a compress result draws that layer's curve with tau.

        In the terminal the plot takes the whole width (the terminal's, else COLUMNS, else 80
        columns; width= overrides) and 20 lines (height=); several series are told apart by
        colour on a terminal that allows it (NO_COLOR is honoured), otherwise by markers.
        With file="spectrum.svg" it writes an SVG of width x height px (640 x 400 by default)
        atomically and prints "wrote spectrum.svg". Returns nil.
        """,
      examples: [
        "plot(f.S, log=true, title=\"singular values\")",
        "plot(r.curve, xlabel=\"rank\", file=\"out/curve.svg\")",
        "plot(c, \"encoder.layer.0.attention.self.query\")  # the curve and tau",
      ]
    ) { args, context in
      var series: [PlotSeries] = []
      var marks: [(value: Double, label: String)] = []
      var axisLabels: (x: String?, y: String?) = (nil, nil)
      var values = [args["y"]] + args.rest
      var used = 0
      if let evidence = try searchEvidence(args) {
        series.append(evidence.curve)
        marks.append(evidence.mark)
        axisLabels = ("rank", evidence.criterion)
        used = evidence.argumentsUsed
        values = Array(values.dropFirst(used))
      }
      for (i, value) in values.enumerated() {
        series += try plotSeries(value, args, position: used + i)
      }
      if !args.isNil("x") {
        let x = try numbers(args, "x", "a vector of x values")
        for i in series.indices where series[i].x == nil { series[i].x = x }
      }
      let labels = try optionalStrings(args, "labels")
      for (i, label) in labels.enumerated() where i < series.count {
        series[i].label = label
      }
      if !args.isNil("hline") {
        marks += try numbers(args, "hline", "a number or a list of numbers").map {
          ($0, "y = \(NumberFormat.shortest($0))")
        }
      }
      series += referenceLines(marks, across: series)
      let (logX, logY) = try logAxes(args)
      let spec = PlotSpec(
        series: series, kind: try args.bool("points") ? .points : .line,
        title: try optionalString(args, "title"),
        xLabel: try optionalString(args, "xlabel") ?? axisLabels.x,
        yLabel: try optionalString(args, "ylabel") ?? axisLabels.y, logX: logX, logY: logY)
      return try draw(spec, args, context, terminalHeight: 20)
    }
  }

  static var barBuiltin: Builtin {
    Builtin(
      "bar",
      Signature(
        [.required("values", .any)],
        options: [
          .optional("labels", .any, default: .null),
          .optional("title", .string, default: .null),
          .optional("xlabel", .string, default: .null),
          .optional("file", .string, default: .null),
          .optional("width", .integer, default: .null),
          .optional("height", .integer, default: .null),
        ]),
      abstract: "a horizontal bar chart of one value per category (a rank or λ per layer)",
      discussion: """
        values is a record of name → number ({query: 96, key: 80}: the names label the bars),
        or a list/vector of numbers labelled by labels= (a list of strings, one per value) or
        else by their index. Bars start at zero; negative values extend left. xlabel= names
        the value axis. In the terminal each bar takes one line, labelled on the left with its
        value at the end; with file= an SVG is written (640 px wide, height= px tall, 400 by
        default) and "wrote FILE" printed. Returns nil.
        """,
      examples: [
        "bar(c.ranks, title=\"rank per layer\")",
        "bar([0.12, 0.3, 0.08], labels=[\"q\", \"k\", \"v\"], file=\"out/lambda.svg\")",
      ]
    ) { args, context in
      var values: [Double]
      var categories: [String]
      if case .record(let box) = args["values"] {
        categories = box.keys
        values = []
        for (key, value) in box.entries {
          guard case .number(let x) = value else {
            throw args.bad(
              "values", "a record of numbers (\"\(key)\" is \(ValueFormatter.culprit(value)))")
          }
          values.append(x)
        }
      } else {
        values = try numbers(args, "values", "a list of numbers or a record of name → number")
        categories = values.indices.map(String.init)
      }
      if !args.isNil("labels") {
        let labels = try optionalStrings(args, "labels")
        guard labels.count == values.count else {
          throw args.bad("labels", "\(values.count) labels, one per value")
        }
        categories = labels
      }
      let spec = PlotSpec.bars(
        values, categories: categories, title: try optionalString(args, "title"),
        valueLabel: try optionalString(args, "xlabel"))
      return try draw(spec, args, context, terminalHeight: 20)
    }
  }

  /// Renders `spec` to the terminal, or writes it to `file=` as SVG.
  private static func draw(
    _ spec: PlotSpec, _ args: Arguments, _ context: BuiltinContext, terminalHeight: Int
  ) throws -> Value {
    let file = try optionalString(args, "file")
    let width = try optionalSize(args, "width")
    let height = try optionalSize(args, "height")
    // A PlotError reaches the interpreter as it is: "plot: <its description>".
    if let file {
      try SVGPlot.write(spec, to: file, width: width ?? 640, height: height ?? 400)
      context.write("wrote \(file)\n")
    } else {
      let text = try TerminalPlot.render(
        spec, width: width ?? PlotOutput.columns(interactive: context.showProgress),
        height: height ?? terminalHeight,
        color: PlotOutput.color(interactive: context.showProgress))
      context.write(text + "\n")
    }
    return .null
  }

  /// The series one positional argument of `plot` stands for.
  private static func plotSeries(_ value: Value, _ args: Arguments, position: Int) throws
    -> [PlotSeries]
  {
    func bad() -> BuiltinError {
      let expected = "a vector, a list of [x, y] pairs or a matrix"
      return position == 0 ? args.bad("y", expected) : args.badRest(position - 1, expected)
    }
    if case .list(let box) = value, let pairs = pairs(box.elements) {
      return [PlotSeries(pairs: pairs)]
    }
    if case .number = value { throw bad() }
    guard let m = MatrixConversion.matrix(from: value) else { throw bad() }
    if m.rows == 1 || m.columns == 1 { return [PlotSeries(y: m.storage)] }
    return (0..<m.columns).map { PlotSeries(y: m.column($0)) }
  }

  /// What `plot(r)` (a bisect result) or `plot(c, "layer")` (a compress
  /// result) draws: the curve the bisection evaluated, sorted by rank, and
  /// the tolerance it was held to; nil when the first argument is neither.
  private static func searchEvidence(_ args: Arguments) throws -> (
    curve: PlotSeries, mark: (value: Double, label: String), criterion: String,
    argumentsUsed: Int
  )? {
    guard case .handle(let handle) = args["y"] else { return nil }
    let label = { (name: String, value: Double) in
      "\(name) = \(NumberFormat.significant(value, digits: 4))"
    }
    if let search = handle as? SearchHandle {
      let curve = search.result.curve.sorted { $0.rank < $1.rank }
      return (
        PlotSeries(
          y: curve.map(\.value), x: curve.map { Double($0.rank) }, label: search.layer),
        (search.tolerance, label("tol", search.tolerance)), search.criterion.rawValue, 1
      )
    }
    guard let compression = handle as? CompressionHandle else { return nil }
    let result = compression.result
    guard let tau = result.tau else {
      throw args.bad(
        "y", "a result with a per-layer search (method \"flar\"); this one has no tau")
    }
    guard case .string(let name)? = args.rest.first else {
      throw BuiltinError.badArgument(
        .position(2), expected: "the name of a layer of the compression result",
        got: args.rest.first.map(ValueFormatter.culprit) ?? "nothing", suggestion: nil)
    }
    guard let layer = result.layers.first(where: { $0.name == name }) else {
      throw BuiltinError.badArgument(
        .position(2), expected: "a layer of this compression result",
        got: ValueFormatter.quote(name),
        suggestion: Suggestion.closest(to: name, among: result.layers.map(\.name)))
    }
    let curve = layer.curve.sorted { $0.rank < $1.rank }
    return (
      PlotSeries(y: curve.map(\.value), x: curve.map { Double($0.rank) }, label: name),
      (tau, label("tau", tau)), result.options.criterion.rawValue, 2
    )
  }

  /// Horizontal lines at `marks`, as two-point series spanning the finite x
  /// range of `series` (0…1 when there is none), so the terminal and the SVG
  /// form draw them like any line and the legend names them.
  private static func referenceLines(
    _ marks: [(value: Double, label: String)], across series: [PlotSeries]
  ) -> [PlotSeries] {
    let xs = series.flatMap { s in s.y.indices.map { s.xValue($0) } }.filter(\.isFinite)
    let (low, high) = (xs.min() ?? 0, xs.max() ?? 1)
    return marks.map { PlotSeries(y: [$0.value, $0.value], x: [low, high], label: $0.label) }
  }

  /// The `[x, y]` pairs of a non-empty list of two-number lists, else nil.
  private static func pairs(_ elements: [Value]) -> [[Double]]? {
    guard !elements.isEmpty else { return nil }
    var out: [[Double]] = []
    for element in elements {
      guard case .list(let inner) = element, inner.elements.count == 2,
        let pair = MatrixConversion.numbers(inner.elements)
      else { return nil }
      out.append(pair)
    }
    return out
  }

  /// `log=`: true is the y axis; "x", "y", "xy" name the axes.
  private static func logAxes(_ args: Arguments) throws(BuiltinError) -> (x: Bool, y: Bool) {
    switch args["log"] {
    case .bool(let b): return (false, b)
    case .string("x"): return (true, false)
    case .string("y"): return (false, true)
    case .string("xy"), .string("yx"): return (true, true)
    default: throw args.bad("log", "true, false, \"x\", \"y\" or \"xy\"")
    }
  }

  /// A vector argument as numbers (a list, a range, a 1xn or nx1 matrix).
  static func numbers(_ args: Arguments, _ name: String, _ expected: String) throws(BuiltinError)
    -> [Double]
  {
    guard case .number = args[name] else {
      guard let m = MatrixConversion.matrix(from: args[name]), m.rows == 1 || m.columns == 1
      else { throw args.bad(name, expected) }
      return m.storage
    }
    throw args.bad(name, expected)
  }

  /// A string argument, or nil when it is nil.
  static func optionalString(_ args: Arguments, _ name: String) throws(BuiltinError) -> String? {
    args.isNil(name) ? nil : try args.string(name)
  }

  /// A string or a list of strings, as a list (empty when nil).
  static func optionalStrings(_ args: Arguments, _ name: String) throws(BuiltinError) -> [String] {
    switch args[name] {
    case .null: return []
    case .string(let s): return [s]
    case .list(let box):
      return try box.elements.map { (element) throws(BuiltinError) -> String in
        guard case .string(let s) = element else {
          throw args.bad(name, "a string or a list of strings")
        }
        return s
      }
    default: throw args.bad(name, "a string or a list of strings")
    }
  }

  /// A positive integer size, or nil when it is nil.
  private static func optionalSize(_ args: Arguments, _ name: String) throws(BuiltinError) -> Int? {
    args.isNil(name) ? nil : try args.integer(name, minimum: 1)
  }
}

/// Where plots and tables are printed: the width to fill and whether colour
/// may be used.
enum PlotOutput {
  /// The columns to fill.
  ///
  /// In an interactive shell (the shell turned progress bars on, so its
  /// output is watched on a terminal) the terminal's own width; otherwise
  /// `COLUMNS`, else 80. Notebooks and tests are thus independent of the
  /// window they happen to run in, which keeps `flar notebook check` stable.
  static func columns(interactive: Bool) -> Int {
    if interactive { return TerminalSize.columns() }
    let text = ProcessInfo.processInfo.environment["COLUMNS"] ?? ""
    if let n = Int(text.trimmingCharacters(in: .whitespaces)), n > 0 { return n }
    return TerminalSize.defaultColumns
  }

  /// ANSI colour only in an interactive shell whose standard output is a
  /// terminal and where `NO_COLOR` is unset (`TerminalSize.colorAllowed`).
  static func color(interactive: Bool) -> Bool {
    interactive && TerminalSize.colorAllowed()
  }
}
