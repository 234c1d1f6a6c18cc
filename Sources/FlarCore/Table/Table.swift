/// One cell of a table: text, a number, or nothing.
public enum TableCell: Sendable, Equatable {
  /// Text, left-aligned in the terminal.
  case text(String)
  /// A number, shown in its column's `NumberFormat`.
  case number(Double)
  /// A missing value: blank in text forms, `null` in JSON.
  case empty
}

extension TableCell: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
  ExpressibleByFloatLiteral, ExpressibleByNilLiteral
{
  /// A string literal is a text cell.
  public init(stringLiteral value: String) { self = .text(value) }
  /// An integer literal is a number cell.
  public init(integerLiteral value: Int) { self = .number(Double(value)) }
  /// A float literal is a number cell.
  public init(floatLiteral value: Double) { self = .number(value) }
  /// `nil` is an empty cell.
  public init(nilLiteral: ()) { self = .empty }
}

/// A column of a table: its name and how its numbers are written.
public struct TableColumn: Sendable, Equatable {
  /// The header text, and the key of the column in JSON.
  public var name: String
  /// The notation of the column's numbers in the terminal and Markdown
  /// forms; CSV and JSON always keep the shortest round-trip text.
  public var format: NumberFormat

  /// Creates a column called `name` whose numbers are shown in `format`.
  public init(_ name: String, format: NumberFormat = .shortest) {
    self.name = name
    self.format = format
  }
}

/// A table as data: named columns, rows of cells, an optional footer of
/// totals, a title, notes and a manifest of how the numbers were made.
///
/// Rendered aligned for the terminal by `description` (numbers right, text
/// left, a rule under the header), and exported to CSV, JSON and Markdown by
/// `export(_:to:)`. Every row has exactly one cell per column; the
/// initialisers and `append` check this, so a `Table` value is always
/// rectangular.
///
///     var t = try Table(columns: [TableColumn("layer"), TableColumn("rank")])
///     try t.append(["encoder.layer.0.attention.self.query", 96])
public struct Table: Sendable, Equatable {
  /// The columns, in display order.
  public private(set) var columns: [TableColumn]
  /// The body rows, each with one cell per column.
  public private(set) var rows: [[TableCell]]
  /// A last row set apart by a rule, such as totals; shown in the terminal
  /// and Markdown forms and left out of CSV and JSON, which hold data only.
  public private(set) var footer: [TableCell]?
  /// A line printed above the table.
  public var title: String?
  /// Lines printed under the table ("ratio counts compressed layers only").
  public var notes: [String]
  /// How the table was made (method, options, seed, checksums, version);
  /// written beside the rows in JSON, after the table in Markdown and to a
  /// sidecar `.manifest.json` next to a CSV file.
  public var manifest: [String: JSONValue]?

  /// Creates a table, checking that every row and the footer have one cell
  /// per column and that column names are distinct (JSON keys need it).
  ///
  /// - Throws: `TableError.noColumns`, `.duplicateColumn`,
  ///   `.rowWidthMismatch` or `.footerWidthMismatch`.
  public init(
    columns: [TableColumn], rows: [[TableCell]] = [],
    footer: [TableCell]? = nil,
    title: String? = nil, notes: [String] = [],
    manifest: [String: JSONValue]? = nil
  ) throws {
    guard !columns.isEmpty else { throw TableError.noColumns }
    var seen = Set<String>()
    for column in columns where !seen.insert(column.name).inserted {
      throw TableError.duplicateColumn(name: column.name)
    }
    self.columns = columns
    self.rows = []
    self.title = title
    self.notes = notes
    self.manifest = manifest
    for row in rows { try append(row) }
    try setFooter(footer)
  }

  /// Creates a table whose columns all use the shortest number notation.
  public init(
    columnNames: [String], rows: [[TableCell]] = [], title: String? = nil
  ) throws {
    try self.init(
      columns: columnNames.map { TableColumn($0) }, rows: rows, title: title)
  }

  /// Appends a row of one cell per column.
  ///
  /// - Throws: `TableError.rowWidthMismatch` naming the row's index.
  public mutating func append(_ row: [TableCell]) throws {
    guard row.count == columns.count else {
      throw TableError.rowWidthMismatch(
        row: rows.count, cells: row.count, columns: columns.count)
    }
    rows.append(row)
  }

  /// Sets (or with `nil` removes) the footer row.
  ///
  /// - Throws: `TableError.footerWidthMismatch`.
  public mutating func setFooter(_ footer: [TableCell]?) throws {
    if let footer, footer.count != columns.count {
      throw TableError.footerWidthMismatch(
        cells: footer.count, columns: columns.count)
    }
    self.footer = footer
  }

  /// The cells of the column called `name`, or nil when there is none.
  public func column(named name: String) -> [TableCell]? {
    guard let c = columns.firstIndex(where: { $0.name == name }) else {
      return nil
    }
    return rows.map { $0[c] }
  }

  /// Whether column `c` holds numbers.
  ///
  /// At least one body cell is a number and none is text. Numeric columns are right-aligned.
  func isNumeric(_ c: Int) -> Bool {
    var sawNumber = false
    for row in rows {
      switch row[c] {
      case .text: return false
      case .number: sawNumber = true
      case .empty: continue
      }
    }
    return sawNumber
  }

  /// The text of `cell` in column `c`'s notation, for terminal and Markdown.
  func formatted(_ cell: TableCell, column c: Int) -> String {
    switch cell {
    case .text(let s): return s
    case .number(let v): return columns[c].format.text(v)
    case .empty: return ""
    }
  }
}
