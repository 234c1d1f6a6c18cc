import FlarCore

/// Calling user functions and builtins.
extension Interpreter {
  /// A call argument after evaluation.
  struct CallArgument {
    var name: String?
    var value: Value
    var range: SourceRange
  }

  /// Calls `callee` with evaluated arguments.
  func call(
    _ callee: Value, _ arguments: [CallArgument], callee calleeExpression: Expr,
    at range: SourceRange
  ) throws -> Value {
    guard case .function(let function) = callee else {
      throw RuntimeError(
        .notCallable(ValueFormatter.typeDescription(callee)),
        at: calleeExpression.range
      )
    }
    switch function {
    case .user(let user):
      return try callUser(user, arguments, at: calleeExpression.range)
    case .builtin(let builtin):
      return try callBuiltin(builtin, arguments, at: calleeExpression.range)
    }
  }

  /// Binds arguments to a `def`'s parameters in a new scope and runs its body.
  func callUser(
    _ function: UserFunction, _ arguments: [CallArgument], at range: SourceRange
  ) throws -> Value {
    let declaration = function.declaration
    let name = declaration.name
    guard callDepth < Self.maximumCallDepth else {
      throw RuntimeError(.recursionLimit(Self.maximumCallDepth), at: range)
    }
    let scope = Environment(parent: function.closure)
    var bound = Set<String>()
    let positional = arguments.filter { $0.name == nil }
    if positional.count > declaration.parameters.count {
      throw RuntimeError(
        .badCall(
          BuiltinError.tooManyArguments(
            expected: declaration.parameters.count, got: positional.count
          ).message(builtin: name)),
        at: positional[declaration.parameters.count].range)
    }
    for (parameter, argument) in zip(declaration.parameters, positional) {
      scope.define(parameter.name, argument.value)
      bound.insert(parameter.name)
    }
    for argument in arguments {
      guard let argumentName = argument.name else { continue }
      guard declaration.parameters.contains(where: { $0.name == argumentName })
      else {
        let suggestion = Suggestion.closest(
          to: argumentName, among: declaration.parameters.map(\.name))
        throw RuntimeError(
          .badCall(
            BuiltinError.unknownNamedArgument(argumentName, suggestion: suggestion)
              .message(builtin: name)),
          at: argument.range)
      }
      guard bound.insert(argumentName).inserted else {
        throw RuntimeError(
          .badCall(BuiltinError.duplicateArgument(argumentName).message(builtin: name)),
          at: argument.range)
      }
      scope.define(argumentName, argument.value)
    }
    callDepth += 1
    defer { callDepth -= 1 }
    // Defaults are evaluated at each call, in the new scope, so they may use
    // earlier parameters (`def f(n, k=n)`), unlike Python's def-time defaults.
    for parameter in declaration.parameters
    where !bound.contains(parameter.name) {
      guard let defaultValue = parameter.defaultValue else {
        throw RuntimeError(
          .badCall(BuiltinError.missingArgument(parameter.name).message(builtin: name)),
          at: range)
      }
      scope.define(parameter.name, try evaluate(defaultValue, in: scope))
    }
    if case .returned(let value) = try execute(declaration.body, in: scope) {
      return value
    }
    return .null
  }

  /// Binds and checks arguments against a builtin's signature, then runs it.
  ///
  /// A `BuiltinError` about an argument is reported at that argument's range;
  /// any other error at the callee.
  func callBuiltin(
    _ builtin: Builtin, _ arguments: [CallArgument], at range: SourceRange
  ) throws -> Value {
    let binder = ArgumentBinder(builtin: builtin)
    let bound: ArgumentBinder.Bound
    do {
      bound = try binder.bind(
        arguments.map { ($0.name, $0.value, $0.range) }, callRange: range)
    } catch let failure as ArgumentBinder.Failure {
      throw RuntimeError(
        .builtin(
          name: builtin.name,
          message: failure.error.message(builtin: builtin.name)),
        at: failure.range)
    }
    let context = BuiltinContext(interpreter: self, callRange: range)
    do {
      return try builtin.body(bound.arguments, context)
    } catch let error as BuiltinError {
      var errorRange = range
      if case .badArgument(let which, _, _, _) = error {
        errorRange = bound.range(of: which) ?? range
      }
      throw RuntimeError(
        .builtin(
          name: builtin.name, message: error.message(builtin: builtin.name)),
        at: errorRange)
    } catch let error as RuntimeError {
      throw error
    } catch is CancelledError {
      throw RuntimeError(.cancelled, at: range)
    } catch {
      throw RuntimeError(
        .builtin(name: builtin.name, message: "\(builtin.name): \(error)"),
        at: range)
    }
  }

  /// Calls any function value with positional arguments (for builtins that take callbacks).
  func callFunction(
    _ function: FunctionValue, _ values: [Value], at range: SourceRange
  ) throws -> Value {
    let arguments = values.map {
      CallArgument(name: nil, value: $0, range: range)
    }
    switch function {
    case .user(let user): return try callUser(user, arguments, at: range)
    case .builtin(let builtin):
      return try callBuiltin(builtin, arguments, at: range)
    }
  }
}
