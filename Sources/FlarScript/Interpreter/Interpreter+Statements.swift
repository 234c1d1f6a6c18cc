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
    case .forLoop(let variables, _, let iterable, let body):
      return try executeFor(variables, iterable, body, in: environment)
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
      // The call's scope and the function now hold each other.
      if environment !== globals { cycles.noteDefinition(in: environment) }
      environment.assign(declaration.name, .function(.user(function)))
    }
    return .normal
  }

  /// `for x in e do … end`: lists, ranges, vector elements, matrix rows,
  /// string characters and record keys; `for k, v in e` binds a record's
  /// keys and values, or unpacks the pairs of a list.
  private func executeFor(
    _ variables: [String], _ iterable: Expr, _ body: [Stmt],
    in environment: Environment
  ) throws -> Flow {
    let sequence = try evaluate(iterable, in: environment)
    let (count, element) = try elements(of: sequence, binding: variables.count, at: iterable.range)
    for index in 0..<count {
      try checkCancellation(at: iterable.range)
      try bind(variables, to: element(index), in: environment, at: iterable.range)
      switch try execute(body, in: environment) {
      case .normal: continue
      case .breakLoop: return .normal
      case .returned(let value): return .returned(value)
      }
    }
    return .normal
  }

  /// The elements a `for` (or a comprehension) walks, counted and fetched
  /// on demand; with two names a record yields `[key, value]` pairs.
  func elements(of sequence: Value, binding names: Int, at range: SourceRange) throws -> (
    Int, (Int) throws -> Value
  ) {
    switch sequence {
    case .list(let box):
      let snapshot = box.elements
      return (snapshot.count, { snapshot[$0] })
    case .range(let r):
      return (r.count, { .number(r.element($0)) })
    case .matrix(let m):
      if m.rows == 1 || m.columns == 1 {
        return (m.count, { .number(m.storage[$0]) })
      }
      return (m.rows, { .matrix(.row(m.row($0))) })
    case .string(let s):
      let characters = s.map { String($0) }
      return (characters.count, { .string(characters[$0]) })
    case .record(let box):
      let entries = box.entries
      if names == 2 {
        return (entries.count, { .list([.string(entries[$0].key), entries[$0].value]) })
      }
      return (entries.count, { .string(entries[$0].key) })
    case .handle(let handle) where !handle.elementKeys.isEmpty:
      // A handle indexed by name (hook statistics, a layer table) iterates
      // over its names, as a record over its keys.
      let keys = handle.elementKeys
      if names == 2 {
        return (
          keys.count,
          { [self] i in
            .list([.string(keys[i]), try index(sequence, [.key(keys[i], range)], at: range)])
          }
        )
      }
      return (keys.count, { .string(keys[$0]) })
    default:
      throw RuntimeError(
        .notIterable(ValueFormatter.typeDescription(sequence)), at: range)
    }
  }

  /// Binds one loop element to one name, or unpacks a pair into two.
  func bind(
    _ names: [String], to value: Value, in environment: Environment, at range: SourceRange,
    define: Bool = false
  ) throws {
    let put = { (name: String, value: Value) in
      define ? environment.define(name, value) : environment.assign(name, value)
    }
    guard names.count > 1 else { return put(names[0], value) }
    guard case .list(let box) = value, box.elements.count == names.count else {
      throw RuntimeError(
        .badCall(
          "cannot unpack \(ValueFormatter.culprit(value)) into \(names.count) names"
            + " (for k, v in … takes a record or a list of pairs)"),
        at: range)
    }
    for (name, element) in zip(names, box.elements) { put(name, element) }
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
      cycles.noteStore(value, into: box)
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
