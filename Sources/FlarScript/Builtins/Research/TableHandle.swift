import FlarCore

/// A table as a language value: FlarCore's `Table`, printed aligned.
///
/// Tables come from `layers(model)`, `latency_dataset(…)` and `table(rows)`.
/// A table reads like a dictionary of its rows keyed by the first column,
/// which is what a researcher iterating over layers wants:
///
///     for name in layers(m) do print(name, layers(m)[name].rank) end
///
/// - `t["name"]` is the row whose first cell is `name`, as a record;
///   `t[i]` is row `i` (0-based, negative from the end).
/// - `t.columns` lists the column names, `t.rows` the rows as records, and
///   `t.<column>` a column's values (a list), when no other field has that
///   name.
/// - Shown, it prints the first and last rows and how many are left out;
///   `show(t)` prints every row.
public final class TableHandle: Handle {
  /// The table.
  public let table: Table

  /// Rows shown at each end by `summary` when a table is long.
  static let summaryEdgeRows = 8

  /// Wraps `table`.
  public init(_ table: Table) { self.table = table }

  public var typeName: String { "table" }

  /// The table aligned, eliding the middle rows of a long one.
  public var summary: String {
    let edge = Self.summaryEdgeRows
    guard table.rows.count > 2 * edge + 2 else { return rendered(table) }
    var shortened = table
    let hidden = table.rows.count - 2 * edge
    if let cut = try? Table(
      columns: table.columns,
      rows: Array(table.rows.prefix(edge)) + Array(table.rows.suffix(edge)),
      footer: table.footer, title: table.title,
      notes: table.notes
        + [
          "… \(hidden) of \(table.rows.count) rows not shown between row \(edge - 1) and row \(table.rows.count - edge); show(_) prints them all"
        ],
      manifest: table.manifest)
    {
      shortened = cut
    }
    return rendered(shortened)
  }

  /// Every row, aligned to the output's width (what `show` prints).
  public var fullText: String { rendered(table) }

  /// On an interactive terminal the table is fitted to its width; written
  /// to a file or pipe it keeps every character (a log is read later, and
  /// layer names cut in the middle cannot be searched for).
  private func rendered(_ t: Table) -> String {
    t.rendered(width: DisplaySettings.fitsTerminal ? TerminalSize.columns() : nil)
  }

  public var fieldNames: [String] {
    ["columns", "rows", "title"]
      + table.columns.map(\.name).filter { !["columns", "rows", "title"].contains($0) }
  }

  public func field(named name: String) -> Value? {
    switch name {
    case "columns": return .list(table.columns.map { .string($0.name) })
    case "rows": return .list(table.rows.indices.map(record))
    case "title": return table.title.map(Value.string) ?? .null
    default:
      return table.column(named: name).map { .list($0.map(Self.value)) }
    }
  }

  /// The first column's cells as text: the names `for name in t` visits.
  public var elementKeys: [String] {
    table.rows.map { Self.keyText($0[0]) }
  }

  public func element(at key: Value) throws -> Value? {
    switch key {
    case .string(let name):
      return table.rows.firstIndex { Self.keyText($0[0]) == name }.map(record)
    case .number(let x) where x == x.rounded():
      let count = table.rows.count
      let i = Int(x) < 0 ? Int(x) + count : Int(x)
      guard i >= 0, i < count else {
        throw BuiltinError.rowIndexOutOfRange(Int(x), count: count)
      }
      return record(i)
    default:
      throw BuiltinError.badArgument(
        .position(1), expected: "a row name (first column) or a row index",
        got: ValueFormatter.culprit(key))
    }
  }

  /// Row `i` as a record keyed by column name.
  func record(_ i: Int) -> Value {
    .record(
      zip(table.columns, table.rows[i]).map { ($0.name, Self.value($1)) })
  }

  /// A cell as a language value: text → string, number → number, empty → nil.
  static func value(_ cell: TableCell) -> Value {
    switch cell {
    case .text(let s): return .string(s)
    case .number(let x): return .number(x)
    case .empty: return .null
    }
  }

  /// A cell as the text of a key: numbers as the language prints them.
  static func keyText(_ cell: TableCell) -> String {
    switch cell {
    case .text(let s): return s
    case .number(let x): return show(x)
    case .empty: return ""
    }
  }
}

extension TableHandle {
  /// A table built from a list of records, one row each.
  ///
  /// The columns are the keys in the order they first appear; a record
  /// without a key gets an empty cell there. Numbers stay numbers, strings
  /// text, nil empty; anything else is written as the REPL shows it.
  ///
  /// - Throws: `BuiltinError.notARecord` naming the first element that is
  ///   not a record; `BuiltinError.noColumns` when there is no column at all.
  static func fromRecords(_ elements: [Value]) throws -> Table {
    var names: [String] = []
    var records: [RecordBox] = []
    for (i, element) in elements.enumerated() {
      guard case .record(let box) = element else {
        throw BuiltinError.notARecord(element: i, culprit: ValueFormatter.culprit(element))
      }
      for key in box.keys where !names.contains(key) { names.append(key) }
      records.append(box)
    }
    guard !names.isEmpty else {
      throw BuiltinError.noColumns
    }
    let rows = records.map { box in
      names.map { name in box[name].map(cell) ?? .empty }
    }
    return try Table(columnNames: names, rows: rows)
  }

  /// A language value as a table cell.
  static func cell(_ value: Value) -> TableCell {
    switch value {
    case .number(let x): return .number(x)
    case .string(let s): return .text(s)
    case .null: return .empty
    default: return .text(ValueFormatter.repr(value))
    }
  }

  /// The table a value stands for: a table handle, or a list of records.
  static func table(from value: Value) throws -> Table? {
    switch value {
    case .handle(let h as TableHandle): return h.table
    case .list(let box): return try fromRecords(box.elements)
    default: return nil
    }
  }
}

extension BuiltinFamily {
  static var showBuiltin: Builtin {
    Builtin(
      "show",
      Signature([.required("x", .any), .optional("layer", .string, default: .null)]),
      abstract: "print the one-screen summary of a value; every row of a table",
      discussion: """
        A handle (model, statistics, svd, latency predictor, …) prints its summary followed by
        the fields it has; a table prints aligned, all its rows, with its title and notes (the
        REPL shows only the first and last rows of a long one); any other value prints as the
        REPL shows it. show(c, layer) of a compress result explains that layer's rank: tau,
        every rank the bisection evaluated with its value, the rank before and after the
        parameter-target correction, the latency decision. Returns nil, so show(x) at the
        prompt prints once.
        """,
      examples: [
        "show(p)", "show(latency_dataset(n=20))",
        "show(c, \"encoder.layer.0.intermediate.dense\")",
      ]
    ) { args, context in
      if !args.isNil("layer") {
        guard case .handle(let c as CompressionHandle) = args["x"] else {
          throw args.bad("x", "a compress result (show(x, layer) explains a layer's rank)")
        }
        context.write(try c.explanation(of: try args.string("layer")) + "\n")
        return .null
      }
      switch args["x"] {
      case .handle(let t as TableHandle):
        context.write(t.fullText + "\n")
      case .handle(let m as ModelHandle):
        // A model shows its layer table, as IPython users expect of print(model).
        context.write(m.summary + "\n" + TableHandle(try layersTable(m.model)).fullText + "\n")
      case .handle(let c as CompressionHandle):
        context.write(c.summary + "\n" + TableHandle(try compressionTable(c)).fullText + "\n")
      case .handle(let h):
        var text = h.summary
        if !h.fieldNames.isEmpty {
          text += "\n  fields: " + h.fieldNames.joined(separator: ", ")
        }
        context.write(text + "\n")
      case let value:
        context.write(ValueFormatter.repr(value) + "\n")
      }
      return .null
    }
  }

  static var exportBuiltin: Builtin {
    Builtin(
      "export",
      Signature([.required("table", .any), .required("path", .string)]),
      abstract: "write a table to .csv, .json or .md, chosen by the path's extension",
      discussion: """
        table is a table (layers(m), latency_dataset(…), table(rows)) or a list of records, one
        per row. CSV and JSON keep every number's shortest round-trip text; Markdown uses the
        table's display formats and keeps its title and notes. A table with a manifest also
        gets path.manifest.json beside a CSV (JSON and Markdown hold it inline). Each file is
        written atomically (temporary file, then rename); "wrote PATH" is printed for each.
        Returns nil.
        """,
      examples: ["export(layers(m), \"out/layers.csv\")", "export(rows, \"out/latency.md\")"]
    ) { args, context in
      guard let table = try TableHandle.table(from: args["table"]) else {
        throw args.bad("table", "a table or a list of records")
      }
      // A TableError reaches the interpreter as it is: "export: <its description>".
      let written = try FlarCore.export(table, to: try args.string("path"))
      for path in written { context.write("wrote \(path)\n") }
      return .null
    }
  }

  static var tableBuiltin: Builtin {
    Builtin(
      "table", Signature([.required("rows", .any)]),
      abstract: "a table from a list of records, one row each",
      discussion: """
        Columns are the record keys in the order they first appear; a record without a key
        leaves that cell empty. Numbers stay numbers (right-aligned), strings are text, nil
        is empty, anything else is written as the REPL shows it. t["name"] is the row whose
        first cell is "name", t[i] row i, t.columns the names, t.rows the records and t.rank
        the values of column "rank"; for name in t do … end visits the first column.
        """,
      examples: [
        "t = table([{layer: \"q\", rank: 96}, {layer: \"k\", rank: 80}])",
        "export(t, \"out/ranks.md\")",
      ]
    ) { args, _ in
      guard case .list(let box) = args["rows"] else {
        if case .handle(let t as TableHandle) = args["rows"] { return .handle(t) }
        throw args.bad("rows", "a list of records")
      }
      return .handle(TableHandle(try TableHandle.fromRecords(box.elements)))
    }
  }
}
