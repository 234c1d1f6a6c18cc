#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The width of the terminal that plots and tables are printed to.
public enum TerminalSize {
  /// The width used when nothing better is known, as `COLUMNS` defaults.
  public static let defaultColumns = 80

  /// The number of columns of standard output's terminal.
  ///
  /// Asks the terminal itself first (`ioctl(TIOCGWINSZ)` on standard
  /// output), then the `COLUMNS` environment variable (which shells set and
  /// users override, e.g. `COLUMNS=120 flar script.flar | less`), then
  /// falls back to 80. The corresponding C call is `ioctl(1, TIOCGWINSZ)`.
  public static func columns() -> Int {
    resolvedColumns(
      window: windowColumns(fileDescriptor: STDOUT_FILENO),
      environment: getenv("COLUMNS").map { String(cString: $0) })
  }

  /// Whether standard output is a terminal (`isatty(1)`), the test for
  /// printing colours and progress bars.
  public static func isTerminal() -> Bool { isatty(STDOUT_FILENO) == 1 }

  /// Whether ANSI colours should be printed: standard output is a terminal
  /// and `NO_COLOR` is unset or empty (https://no-color.org).
  public static func colorAllowed() -> Bool {
    let noColor = getenv("NO_COLOR").map { String(cString: $0) } ?? ""
    return noColor.isEmpty && isTerminal()
  }

  /// The first usable answer: the terminal's width, `COLUMNS`, or 80.
  ///
  /// Zero, negative and unparsable values are skipped.
  static func resolvedColumns(window: Int?, environment: String?) -> Int {
    if let window, window > 0 { return window }
    let trimmed = environment.map {
      String(
        $0.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " })
          .reversed())
    }
    if let trimmed, let columns = Int(trimmed), columns > 0 { return columns }
    return defaultColumns
  }

  /// The column count the kernel reports for the terminal on
  /// `fileDescriptor`, or nil when it is not a terminal.
  static func windowColumns(fileDescriptor: Int32) -> Int? {
    var size = winsize()
    let status = withUnsafeMutablePointer(to: &size) { pointer in
      ioctl(fileDescriptor, UInt(TIOCGWINSZ), UnsafeMutableRawPointer(pointer))
    }
    guard status == 0, size.ws_col > 0 else { return nil }
    return Int(size.ws_col)
  }
}
