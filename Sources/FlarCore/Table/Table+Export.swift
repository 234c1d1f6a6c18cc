import FlarLinAlg

/// The file forms of a table: CSV (RFC 4180), JSON and Markdown.
///
/// CSV and JSON are data: they hold the body rows only, and numbers in the
/// shortest text that reads back to the same `Double`, whatever notation a
/// column uses on screen, so that nothing is lost by exporting. Markdown is
/// for reading: it uses the columns' notations and keeps the title, footer,
/// notes and manifest.
extension Table {
  /// The table as CSV (RFC 4180).
  ///
  /// A header line, then one line per row, each ended by CRLF; a field holding `,`, `"`, CR or LF is quoted, with
  /// `"` doubled. Empty cells are empty fields; NaN is `nan` and infinities
  /// `inf`/`-inf`, as pandas reads them.
  public var csv: String {
    var lines = [columns.map { Self.csvField($0.name) }.joined(separator: ",")]
    for row in rows {
      lines.append(
        row.map { Self.csvField(Self.dataText($0)) }.joined(separator: ","))
    }
    return lines.map { $0 + "\r\n" }.joined()
  }

  /// The table as JSON: an array with one object per row, keys in column
  /// order, numbers as JSON numbers (`null` for an empty cell, NaN or an
  /// infinity); with a manifest, `{"manifest": {…}, "rows": […]}`.
  public var json: String {
    let objects = rows.map { row in
      "{"
        + zip(columns, row).map { column, cell in
          JSONValue.quoted(column.name) + ": " + Self.jsonValue(cell).text
        }.joined(separator: ", ") + "}"
    }
    guard let manifest else {
      return "[\n" + objects.map { "  " + $0 }.joined(separator: ",\n")
        + "\n]\n"
    }
    let rowsText =
      objects.isEmpty
      ? "[]"
      : "[\n" + objects.map { "    " + $0 }.joined(separator: ",\n") + "\n  ]"
    return "{\n  \"manifest\": " + JSONValue.object(manifest).lines(indent: 2)
      + ",\n  \"rows\": " + rowsText + "\n}\n"
  }

  /// The table as Markdown: the title in bold, a pipe table (numeric
  /// columns right-aligned, `|` escaped, line breaks as `<br>`), the footer
  /// as a bold last row, the notes, and the manifest in a `json` block.
  public var markdown: String {
    let numeric = columns.indices.map { isNumeric($0) }
    var lines: [String] = []
    if let title { lines += ["**\(Self.markdownCell(title))**", ""] }
    lines.append(Self.markdownRow(columns.map(\.name)))
    lines.append("|" + numeric.map { $0 ? " ---: |" : " --- |" }.joined())
    for row in rows {
      lines.append(
        Self.markdownRow(row.enumerated().map { formatted($1, column: $0) }))
    }
    if let footer {
      lines.append(
        Self.markdownRow(
          footer.enumerated().map { c, cell in
            let text = formatted(cell, column: c)
            return text.isEmpty ? "" : "**\(text)**"
          }))
    }
    if !notes.isEmpty { lines += [""] + notes.map { Self.markdownCell($0) } }
    if let manifest {
      lines += [
        "", "manifest:", "", "```json",
        JSONValue.object(manifest).lines(indent: 0), "```",
      ]
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// A cell's lossless data text: shortest round-trip numbers, `""` if empty.
  static func dataText(_ cell: TableCell) -> String {
    switch cell {
    case .text(let s): return s
    case .number(let v): return NumberFormat.shortest(v)
    case .empty: return ""
    }
  }

  static func jsonValue(_ cell: TableCell) -> JSONValue {
    switch cell {
    case .text(let s): return .string(s)
    case .number(let v): return .number(v)
    case .empty: return .null
    }
  }

  /// `text` as one CSV field, quoted when RFC 4180 §2.6 requires it.
  static func csvField(_ text: String) -> String {
    let special = text.contains {
      $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n"
    }
    guard special else { return text }
    return "\"" + text.replacingAll("\"", with: "\"\"") + "\""
  }

  static func markdownRow(_ cells: [String]) -> String {
    "| " + cells.map(markdownCell).joined(separator: " | ") + " |"
  }

  /// `text` safe inside a pipe-table cell: `|` escaped as `\|`, line breaks
  /// as `<br>`.
  static func markdownCell(_ text: String) -> String {
    var out = ""
    for character in text {
      switch character {
      case "|": out += "\\|"
      case "\r\n", "\n", "\r": out += "<br>"
      default: out.append(character)
      }
    }
    return out
  }
}

extension String {
  /// `self` with every `target` replaced by `replacement` (no Foundation).
  func replacingAll(_ target: Character, with replacement: String) -> String {
    var out = ""
    for character in self {
      if character == target {
        out += replacement
      } else {
        out.append(character)
      }
    }
    return out
  }
}

/// Writes `table` to `path` in the form its extension names: `.csv`,
/// `.json` or `.md` (also `.markdown`), case-insensitively.
///
/// Each file is written atomically (`AtomicFile.write`: temporary file,
/// `fsync`, rename), so a reader never sees half a table. A CSV file cannot
/// hold a manifest, so a table with one also gets a sidecar JSON file,
/// `ranks.manifest.json` beside `ranks.csv`.
///
/// - Returns: the paths written, the table's first.
/// - Throws: `TableError.unknownExtension`, or `FileError.cannotWrite` with
///   the path and the system's reason.
@discardableResult
public func export(_ table: Table, to path: String) throws -> [String] {
  let name =
    path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
  let dot = name.lastIndex(of: ".")
  let ext =
    dot.map { String(name[name.index(after: $0)...]).lowercased() } ?? ""
  let text: String
  switch ext {
  case "csv": text = table.csv
  case "json": text = table.json
  case "md", "markdown": text = table.markdown
  default: throw TableError.unknownExtension(path: path, extension: ext)
  }
  try AtomicFile.write(Array(text.utf8), to: path)
  guard ext == "csv", let manifest = table.manifest else { return [path] }
  let sidecar = String(path.dropLast(ext.count + 1)) + ".manifest.json"
  try AtomicFile.write(
    Array((JSONValue.object(manifest).lines(indent: 0) + "\n").utf8),
    to: sidecar)
  return [path, sidecar]
}
