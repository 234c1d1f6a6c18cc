/// Errors a builtin throws without knowing where its arguments are written.
///
/// The interpreter attaches the source range: the argument's own range for
/// `badArgument`, the call's range otherwise (Lua's `luaL_argerror` counts
/// arguments from the caller's side in the same way).
public enum BuiltinError: Error, CustomStringConvertible {
  /// Which argument a message is about: a parameter's name or a 1-based position.
  public enum ArgumentName: Equatable, Sendable, CustomStringConvertible {
    case named(String)
    case position(Int)

    /// `"method"` or `#2`.
    public var description: String {
      switch self {
      case .named(let name): return "\"\(name)\""
      case .position(let index): return "#\(index)"
      }
    }
  }

  /// An argument of the wrong type or value.
  case badArgument(
    ArgumentName, expected: String, got: String, suggestion: String? = nil)
  /// A required argument was not passed.
  case missingArgument(String)
  /// More positional arguments than parameters.
  case tooManyArguments(expected: Int, got: Int)
  /// A named argument the builtin does not have.
  case unknownNamedArgument(String, suggestion: String?)
  /// The same parameter passed twice.
  case duplicateArgument(String)
  /// Any other failure, with its message.
  case failed(String)

  /// The message for builtin `name`, lower-case and without a full stop.
  public func message(builtin name: String) -> String {
    switch self {
    case .badArgument(let argument, let expected, let got, let suggestion):
      return
        "bad argument \(argument) to \(name): expected \(expected), got \(got)"
        + (suggestion.map { " (did you mean \"\($0)\"?)" } ?? "")
    case .missingArgument(let parameter):
      return "missing argument \"\(parameter)\" to \(name)"
    case .tooManyArguments(let expected, let got):
      return
        "too many arguments to \(name): expected at most \(expected), got \(got)"
    case .unknownNamedArgument(let argument, let suggestion):
      return "unknown named argument \"\(argument)\" to \(name)"
        + (suggestion.map { " (did you mean \"\($0)\"?)" } ?? "")
    case .duplicateArgument(let parameter):
      return "argument \"\(parameter)\" to \(name) given twice"
    case .failed(let message):
      return "\(name): \(message)"
    }
  }

  /// The message without the builtin's name.
  public var description: String { message(builtin: "builtin") }
}
