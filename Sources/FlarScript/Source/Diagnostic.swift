/// A message about a range of source text: an error with optional notes.
///
/// Diagnostics are values; they are rendered to text by `DiagnosticRenderer`
/// and never printed where they are made.
public struct Diagnostic: Sendable, Equatable {
  /// How serious a diagnostic is.
  public enum Severity: String, Sendable {
    /// The input cannot run, or stopped running.
    case error
    /// Something suspicious that did not stop anything.
    case warning
  }

  /// A secondary line under a diagnostic: `= did you mean "x"?`.
  public struct Note: Sendable, Equatable {
    /// The text of the note.
    public var message: String
    /// The range the note refers to, if any (an opener, a definition).
    public var range: SourceRange?

    /// Creates a note.
    public init(_ message: String, range: SourceRange? = nil) {
      self.message = message
      self.range = range
    }
  }

  /// Lower-case text without a full stop.
  public var message: String
  /// Where the problem is; the caret line underlines it.
  public var range: SourceRange
  /// Error or warning.
  public var severity: Severity
  /// Follow-up lines such as suggestions.
  public var notes: [Note]

  /// Creates a diagnostic.
  public init(
    _ message: String, at range: SourceRange, severity: Severity = .error,
    notes: [Note] = []
  ) {
    self.message = message
    self.range = range
    self.severity = severity
    self.notes = notes
  }
}
