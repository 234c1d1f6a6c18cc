import FlarCore

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
  /// `assert(condition, message)` found the condition false; the text is the user's.
  case assertionFailed(message: String)
  /// A reduction (`max`, `mean`, …) of an empty matrix or list.
  case emptyInput
  /// A matrix of more than 2³¹ elements was asked for.
  case matrixTooLarge(rows: Int, columns: Int)
  /// A matrix under the element cap that would still take more than half the machine's memory.
  case matrixExceedsMemory(rows: Int, columns: Int, memory: UInt64, limitedByEnvironment: Bool)
  /// `predict_latency(p, model, …)` without a layer name after the model.
  case modelFormNeedsLayer
  /// `in=` or `out=` passed to `predict_latency`'s model form, which reads them from the layer.
  case shapeReadFromLayer(parameter: String)
  /// A table given as a latency data set lacks one of its columns.
  case missingColumn(String, table: String, columns: [String])
  /// A latency data set's cell that is not a number.
  case notANumber(row: Int, column: String, table: String)
  /// `shrink` of a bare matrix, which keeps no samples to estimate λ from.
  case bareMatrixCannotShrink(method: String, fixed: Bool)
  /// A table row index outside `-count..<count`.
  case rowIndexOutOfRange(Int, count: Int)
  /// An element of `table(rows)` that is not a record.
  case notARecord(element: Int, culprit: String)
  /// `table(rows)` whose records have no key at all.
  case noColumns
  /// A path that names nothing.
  case noSuchFile(path: String)
  /// A directory that could not be made (`mkdir -p`), with the system's reason.
  case cannotCreateDirectory(path: String, reason: String)
  /// `replace(m, layer)` with neither `rank=` nor `factors=`.
  case replaceNeedsRankOrFactors

  /// The message for builtin `name`, lower-case and without a full stop.
  public func message(builtin name: String) -> String {
    switch self {
    case .badArgument(let argument, let expected, let got, let suggestion):
      return "bad argument \(argument) to \(name): expected \(expected), got \(got)"
        + Suggestion.parenthetical(suggestion)
    case .missingArgument(let parameter):
      return "missing argument \"\(parameter)\" to \(name)"
    case .tooManyArguments(let expected, let got):
      return
        "too many arguments to \(name): expected at most \(expected), got \(got)"
    case .unknownNamedArgument(let argument, let suggestion):
      return "unknown named argument \"\(argument)\" to \(name)"
        + Suggestion.parenthetical(suggestion)
    case .duplicateArgument(let parameter):
      return "argument \"\(parameter)\" to \(name) given twice"
    case .emptyInput:
      return "\(name): empty input has no \(name)"
    case .assertionFailed(let message):
      return "\(name): \(message)"
    case .matrixTooLarge(let m, let n):
      return "\(name): a \(m)x\(n) matrix is too large (more than 2^31 elements)"
    case .matrixExceedsMemory(let m, let n, let memory, let limited):
      let size = { (bytes: Double) -> String in
        bytes >= 1_073_741_824
          ? NumberFormat.fixed(bytes / 1_073_741_824, decimals: 1) + " GiB"
          : NumberFormat.fixed(bytes / 1_048_576, decimals: 0) + " MiB"
      }
      let needs = size(Double(m) * Double(n) * 8)
      let available =
        limited
        ? "the \(size(Double(memory))) FLAR_MEMORY_LIMIT_MB allows"
        : "this machine's \(size(Double(memory)))"
      return "\(name): a \(m)x\(n) matrix needs \(needs) of float64, more than half of \(available)"
    case .modelFormNeedsLayer:
      return
        "\(name): the model form is predict_latency(p, model, layer, rank=k): a layer name must follow the model"
    case .shapeReadFromLayer(let parameter):
      return "\(name): \(parameter)= is read from the layer in the model form; leave it out"
    case .missingColumn(let column, let table, let columns):
      return
        "\(name): \(table) table has no column \"\(column)\" (columns: \(columns.joined(separator: ", ")))"
    case .notANumber(let row, let column, let table):
      return "\(name): \(table) table row \(row), column \"\(column)\": expected a number"
    case .bareMatrixCannotShrink(_, fixed: true):
      return "\(name): a bare matrix has no samples; pass cov(X) (a fixed λ works on cov(X) too)"
    case .bareMatrixCannotShrink(let method, fixed: false):
      return
        "\(name): method \"\(method)\" estimates λ from the samples, which a bare matrix does not keep; pass cov(X) or cov(st[layer])"
    case .rowIndexOutOfRange(let index, let count):
      return "\(name): row index \(index) is out of range for a table of \(count) rows"
    case .notARecord(let element, let culprit):
      return "\(name): element \(element) is \(culprit), expected a record (one row)"
    case .noColumns:
      return "\(name): no columns: give a non-empty list of records"
    case .noSuchFile(let path):
      return "\(name): no such file or directory \"\(path)\""
    case .cannotCreateDirectory(let path, let reason):
      return "\(name): cannot create directory \"\(path)\": \(reason)"
    case .replaceNeedsRankOrFactors:
      return
        "\(name): needs rank=k or factors=F (a search that left the layer dense has rank nil: keep the layer as it is)"
    }
  }

  /// The message without the builtin's name.
  public var description: String { message(builtin: "builtin") }
}
