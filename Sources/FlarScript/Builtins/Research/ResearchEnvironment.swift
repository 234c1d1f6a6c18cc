import FlarCore
import FlarModels

/// How values are shown while a session runs: whether tables and plots fit
/// the terminal's width.
///
/// `Session` binds it for the length of each run from the interpreter's
/// `showProgress` (a task-local, not a process-wide setting), because a
/// handle's `summary` is printed by the value formatter, which has no
/// `BuiltinContext`. Outside a run it is false: full width.
public enum DisplaySettings {
  /// True while an interactive shell's run prints values.
  @TaskLocal public static var fitsTerminal = false
}

extension Session {
  /// Layer names of every model bound to a global of this session, for
  /// completion inside strings.
  public var modelLayerNames: [String] {
    var names = Set<String>()
    for name in variableNames {
      if case .handle(let h)? = interpreter.global(name), let m = h as? ModelHandle {
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
