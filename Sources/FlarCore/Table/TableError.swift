/// Why a table cannot be built or exported, with the row, column or path.
public enum TableError: Error, Equatable, CustomStringConvertible {
  /// A table needs at least one column.
  case noColumns
  /// Two columns have the same name, which JSON objects cannot hold.
  case duplicateColumn(name: String)
  /// Row `row` (0-based) has `cells` cells for `columns` columns.
  case rowWidthMismatch(row: Int, cells: Int, columns: Int)
  /// The footer has `cells` cells for `columns` columns.
  case footerWidthMismatch(cells: Int, columns: Int)
  /// `export` does not know the file's extension.
  case unknownExtension(path: String, extension: String)

  public var description: String {
    switch self {
    case .noColumns:
      return "a table needs at least one column"
    case .duplicateColumn(let name):
      return "column \"\(name)\" appears twice; column names must be distinct"
    case .rowWidthMismatch(let row, let cells, let columns):
      return
        "row \(row) has \(cells) cells but the table has \(columns) columns"
    case .footerWidthMismatch(let cells, let columns):
      return "footer has \(cells) cells but the table has \(columns) columns"
    case .unknownExtension(let path, let ext):
      let found = ext.isEmpty ? "no extension" : "unknown extension \".\(ext)\""
      return
        "cannot export table to \"\(path)\": \(found) (expected .csv, .json or .md)"
    }
  }
}
