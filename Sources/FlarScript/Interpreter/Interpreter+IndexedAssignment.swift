import FlarLinAlg

/// Assignment through `[ ]`: `xs[-1] = 3`, `r["k"] = v`, `A[0:2, :] = 0`.
extension Interpreter {
  /// Stores `value` at `indices` of `base`.
  ///
  /// Lists and records change in place and nil is returned. For a matrix the
  /// changed copy is returned, for the caller to assign back.
  func assignElement(
    _ value: Value, into base: Value, _ indices: [IndexSpec], target: Expr
  ) throws -> Value? {
    switch base {
    case .list(let box):
      let one = try single(indices, "a list", at: target.range)
      let picked = try select(one, count: box.elements.count, type: "list")
      if one.isPosition {
        box.elements[picked[0]] = value
        cycles.noteStore(value, into: box)
        return nil
      }
      guard case .slice(_, _, 1, _) = one, case .list(let replacement) = value
      else {
        throw RuntimeError(
          .immutable(
            "a list slice can only be replaced by a list, with step 1"),
          at: one.range)
      }
      let lower =
        picked.first ?? sliceInsertionPoint(one, count: box.elements.count)
      box.elements.replaceSubrange(
        lower..<(lower + picked.count), with: replacement.elements)
      for element in replacement.elements { cycles.noteStore(element, into: box) }
      return nil
    case .record(let box):
      let one = try single(indices, "a record", at: target.range)
      guard case .key(let key, _) = one else {
        throw RuntimeError(
          .badIndex("a record is indexed by a string key"), at: one.range)
      }
      box[key] = value
      cycles.noteStore(value, into: box)
      return nil
    case .matrix(let m):
      return .matrix(try storing(value, into: m, indices, target: target))
    default:
      throw RuntimeError(
        .immutable(
          "cannot assign into \(ValueFormatter.typeDescription(base))"),
        at: target.range)
    }
  }

  /// Where an empty step-1 slice inserts: its clamped start.
  private func sliceInsertionPoint(_ spec: IndexSpec, count: Int) -> Int {
    guard case .slice(let start, _, _, _) = spec, let start else { return 0 }
    let s = start < 0 ? start + count : start
    return min(max(s, 0), count)
  }

  /// A copy of `m` with the selected block set from a number or a matrix
  /// that broadcasts to the block's shape.
  private func storing(
    _ value: Value, into m: Matrix<Double>, _ indices: [IndexSpec], target: Expr
  ) throws -> Matrix<Double> {
    let (rows, columns) = try matrixPositions(m, indices, at: target.range)
    guard let source = MatrixConversion.matrix(from: value), !(value.isString)
    else {
      throw RuntimeError(
        .immutable("cannot store \(ValueFormatter.culprit(value)) in a matrix"),
        at: target.range)
    }
    let block: Matrix<Double>
    do {
      let shape = Matrix<Double>(rows: rows.count, columns: columns.count)
      block = try MatrixArithmetic.broadcast(shape, source) { _, x in x }
    } catch {
      throw RuntimeError(
        .shapeMismatch(
          op: "=", lhs: shape((rows.count, columns.count)),
          rhs: shape(error.rhs)),
        at: target.range)
    }
    guard block.rows == rows.count, block.columns == columns.count else {
      throw RuntimeError(
        .shapeMismatch(
          op: "=", lhs: shape((rows.count, columns.count)),
          rhs: shape((source.rows, source.columns))),
        at: target.range)
    }
    var out = m
    for (bi, i) in rows.enumerated() {
      for (bj, j) in columns.enumerated() { out[i, j] = block[bi, bj] }
    }
    return out
  }
}

extension Value {
  /// True for strings.
  var isString: Bool {
    if case .string = self { return true }
    return false
  }
}
