import FlarCore

/// Statement execution.
extension Interpreter {
  /// Runs a list of statements, stopping at `break` or `return`.
  func execute(_ statements: [Stmt], in environment: Environment) throws -> Flow {
    for statement in statements {
      let flow = try execute(statement, in: environment)
      if case .normal = flow { continue }
      return flow
    }
    return .normal
  }

  /// Runs one statement.
  func execute(_ statement: Stmt, in environment: Environment) throws -> Flow {
    try checkCancellation(at: statement.range)
    switch statement.kind {
    case .expression(let expression):
      _ = try evaluate(expression, in: environment)
    case .assign(let target, let valueExpression):
      let value = try evaluate(valueExpression, in: environment)
      try assign(value, to: target, in: environment)
    case .ifStatement(let branches, let elseBody):
      for branch in branches {
        let condition = try evaluate(branch.condition, in: environment)
        if try truth(condition, at: branch.condition.range) {
          return try execute(branch.body, in: environment)
        }
      }
      if let elseBody { return try execute(elseBody, in: environment) }
    case .forLoop(let variable, _, let iterable, let body):
      return try executeFor(variable, iterable, body, in: environment)
    case .whileLoop(let condition, let body):
      while try truth(evaluate(condition, in: environment), at: condition.range) {
        try checkCancellation(at: statement.range)
        switch try execute(body, in: environment) {
        case .normal: continue
        case .breakLoop: return .normal
        case .returned(let value): return .returned(value)
        }
      }
    case .breakStatement:
      return .breakLoop
    case .returnStatement(let expression):
      return .returned(
        try expression.map { try evaluate($0, in: environment) } ?? .null)
    case .function(let declaration):
      let function = UserFunction(
        declaration: declaration, closure: environment)
      environment.assign(declaration.name, .function(.user(function)))
    }
    return .normal
  }

  /// `for x in e do … end`: lists, ranges, vector elements, matrix rows,
  /// string characters and record keys.
  private func executeFor(
    _ variable: String, _ iterable: Expr, _ body: [Stmt],
    in environment: Environment
  ) throws -> Flow {
    let sequence = try evaluate(iterable, in: environment)
    let count: Int
    let element: (Int) -> Value
    switch sequence {
    case .list(let box):
      let snapshot = box.elements
      count = snapshot.count
      element = { snapshot[$0] }
    case .range(let r):
      count = r.count
      element = { .number(r.element($0)) }
    case .matrix(let m):
      if m.rows == 1 || m.columns == 1 {
        count = m.count
        element = { .number(m.storage[$0]) }
      } else {
        count = m.rows
        element = { .matrix(.row(m.row($0))) }
      }
    case .string(let s):
      let characters = s.map { String($0) }
      count = characters.count
      element = { .string(characters[$0]) }
    case .record(let box):
      let keys = box.keys
      count = keys.count
      element = { .string(keys[$0]) }
    case .handle(let handle) where !handle.elementKeys.isEmpty:
      // A handle indexed by name (hook statistics, a layer table) iterates
      // over its names, as a record over its keys.
      let keys = handle.elementKeys
      count = keys.count
      element = { .string(keys[$0]) }
    default:
      throw RuntimeError(
        .notIterable(ValueFormatter.typeDescription(sequence)),
        at: iterable.range)
    }
    for index in 0..<count {
      try checkCancellation(at: iterable.range)
      environment.assign(variable, element(index))
      switch try execute(body, in: environment) {
      case .normal: continue
      case .breakLoop: return .normal
      case .returned(let value): return .returned(value)
      }
    }
    return .normal
  }

  /// Assigns to a name, a `.field` or an `[index]`.
  ///
  /// Lists and records change in place. A matrix is a value, so
  /// `A[i, j] = x` builds the changed matrix and assigns it back to `A`
  /// (recursively, so `r.W[0, 0] = 1` updates the record's field).
  func assign(_ value: Value, to target: Expr, in environment: Environment)
    throws
  {
    switch target.kind {
    case .name(let name):
      environment.assign(name, value)
    case .field(let baseExpression, let name, _):
      let base = try evaluate(baseExpression, in: environment)
      guard case .record(let box) = base else {
        throw RuntimeError(
          .immutable(
            "cannot set field \"\(name)\" of \(ValueFormatter.typeDescription(base))"
          ),
          at: target.range)
      }
      box[name] = value
    case .index(let baseExpression, let indexExpressions):
      let base = try evaluate(baseExpression, in: environment)
      let indices = try indexSpecs(indexExpressions, in: environment)
      if let updated = try assignElement(
        value, into: base, indices, target: target)
      {
        try assign(updated, to: baseExpression, in: environment)
      }
    default:
      throw RuntimeError(
        .immutable("cannot assign to this expression"), at: target.range)
    }
  }
}
