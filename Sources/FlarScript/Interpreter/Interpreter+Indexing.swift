import FlarLinAlg

/// Indexing and slicing: `v[-1]`, `s[0:k]`, `A[i, j]`, `A[:, 0]`, `r["key"]`.
extension Interpreter {
  /// Evaluates the expressions inside `[ ]`.
  func indexSpecs(_ expressions: [Expr], in environment: Environment) throws
    -> [IndexSpec]
  {
    try expressions.map { expression in
      if case .range(let start, let end, let step) = expression.kind {
        let step = try integerPart(step, in: environment) ?? 1
        guard step != 0 else {
          throw RuntimeError(
            .badIndex("slice step must not be zero"), at: expression.range)
        }
        return .slice(
          start: try integerPart(start, in: environment),
          end: try integerPart(end, in: environment),
          step: step, expression.range)
      }
      let value = try evaluate(expression, in: environment)
      switch value {
      case .number(let x) where x == x.rounded() && abs(x) < 1e15:
        return .position(Int(x), expression.range)
      case .string(let key): return .key(key, expression.range)
      case .range(let r)
      where [r.start, r.end, r.step].allSatisfy {
        $0 == $0.rounded() && abs($0) < 1e15
      }:
        return .slice(
          start: Int(r.start), end: Int(r.end), step: Int(r.step),
          expression.range)
      default:
        throw RuntimeError(
          .badIndex(
            "index must be an integer, a slice or a string, got \(ValueFormatter.culprit(value))"
          ),
          at: expression.range)
      }
    }
  }

  /// A slice bound: nil when missing, else an integer.
  private func integerPart(_ expression: Expr?, in environment: Environment)
    throws -> Int?
  {
    guard let expression else { return nil }
    let value = try evaluate(expression, in: environment)
    if case .null = value { return nil }
    guard case .number(let x) = value, x == x.rounded(), abs(x) < 1e15 else {
      throw RuntimeError(
        .badIndex(
          "slice bound must be an integer, got \(ValueFormatter.culprit(value))"
        ),
        at: expression.range)
    }
    return Int(x)
  }

  /// `base[indices]`.
  func index(_ base: Value, _ indices: [IndexSpec], at range: SourceRange)
    throws -> Value
  {
    switch base {
    case .list(let box):
      let one = try single(indices, "a list", at: range)
      let picked = try select(one, count: box.elements.count, type: "list")
      return one.isPosition
        ? box.elements[picked[0]] : .list(picked.map { box.elements[$0] })
    case .string(let s):
      let characters = Array(s)
      let one = try single(indices, "a string", at: range)
      let picked = try select(one, count: characters.count, type: "string")
      return .string(String(picked.map { characters[$0] }))
    case .range(let r):
      let one = try single(indices, "a range", at: range)
      let picked = try select(one, count: r.count, type: "range")
      return one.isPosition
        ? .number(r.element(picked[0]))
        : .list(picked.map { .number(r.element($0)) })
    case .record(let box):
      let one = try single(indices, "a record", at: range)
      guard case .key(let key, let keyRange) = one else {
        throw RuntimeError(
          .badIndex("a record is indexed by a string key"), at: one.range)
      }
      if let value = box[key] { return value }
      throw RuntimeError(
        .unknownKey(
          key, type: "record",
          suggestion: Suggestion.closest(to: key, among: box.keys)),
        at: keyRange)
    case .handle(let handle):
      if handle.matrixValue == nil
        || indices.contains(where: { if case .key = $0 { true } else { false } }
        )
      {
        return try handleElement(handle, indices, at: range)
      }
      return try matrixIndex(handle.matrixValue!, indices, at: range)
    case .matrix(let m):
      return try matrixIndex(m, indices, at: range)
    default:
      throw RuntimeError(
        .badIndex("cannot index \(ValueFormatter.typeDescription(base))"),
        at: range)
    }
  }

  /// The only index of a one-dimensional container.
  func single(_ indices: [IndexSpec], _ type: String, at range: SourceRange)
    throws(RuntimeError) -> IndexSpec
  {
    guard indices.count == 1 else {
      throw RuntimeError(
        .badIndex("\(type) takes one index, got \(indices.count)"), at: range)
    }
    return indices[0]
  }

  /// Positions selected along an axis, or an out-of-range error.
  func select(_ spec: IndexSpec, count: Int, type: String) throws(RuntimeError)
    -> [Int]
  {
    if case .key(let key, let range) = spec {
      throw RuntimeError(
        .badIndex("\(type) is indexed by integers, got \"\(key)\""), at: range)
    }
    guard let positions = spec.positions(count: count) else {
      guard case .position(let i, let range) = spec else { return [] }
      throw RuntimeError(
        .indexOutOfRange(index: i, type: type, length: count), at: range)
    }
    return positions
  }

  /// `A[i]`, `A[i, j]`, `A[a:b, :]`; a vector takes one index over its elements.
  ///
  /// A single position drops its axis as NumPy does: `A[i, j]` is a number,
  /// `A[i]` and `A[i, :]` a `1 x n` row, `A[:, j]` an `m x 1` column.
  func matrixIndex(
    _ m: Matrix<Double>, _ indices: [IndexSpec], at range: SourceRange
  ) throws -> Value {
    let (rows, columns) = try matrixPositions(m, indices, at: range)
    if indices.count == 1, m.rows == 1 || m.columns == 1, indices[0].isPosition {
      return .number(m.storage[m.rows == 1 ? columns[0] : rows[0]])
    }
    if indices.count == 2, indices[0].isPosition, indices[1].isPosition {
      return .number(m[rows[0], columns[0]])
    }
    var storage: [Double] = []
    storage.reserveCapacity(rows.count * columns.count)
    for i in rows { for j in columns { storage.append(m[i, j]) } }
    return .matrix(
      Matrix(rows: rows.count, columns: columns.count, storage: storage))
  }

  /// The row and column positions an index selects in a matrix.
  func matrixPositions(
    _ m: Matrix<Double>, _ indices: [IndexSpec], at range: SourceRange
  ) throws(RuntimeError) -> (rows: [Int], columns: [Int]) {
    switch indices.count {
    case 1 where m.rows == 1 && m.columns != 1:
      return ([0], try select(indices[0], count: m.columns, type: "vector"))
    case 1:
      return (
        try select(
          indices[0], count: m.rows,
          type: m.columns == 1 ? "vector" : "matrix rows"),
        Array(0..<m.columns)
      )
    case 2:
      return (
        try select(indices[0], count: m.rows, type: "matrix rows"),
        try select(indices[1], count: m.columns, type: "matrix columns")
      )
    default:
      throw RuntimeError(
        .badIndex("a matrix takes one or two indices, got \(indices.count)"),
        at: range)
    }
  }

  /// `handle[key]`, such as statistics indexed by layer name.
  private func handleElement(
    _ handle: any Handle, _ indices: [IndexSpec], at range: SourceRange
  ) throws -> Value {
    let one = try single(indices, handle.typeName, at: range)
    let key: Value
    switch one {
    case .key(let k, _): key = .string(k)
    case .position(let i, _): key = .number(Double(i))
    case .slice:
      throw RuntimeError(
        .badIndex("cannot slice \(handle.typeName)"), at: one.range)
    }
    let element: Value?
    do {
      element = try handle.element(at: key)
    } catch {
      throw RuntimeError(.badIndex(String(describing: error)), at: one.range)
    }
    if let element { return element }
    if case .key(let k, _) = one {
      throw RuntimeError(
        .unknownKey(
          k, type: handle.typeName,
          suggestion: Suggestion.closest(to: k, among: handle.elementKeys)),
        at: one.range)
    }
    throw RuntimeError(
      .badIndex(
        "cannot index \(handle.typeName) with \(ValueFormatter.culprit(key))"),
      at: one.range)
  }
}
