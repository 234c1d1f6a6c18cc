/// The outcome of running one piece of input.
enum SubmitOutcome: Equatable {
  /// It ran (whatever it printed went to the output).
  case ran
  /// It is a prefix of valid input: read another line and submit both.
  case incomplete
  /// It failed; the rendered error has been printed.
  case failed
  /// It was cancelled by Ctrl-C.
  case cancelled
}

/// What the shell needs from the interpreter: one session of variables,
/// fed source text, able to say whether input is complete.
protocol ShellSession: AnyObject {
  /// Parses and runs `source`; in `echo` mode the value of an expression
  /// statement is printed (the REPL and `-e`), assignments print nothing.
  func submit(_ source: String, fileName: String, echo: Bool) -> SubmitOutcome
  /// `name  type  summary` lines for `:vars`.
  func variableLines() -> [String]
  /// Tab completion for the text before the cursor.
  func completions(before: String) -> Completion
}
