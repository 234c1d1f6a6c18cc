import FlarCore
import FlarModels

/// Process-wide settings the research builtins read: whether progress bars
/// may be shown and which cancellation flag long loops check.
///
/// The shell sets these once at start-up; tests leave the defaults (quiet,
/// a private flag).
public final class ResearchEnvironment: @unchecked Sendable {
  /// The one environment of this process.
  public static let shared = ResearchEnvironment()

  /// True on a terminal without `--quiet`.
  public var showProgress = false
  /// The flag Ctrl-C sets; nil outside the shell.
  public var cancellation: Cancellation?

  /// A progress reporter for one long computation.
  func progress() -> ProgressReporter {
    showProgress ? TerminalProgressBar() : SilentProgress()
  }

  /// Layer names of every model bound to a global of `session`, for
  /// completion inside strings.
  public static func layerNames(in session: Session) -> [String] {
    var names = Set<String>()
    for name in session.variableNames {
      if case .handle(let h)? = session.interpreter.global(name), let m = h as? ModelHandle {
        names.formUnion(m.model.linearLayerNames)
      }
    }
    return names.sorted()
  }
}

extension BuiltinFamily {
  /// The families that bind the method, the models and their views.
  public static var research: [BuiltinFamily] {
    [.checks, .statistics, .decompose, .model, .search, .io, .plot, .latency]
  }
}
