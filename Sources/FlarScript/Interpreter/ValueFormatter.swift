import FlarCore
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
  /// Nesting depth beyond which containers print as `[...]`.
  static let maximumDepth = 16
  /// Containers written into one text at most; the rest print as `[...]`.
  ///
  /// A list that holds one list three times, sixteen levels deep, is
  /// 3¹⁶ ≈ 43 million elements of text: the budget keeps its rendering
  /// bounded, as the depth alone does not.
  static let maximumContainers = 100_000
  /// Lists and records longer than this are summarised at the prompt.
  static let summaryThreshold = 40
  /// Elements shown before and after the hidden middle of a long list.
  static let summaryHead = 10
  static let summaryTail = 5
  /// Significant digits of a number inside a list or record at the prompt.
  public static let readableDigits = 6

  /// How a value is written.
  public struct Style: Sendable {
    /// Significant digits of numbers inside lists and records.
    ///
    /// Nil writes them in full (`shortest`). A number on its own is always
    /// in full, unless `scalarDigits` says otherwise.
    public var nestedDigits: Int?
    /// Significant digits of every number, top level included (`str(x, digits=n)`).
    public var scalarDigits: Int?
    /// Long lists and records show their ends and a count of what is hidden.
    public var summarise: Bool

    /// The prompt's style: nested numbers at 6 digits, long containers summarised.
    public static let prompt = Style(
      nestedDigits: readableDigits, scalarDigits: nil, summarise: true)
    /// `print` and `str`: nested numbers at 6 digits, everything shown.
    public static let printed = Style(
      nestedDigits: readableDigits, scalarDigits: nil, summarise: false)
    /// `repr(x)`: every digit and every element, text that reads back.
    public static let full = Style(nestedDigits: nil, scalarDigits: nil, summarise: false)
  }

  /// The text the REPL shows for a value: strings quoted.
  public static func repr(_ value: Value) -> String { repr(value, style: .prompt) }

  /// The text of a value in `style`, strings quoted.
  public static func repr(_ value: Value, style: Style) -> String {
    var walk = Walk()
    return repr(value, depth: 0, style: style, walk: &walk)
  }

  /// The text `print` writes: strings raw, everything else as `repr`.
  public static func display(_ value: Value) -> String {
    display(value, style: .printed)
  }

  /// The text `print` and `str` write in `style`: strings raw.
  public static func display(_ value: Value, style: Style) -> String {
    if case .string(let s) = value { return s }
    return repr(value, style: style)
  }

  /// A short form for messages: `"lw2"`, `3.5`, `a 3x4 matrix`, `a list of 2`.
  public static func culprit(_ value: Value) -> String {
    switch value {
    case .string(let s):
      return quote(s.count > 40 ? String(s.prefix(37)) + "..." : s)
    case .number(let x): return NumberFormat.shortest(x)
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

  /// What one rendering has seen: the containers being written on the way
  /// down from the top (a container inside itself prints as `[...]`, as in
  /// Python), and how many containers it has written.
  private struct Walk {
    var open = Set<ObjectIdentifier>()
    var containers = 0

    /// Whether `box` may be written here; if so it is open until `close`.
    mutating func enter(_ box: AnyObject, depth: Int) -> Bool {
      guard depth < maximumDepth, containers < maximumContainers,
        open.insert(ObjectIdentifier(box)).inserted
      else { return false }
      containers += 1
      return true
    }

    mutating func close(_ box: AnyObject) { open.remove(ObjectIdentifier(box)) }
  }

  private static func repr(_ value: Value, depth: Int, style: Style, walk: inout Walk) -> String {
    switch value {
    case .number(let x):
      let digits = style.scalarDigits ?? (depth > 0 ? style.nestedDigits : nil)
      return digits.map { NumberFormat.significant(x, digits: $0) }
        ?? NumberFormat.shortest(x)
    case .string(let s): return quote(s)
    case .bool(let b): return b ? "true" : "false"
    case .null: return "nil"
    case .list(let box):
      guard walk.enter(box, depth: depth) else { return "[...]" }
      defer { walk.close(box) }
      let parts = summarised(box.elements, style) {
        repr($0, depth: depth + 1, style: style, walk: &walk)
      }
      return "[" + parts.joined(separator: ", ") + "]"
    case .record(let box):
      guard walk.enter(box, depth: depth) else { return "{...}" }
      defer { walk.close(box) }
      let entries = summarised(box.entries, style) {
        "\(recordKey($0.key)): \(repr($0.value, depth: depth + 1, style: style, walk: &walk))"
      }
      return "{" + entries.joined(separator: ", ") + "}"
    case .range(let r):
      let bounds = "\(NumberFormat.shortest(r.start)):\(NumberFormat.shortest(r.end))"
      return r.step == 1 ? bounds : bounds + ":\(NumberFormat.shortest(r.step))"
    case .matrix(let m): return matrix(m)
    case .function(.user(let f)):
      let parameters = f.declaration.parameters.map { $0.name }.joined(
        separator: ", ")
      return "<function \(f.declaration.name)(\(parameters))>"
    case .function(.builtin(let b)): return "<builtin \(b.synopsis)>"
    case .handle(let h): return h.summary
    }
  }

  /// The texts of a container's elements; a long one at the prompt keeps
  /// its first 10 and last 5 around `… 241 more …`.
  private static func summarised<T>(
    _ elements: [T], _ style: Style, _ text: (T) -> String
  ) -> [String] {
    guard style.summarise, elements.count > summaryThreshold else {
      return elements.map(text)
    }
    let hidden = elements.count - summaryHead - summaryTail
    return elements.prefix(summaryHead).map(text) + ["… \(hidden) more …"]
      + elements.suffix(summaryTail).map(text)
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
