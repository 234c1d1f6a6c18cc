import FlarLinAlg

/// Expression evaluation.
extension Interpreter {
  /// Evaluates an expression.
  ///
  /// - Throws: `RuntimeError` with the range of the failing node.
  func evaluate(_ expression: Expr, in environment: Environment) throws -> Value {
    evaluationDepth += 1
    defer { evaluationDepth -= 1 }
    guard evaluationDepth <= Self.maximumEvaluationDepth else {
      throw RuntimeError(
        .nestingLimit(Self.maximumEvaluationDepth), at: expression.range)
    }
    return try evaluateNode(expression, in: environment)
  }

  /// The builtin and the record of `d.keys`, `d.values` or `d.items` when
  /// the record has no field of that name.
  private func recordMethod(_ callee: Expr, in environment: Environment) throws -> (
    Value, Value
  )? {
    guard case .field(let baseExpression, let name, _) = callee.kind,
      ["keys", "values", "items"].contains(name), let builtin = registry[name]
    else { return nil }
    let base = try evaluate(baseExpression, in: environment)
    guard case .record(let box) = base, box[name] == nil else { return nil }
    return (.function(.builtin(builtin)), base)
  }

  /// `[element for names in iterable if condition]`, the names in a scope
  /// of their own.
  private func comprehension(
    _ element: Expr, _ variables: [String], _ iterable: Expr, _ condition: Expr?,
    in environment: Environment
  ) throws -> Value {
    let sequence = try evaluate(iterable, in: environment)
    let (count, next) = try elements(of: sequence, binding: variables.count, at: iterable.range)
    let scope = Environment(parent: environment)
    var results: [Value] = []
    for index in 0..<count {
      try checkCancellation(at: iterable.range)
      try bind(variables, to: next(index), in: scope, at: iterable.range, define: true)
      if let condition,
        try !truth(evaluate(condition, in: scope), at: condition.range)
      {
        continue
      }
      results.append(try evaluate(element, in: scope))
    }
    return .list(results)
  }

  /// Evaluates one node; `evaluate` wraps it with the depth check.
  ///
  /// Long because it is one switch with a short case per expression kind,
  /// read as a table; each case longer than a few lines calls its own method.
  private func evaluateNode(_ expression: Expr, in environment: Environment)
    throws -> Value
  {
    switch expression.kind {
    case .number(let x): return .number(x)
    case .string(let s): return .string(s)
    case .bool(let b): return .bool(b)
    case .null: return .null
    case .name(let name):
      return try lookup(name, at: expression.range, in: environment)
    case .list(let elements):
      return .list(try elements.map { try evaluate($0, in: environment) })
    case .record(let entries):
      return .record(
        try entries.map { ($0.key, try evaluate($0.value, in: environment)) })
    case .range(let start, let end, let step):
      return .range(
        try rangeValue(start, end, step, at: expression.range, in: environment))
    case .unary(let op, let operand):
      let value = try evaluate(operand, in: environment)
      return try unary(op, value, operand: operand, at: expression.range)
    case .binary(.and, let lhs, let rhs, _):
      let left = try evaluate(lhs, in: environment)
      return try truth(left, at: lhs.range)
        ? try evaluate(rhs, in: environment) : left
    case .binary(.or, let lhs, let rhs, _):
      let left = try evaluate(lhs, in: environment)
      return try truth(left, at: lhs.range)
        ? left : try evaluate(rhs, in: environment)
    case .binary(let op, let lhs, let rhs, let operatorRange):
      let left = try evaluate(lhs, in: environment)
      let right = try evaluate(rhs, in: environment)
      return try binary(op, left, right, lhs: lhs, rhs: rhs, at: operatorRange)
    case .comprehension(let element, let variables, let iterable, let condition):
      return try comprehension(
        element, variables, iterable, condition, in: environment)
    case .call(let calleeExpression, let argumentExpressions):
      var arguments: [CallArgument] = []
      let callee: Value
      if let (method, receiver) = try recordMethod(calleeExpression, in: environment) {
        // `d.keys()`, `d.values()`, `d.items()`: Python's dict methods are
        // the builtins keys(d), values(d), items(d).
        callee = method
        arguments.append(
          CallArgument(name: nil, value: receiver, range: calleeExpression.range))
      } else {
        callee = try evaluate(calleeExpression, in: environment)
      }
      for argument in argumentExpressions {
        let value = try evaluate(argument.value, in: environment)
        arguments.append(
          CallArgument(name: argument.name, value: value, range: argument.range)
        )
      }
      return try call(
        callee, arguments, callee: calleeExpression, at: expression.range)
    case .field(let baseExpression, let name, let nameRange):
      let base = try evaluate(baseExpression, in: environment)
      return try field(name, of: base, at: nameRange)
    case .index(let baseExpression, let indexExpressions):
      let base = try evaluate(baseExpression, in: environment)
      let indices = try indexSpecs(indexExpressions, in: environment)
      return try index(base, indices, at: expression.range)
    case .transpose(let baseExpression):
      let base = try evaluate(baseExpression, in: environment)
      if let m = base.asMatrix { return .matrix(m.transposed) }
      if case .record = base {
        return try field("T", of: base, at: expression.range)
      }
      throw RuntimeError(
        .unsupportedOperand(
          op: ".T", type: ValueFormatter.typeDescription(base),
          culprit: culpritName(baseExpression)),
        at: expression.range)
    }
  }

  /// Evaluates the parts of `a:b:step`; all must be numbers and `step` non-zero.
  func rangeValue(
    _ start: Expr?, _ end: Expr?, _ step: Expr?, at range: SourceRange,
    in environment: Environment
  ) throws -> RangeValue {
    func part(_ expression: Expr?, _ role: String) throws -> Double? {
      guard let expression else { return nil }
      let value = try evaluate(expression, in: environment)
      guard case .number(let x) = value else {
        throw RuntimeError(
          .badIndex(
            "range \(role) must be a number, got \(ValueFormatter.culprit(value))"
          ),
          at: expression.range)
      }
      return x
    }
    guard let first = try part(start, "start"), let last = try part(end, "end")
    else {
      throw RuntimeError(
        .badIndex("a range needs a start and an end outside index brackets"),
        at: range)
    }
    let increment = try part(step, "step") ?? 1
    guard increment != 0 else {
      throw RuntimeError(
        .badIndex("range step must not be zero"), at: step!.range)
    }
    return RangeValue(start: first, end: last, step: increment)
  }

  /// `-x` and `not x`.
  func unary(
    _ op: UnaryOperator, _ value: Value, operand: Expr, at range: SourceRange
  ) throws -> Value {
    switch (op, value) {
    case (.not, _): return .bool(!(try truth(value, at: operand.range)))
    case (.negate, .number(let x)): return .number(-x)
    case (.negate, _):
      if let m = value.asMatrix ?? listMatrix(value) {
        return .matrix(
          Matrix(
            rows: m.rows, columns: m.columns, storage: m.storage.map { -$0 }))
      }
      throw RuntimeError(
        .unsupportedOperand(
          op: "-", type: ValueFormatter.typeDescription(value),
          culprit: culpritName(operand)),
        at: range)
    }
  }

  /// A list of numbers (or of rows) as a matrix, for arithmetic; nil otherwise.
  func listMatrix(_ value: Value) -> Matrix<Double>? {
    guard case .list = value else { return nil }
    return MatrixConversion.matrix(from: value)
  }

  /// `x.name` on a record, a handle, or a matrix (`A.shape`, as in NumPy).
  func field(_ name: String, of base: Value, at range: SourceRange)
    throws(RuntimeError) -> Value
  {
    switch base {
    case .record(let box):
      if let value = box[name] { return value }
      throw RuntimeError(
        .unknownField(
          name, type: "record",
          suggestion: Suggestion.closest(to: name, among: box.keys)),
        at: range)
    case .handle(let handle):
      if let value = handle.field(named: name) { return value }
      throw RuntimeError(
        .unknownField(
          name, type: handle.typeName,
          suggestion: Suggestion.closest(to: name, among: handle.fieldNames)),
        at: range)
    case .matrix(let m):
      if name == "shape" {
        return .list([.number(Double(m.rows)), .number(Double(m.columns))])
      }
      throw RuntimeError(
        .unknownField(
          name, type: "matrix",
          suggestion: Suggestion.closest(to: name, among: ["shape", "T"])),
        at: range)
    default:
      throw RuntimeError(
        .noFields(ValueFormatter.typeDescription(base)), at: range)
    }
  }
}
