import FlarCore

/// A running flar program: one interpreter, its globals and its output.
///
/// The REPL, `flar FILE`, `flar -e` and notebooks each hold one session. All
/// cells or lines run in it share variables. Errors come back as
/// `ScriptError`, already turned into diagnostics against the source that
/// failed; rendering them is one call.
///
///     let registry = BuiltinRegistry()          // core, matrix, math
///     registry.register(.models)                // a higher layer's family
///     let session = Session(registry: registry, cancellation: flag,
///                           arguments: args, output: { write($0) })
///     switch Session.classify(text) {           // REPL: more lines?
///     case .incomplete: readContinuation()
///     default:
///       do { if let shown = try session.evaluateForDisplay(text) { print(shown) } }
///       catch { printError(error.rendered) }    // error.phase: .syntax, …
///     }
public final class Session {
  /// The interpreter; its globals persist across calls.
  public let interpreter: Interpreter

  /// Creates a session.
  ///
  /// - Parameters:
  ///   - registry: the builtins; add families to it for models, core numerics, the shell.
  ///   - cancellation: the flag the REPL's SIGINT handler sets.
  ///   - showProgress: true in an interactive shell: progress bars, and
  ///     tables and plots fitted to the terminal.
  ///   - arguments: the script's arguments, bound to the global `args` as a list of strings.
  ///   - output: where `print` and `help` write; defaults to standard output.
  public init(
    registry: BuiltinRegistry = BuiltinRegistry(),
    cancellation: Cancellation = Cancellation(),
    showProgress: Bool = false,
    arguments: [String] = [],
    output: @escaping (String) -> Void = { Swift.print($0, terminator: "") }
  ) {
    interpreter = Interpreter(
      registry: registry, cancellation: cancellation, showProgress: showProgress,
      output: output)
    interpreter.setGlobal("args", .list(arguments.map(Value.string)))
  }

  /// The builtins of this session.
  public var registry: BuiltinRegistry { interpreter.registry }

  /// The output writer.
  public var output: (String) -> Void {
    get { interpreter.output }
    set { interpreter.output = newValue }
  }

  /// Parses source into statements.
  ///
  /// - Throws: `ScriptError` with every syntax error found (or the single
  ///   `unexpectedEndOfInput` when the input stops inside a block).
  public func parse(_ source: String, fileName: String = "<input>")
    throws(ScriptError) -> [Stmt]
  {
    let file = SourceFile(name: fileName, text: source)
    var parser = Parser(file)
    let statements = parser.parseProgram()
    guard parser.errors.isEmpty else {
      let incomplete = parser.errors.contains { $0.error.isIncompleteInput }
      throw ScriptError(
        file: file, diagnostics: parser.errors.map(\.diagnostic),
        phase: incomplete ? .incomplete : .syntax)
    }
    return statements
  }

  /// Runs a script.
  ///
  /// With `echo`, the value of every top-level expression statement is
  /// written as the REPL shows it (`flar -e`), except the nil a call returns.
  ///
  /// - Throws: `ScriptError` for syntax errors (nothing runs) or the first
  ///   runtime error (statements before it have run).
  public func run(
    source: String, fileName: String = "<script>", echo: Bool = false
  ) throws(ScriptError) {
    _ = try execute(source, fileName: fileName, echo: echo)
  }

  /// Runs one REPL entry and returns the text to show for its value: the
  /// value of a final expression statement, or nil after an assignment, a
  /// block, or an expression whose value is nil (such as `print(…)`).
  public func evaluateForDisplay(_ source: String, fileName: String = "<stdin>")
    throws(ScriptError) -> String?
  {
    guard let value = try execute(source, fileName: fileName, echo: false)
    else { return nil }
    if case .null = value { return nil }
    return DisplaySettings.$fitsTerminal.withValue(interpreter.showProgress) {
      ValueFormatter.repr(value)
    }
  }

  /// The canonical syntax tree of `source`, one statement per line (`:ast`).
  public func syntaxTree(_ source: String) throws(ScriptError) -> String {
    ASTPrinter.print(try parse(source, fileName: "<ast>"))
  }

  /// Runs one submission as the REPL, `flar -e`, a script or a notebook
  /// cell does, and says how it went; nothing is thrown.
  ///
  /// With `echo`, each top-level expression statement's value is written to
  /// the output (not the nil a call such as `print` returns), and becomes `_`. Input that stops inside a block or
  /// bracket runs nothing and returns `.incomplete`, so the REPL can read a
  /// continuation line and submit both.
  public func submit(
    _ source: String, fileName: String = "<stdin>", echo: Bool
  ) -> RunOutcome {
    do {
      try run(source: source, fileName: fileName, echo: echo)
      return .ran
    } catch {
      switch error.phase {
      case .incomplete: return .incomplete(error)
      case .cancelled: return .cancelled(error)
      case .syntax, .runtime: return .failed(error)
      }
    }
  }

  /// Whether `source` is a finished entry, needs more lines, or is wrong.
  public static func classify(_ source: String) -> InputStatus {
    var parser = Parser(SourceFile(name: "<stdin>", text: source))
    _ = parser.parseProgram()
    if parser.errors.contains(where: { $0.error.isIncompleteInput }) {
      return .incomplete
    }
    return parser.errors.isEmpty ? .complete : .invalid
  }

  /// The blocks and brackets still open at the end of `source`, innermost
  /// last; empty when it is complete or wrong.
  public static func openers(_ source: String) -> [Opener] {
    var parser = Parser(SourceFile(name: "<stdin>", text: source))
    _ = parser.parseProgram()
    for error in parser.errors {
      if case .unexpectedEndOfInput(let openers) = error.error { return openers }
    }
    return []
  }

  /// Global variable names (including `args`), sorted.
  public var variableNames: [String] { interpreter.globalNames }

  /// Names of variables and builtins that start with `prefix`, for completion.
  public func completions(prefix: String) -> [String] {
    Array(
      Set(
        variableNames.filter { $0.hasPrefix(prefix) }
          + registry.completions(prefix: prefix))
    ).sorted()
  }

  private func execute(_ source: String, fileName: String, echo: Bool)
    throws(ScriptError) -> Value?
  {
    let statements = try parse(source, fileName: fileName)
    let file = SourceFile(name: fileName, text: source)
    interpreter.cancellation.reset()
    do {
      return try DisplaySettings.$fitsTerminal.withValue(interpreter.showProgress) {
        guard echo else { return try interpreter.execute(statements) }
        return try interpreter.execute(statements) { [interpreter] value in
          interpreter.output(ValueFormatter.repr(value) + "\n")
        }
      }
    } catch let error as RuntimeError {
      throw ScriptError(
        file: file, diagnostics: [error.diagnostic],
        phase: error.kind == .cancelled ? .cancelled : .runtime)
    } catch {
      throw ScriptError(
        file: file,
        diagnostics: [Diagnostic("internal error: \(error)", at: .point(0))],
        phase: .runtime)
    }
  }
}

/// How a submission went.
public enum RunOutcome {
  /// It ran to the end.
  case ran
  /// It stops inside a block or bracket; nothing ran.
  case incomplete(ScriptError)
  /// A syntax error (nothing ran) or a runtime error (what came before ran).
  case failed(ScriptError)
  /// Ctrl-C stopped it; the variables assigned so far are kept.
  case cancelled(ScriptError)
}

/// How complete a REPL entry is.
public enum InputStatus: Sendable, Equatable {
  /// It parses: run it.
  case complete
  /// It stops inside a block or bracket: read a continuation line.
  case incomplete
  /// It has a syntax error: run it to report the error.
  case invalid
}

/// The errors of one run, with the source they point into.
public struct ScriptError: Error, CustomStringConvertible {
  /// Which stage failed.
  public enum Phase: Sendable, Equatable {
    case syntax, incomplete, runtime, cancelled
  }

  /// The source the diagnostics point into.
  public let file: SourceFile
  /// One or more diagnostics (several only for syntax errors).
  public let diagnostics: [Diagnostic]
  /// Which stage failed.
  public let phase: Phase

  /// The diagnostics rendered with gutter and caret.
  public var rendered: String {
    DiagnosticRenderer().render(diagnostics, in: file)
  }

  /// Same as `rendered`.
  public var description: String { rendered }
}

extension Value {
  /// True for nil.
  var isNull: Bool {
    if case .null = self { return true }
    return false
  }
}
