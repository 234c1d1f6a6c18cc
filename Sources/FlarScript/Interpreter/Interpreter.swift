import FlarCore

/// The tree-walking interpreter: runs statements against a global scope.
///
/// One interpreter is one session: globals persist across `execute` calls, so
/// the REPL and notebook cells build on what came before. Errors unwind as
/// `RuntimeError` with the range of the node that failed; an error never
/// leaves the globals half-assigned (an assignment binds only after its value
/// is computed).
public final class Interpreter {
  /// The global scope.
  let globals = Environment()
  /// The builtins visible to programs.
  public let registry: BuiltinRegistry
  /// Where `print` and `help` write; the REPL passes stdout, notebooks a buffer.
  public var output: (String) -> Void
  /// The one Ctrl-C flag: the REPL's SIGINT handler sets it; the
  /// interpreter checks it before each statement and loop iteration, and
  /// builtins hand it to FlarCore's long loops through `BuiltinContext`.
  public let cancellation: Cancellation
  /// True in an interactive shell (a terminal, no `--quiet`): builtins may
  /// draw progress bars, and tables and plots fit the terminal's width.
  public let showProgress: Bool
  /// Current depth of user-function calls.
  var callDepth = 0
  /// Current depth of nested expression evaluation.
  var evaluationDepth = 0
  /// Nested evaluations deeper than this fail with `nestingLimit`: a chain
  /// of a thousand `+` builds a tree that deep, and evaluating it must not
  /// overflow a 512 KiB thread stack (a debug build uses about 400 bytes a
  /// level).
  public static let maximumEvaluationDepth = 800
  /// Calls deeper than this fail with `recursionLimit` instead of
  /// overflowing the Swift stack of the thread the interpreter runs on.
  public static let maximumCallDepth = 200

  /// Creates an interpreter.
  public init(
    registry: BuiltinRegistry = BuiltinRegistry(),
    cancellation: Cancellation = Cancellation(),
    showProgress: Bool = false,
    output: @escaping (String) -> Void = { print($0, terminator: "") }
  ) {
    self.registry = registry
    self.cancellation = cancellation
    self.showProgress = showProgress
    self.output = output
  }

  /// Frees the globals and what they kept alive.
  ///
  /// A top-level `def` and the global scope hold each other, which reference
  /// counting alone would never free. The cycles the globals kept alive (a
  /// closure bound to a global, a list stored into itself) become garbage
  /// with them and are emptied too: a session's values do not outlive it.
  deinit {
    globals.removeAll()
    cycles.collect(globals: globals, roots: [])
  }

  /// Frees cycles among lists, records and function scopes between
  /// top-level statements (`CycleCollector`).
  let cycles = CycleCollector()
  /// The reference gloss embeddings `evaluate` computed last in this
  /// session (`ReferenceEmbeddingCache`): per session, so they end with it.
  let referenceEmbeddings = ReferenceEmbeddingCache()
  /// Nesting of `execute(_:echo:)`: the collector runs only at the outermost.
  private var executeDepth = 0

  /// How a statement list finished.
  enum Flow {
    case normal
    case breakLoop
    case returned(Value)
  }

  /// Runs top-level statements; returns the value of the last one when it is
  /// an expression statement (what the REPL prints).
  ///
  /// - Parameter echo: called with the value of every top-level expression
  ///   statement that is shown, in order (`flar -e` prints them all): every
  ///   value but the nil a call returns (`print(…)`, `plot(…)`), so that
  ///   `r.rank` shows `nil` and `print(1)` shows only `1`. Each shown value
  ///   becomes `_`, and the one before it `__`, as in IPython.
  /// - Throws: `RuntimeError`.
  @discardableResult
  public func execute(_ statements: [Stmt], echo: ((Value) -> Void)? = nil)
    throws -> Value?
  {
    var last: Value?
    steps = 0  // the step limit holds per run, not per session
    executeDepth += 1
    defer { executeDepth -= 1 }
    for statement in statements {
      last = nil
      // After the statement, finished or failed: what it left unreachable
      // is garbage; its value is handed back, so it is a root.
      defer { collectCycles(keeping: last) }
      try checkCancellation(at: statement.range)
      if case .expression(let expression) = statement.kind {
        let value = try evaluate(expression, in: globals)
        if let echo, Self.isShown(value, of: expression) {
          echo(value)
          if let previous = globals.lookup("_") { globals.define("__", previous) }
          globals.define("_", value)
        }
        last = value
      } else {
        _ = try execute(statement, in: globals)
      }
    }
    return last
  }

  /// Runs the cycle collector when there are candidates and no call is active.
  ///
  /// A statement may have made candidates, or dropped the last name that
  /// reached one. With no call active, the globals and `value` are all that
  /// hold the session's values. A program that never defines a function
  /// inside a function nor stores a list, record or function into a list or
  /// record has no candidates and pays nothing.
  private func collectCycles(keeping value: Value?) {
    guard executeDepth == 1, callDepth == 0, cycles.hasCandidates else { return }
    cycles.collect(globals: globals, roots: value.map { [$0] } ?? [])
  }

  /// True unless the value is the nil a call returned: `f()` for its
  /// effect shows nothing, a variable or field holding nil shows `nil`.
  static func isShown(_ value: Value, of expression: Expr) -> Bool {
    guard case .null = value else { return true }
    if case .call = expression.kind { return false }
    return true
  }

  /// The value bound to a global name, if any.
  public func global(_ name: String) -> Value? { globals.lookup(name) }

  /// Binds a global name (the shell's `args`, a notebook's inputs).
  public func setGlobal(_ name: String, _ value: Value) {
    globals.define(name, value)
  }

  /// Global variable names, sorted, for `:vars` and completion.
  public var globalNames: [String] { globals.localNames }

  /// The most statements and loop iterations one run may take; nil: no limit.
  ///
  /// The shell has none (Ctrl-C stops a long program). Set it where
  /// code from elsewhere runs unattended, as the fuzzer's `eval` target does,
  /// so that `while true do end` ends with an error instead of a hang.
  public var stepLimit: Int?
  /// Statements and loop iterations run so far (counted only under a limit).
  var steps = 0

  /// Throws `cancelled` when Ctrl-C was pressed, and `stepLimit` once the
  /// step limit is passed; called at every statement and loop iteration.
  func checkCancellation(at range: SourceRange) throws(RuntimeError) {
    if let stepLimit {
      steps += 1
      if steps > stepLimit { throw RuntimeError(.stepLimit(stepLimit), at: range) }
    }
    do {
      try cancellation.checkCancellation()
    } catch {
      throw RuntimeError(.cancelled, at: range)
    }
  }

  /// Looks a name up in scope, then among builtins.
  func lookup(
    _ name: String, at range: SourceRange, in environment: Environment
  ) throws(RuntimeError)
    -> Value
  {
    if let value = environment.lookup(name) { return value }
    if let builtin = registry[name] { return .function(.builtin(builtin)) }
    let suggestion = Suggestion.closest(
      to: name, among: environment.visibleNames + registry.names)
    throw RuntimeError(.unknownName(name, suggestion: suggestion), at: range)
  }

  /// The truth of a condition; matrices with several elements are an error.
  func truth(_ value: Value, at range: SourceRange) throws(RuntimeError) -> Bool {
    guard let truth = value.truthiness else {
      throw RuntimeError(
        .ambiguousTruth(ValueFormatter.typeDescription(value)), at: range)
    }
    return truth
  }

  /// How messages name an operand: `variable "W"`, `field "S"`, or nil.
  func culpritName(_ expression: Expr) -> String? {
    switch expression.kind {
    case .name(let name): return "variable \"\(name)\""
    case .field(_, let name, _): return "field \"\(name)\""
    default: return nil
    }
  }
}
