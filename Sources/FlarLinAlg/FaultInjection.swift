// Fault injection for the end-to-end tests that check that a crash loses
// nothing: the environment variable FLAR_TEST_KILL_AT names a point in a
// writer at which the process sends itself SIGKILL, so a test can kill a
// save at the worst instant every time instead of racing it with a timer
// (the approach of SQLite's crash tests). Unset, each point is one load of a
// value computed once.

#if canImport(Glibc)
import Glibc
#endif

/// The named points at which a test can have the process killed.
public enum FaultInjection {
  /// A place in a writer where a crash matters.
  public enum Point: String, Sendable, CaseIterable {
    /// `AtomicFile.write`: the temporary file is complete and synced; the
    /// rename over the target has not happened.
    case fileWrittenBeforeRename = "file-written-before-rename"
    /// `AtomicDirectory.replace`: the staging directory is complete; the
    /// exchange with the target has not happened.
    case directoryStagedBeforeExchange = "directory-staged-before-exchange"
    /// The ONNX export with external data: the data file is in place; the
    /// graph that references it has not been written.
    case onnxDataWrittenBeforeModel = "onnx-data-written-before-model"
    /// `LatencyCSVAppender`: half of a row has been written.
    case halfARowAppended = "half-a-row-appended"
    /// The REPL's history: the new history is saved to its temporary file;
    /// the rename over the history file has not happened.
    case historyWrittenBeforeRename = "history-written-before-rename"
  }

  /// The point named by FLAR_TEST_KILL_AT, read once.
  public static let armed: Point? = {
    guard let value = getenv("FLAR_TEST_KILL_AT") else { return nil }
    return Point(rawValue: String(cString: value))
  }()

  /// Sends SIGKILL to this process when `point` is the armed one.
  public static func point(_ point: Point) {
    guard armed == point else { return }
    kill(getpid(), SIGKILL)
  }
}
