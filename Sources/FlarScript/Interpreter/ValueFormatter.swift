import FlarLinAlg

/// Turns values into text: `repr` for the REPL and nesting, `display` for `print`.
///
/// Matrices print NumPy-like, with shape and dtype and the middle elided:
///
///     array([[1, 2, 3],
///            [4, 5, 6]], shape=(2, 3), float64)
///
/// More than 8 rows (columns) show the first and last 3 around `...`.
public enum ValueFormatter {
  /// Rows or columns beyond which the middle is elided.
  static let elisionThreshold = 8
  /// Rows or columns kept at each end when eliding.
  static let edgeItems = 3
  /// Nesting depth beyond which containers print as `[...]` (self-reference guard).
  static let maximumDepth = 16

  /// The text the REPL shows for a value: strings quoted.
  public static func repr(_ value: Value) -> String { repr(value, depth: 0) }

  /// The text `print` writes: strings raw, everything else as `repr`.
  public static func display(_ value: Value) -> String {
    if case .string(let s) = value { return s }
    return repr(value)
  }

  /// A short form for messages: `"lw2"`, `3.5`, `a 3x4 matrix`, `a list of 2`.
  public static func culprit(_ value: Value) -> String {
    switch value {
    case .string(let s):
      return quote(s.count > 40 ? String(s.prefix(37)) + "..." : s)
    case .number(let x): return NumberFormat.repr(x)
    case .bool(let b): return b ? "true" : "false"
    case .null: return "nil"
    case .matrix(let m): return "a \(m.rows)x\(m.columns) matrix"
    case .list(let box): return "a list of \(box.elements.count)"
    default: return value.typeNameWithArticle
    }
  }

  /// The type of a value for operator messages: `a string`, `a 2x2 matrix`.
  public static func typeDescription(_ value: Value) -> String {
    if case .matrix(let m) = value { return "a \(m.rows)x\(m.columns) matrix" }
    return value.typeNameWithArticle
  }

  /// `"text"` with `\n \t \" \\` escaped.
  public static func quote(_ s: String) -> String {
    var out = "\""
    for c in s {
      switch c {
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      default: out.append(c)
      }
    }
    return out + "\""
  }

  private static func repr(_ value: Value, depth: Int) -> String {
    switch value {
    case .number(let x): return NumberFormat.repr(x)
    case .string(let s): return quote(s)
    case .bool(let b): return b ? "true" : "false"
    case .null: return "nil"
    case .list(let box):
      if depth >= maximumDepth { return "[...]" }
      return "["
        + box.elements.map { repr($0, depth: depth + 1) }.joined(
          separator: ", ") + "]"
    case .record(let box):
      if depth >= maximumDepth { return "{...}" }
      let entries = box.entries.map {
        "\(recordKey($0.key)): \(repr($0.value, depth: depth + 1))"
      }
      return "{" + entries.joined(separator: ", ") + "}"
    case .range(let r):
      let bounds = "\(NumberFormat.repr(r.start)):\(NumberFormat.repr(r.end))"
      return r.step == 1 ? bounds : bounds + ":\(NumberFormat.repr(r.step))"
    case .matrix(let m): return matrix(m)
    case .function(.user(let f)):
      let parameters = f.declaration.parameters.map { $0.name }.joined(
        separator: ", ")
      return "<function \(f.declaration.name)(\(parameters))>"
    case .function(.builtin(let b)): return "<builtin \(b.synopsis)>"
    case .handle(let h): return h.summary
    }
  }

  /// A record key bare when it is a name, quoted otherwise.
  private static func recordKey(_ key: String) -> String {
    let isName =
      key.first.map { $0.isLetter || $0 == "_" } == true
      && key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    return isName ? key : quote(key)
  }

  /// The NumPy-like rendering of a matrix.
  public static func matrix(_ m: Matrix<Double>) -> String {
    let suffix = "shape=(\(m.rows), \(m.columns)), float64)"
    guard m.count > 0 else { return "array([], " + suffix }
    let rowIndices = shownIndices(m.rows)
    let columnIndices = shownIndices(m.columns)
    // The format is chosen from the shown elements only: a 384 x 1536
    // weight prints as fast as a 6 x 6 one.
    let shown = rowIndices.compactMap { $0 }.flatMap { i in
      columnIndices.compactMap { $0 }.map { m[i, $0] }
    }
    let format = NumberFormat.elementFormatter(for: shown)
    var cells: [[String]] = []
    for i in rowIndices {
      guard let i else {
        cells.append([])
        continue
      }
      cells.append(
        columnIndices.map { j in
          j.map { format(m[i, $0]) } ?? "..."
        })
    }
    let width =
      cells.flatMap { $0 }.filter { $0 != "..." }.map(\.count).max() ?? 1
    var lines: [String] = []
    var rowCells = cells.makeIterator()
    for (position, i) in rowIndices.enumerated() {
      let row = rowCells.next()!
      let prefix = position == 0 ? "array([" : "       "
      let isLast = position == rowIndices.count - 1
      guard i != nil else {
        lines.append(prefix + "...,")
        continue
      }
      let body = row.map { $0 == "..." ? "..." : pad($0, width) }.joined(
        separator: ", ")
      lines.append(prefix + "[" + body + "]" + (isLast ? "]" : ","))
    }
    return lines.joined(separator: "\n") + ", " + suffix
  }

  /// The indices shown along one axis; nil marks the elided middle.
  private static func shownIndices(_ count: Int) -> [Int?] {
    guard count > elisionThreshold else { return Array(0..<count) }
    return Array(0..<edgeItems) + [nil] + Array((count - edgeItems)..<count)
  }

  private static func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
  }
}
