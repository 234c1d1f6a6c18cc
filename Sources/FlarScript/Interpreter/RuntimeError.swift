import FlarCore

/// Errors raised while running a program, each with the range that failed.
public struct RuntimeError: Error, CustomStringConvertible {
  /// What went wrong.
  public enum Kind: Equatable, Sendable {
    /// A name bound nowhere; `suggestion` is the closest existing name.
    case unknownName(String, suggestion: String?)
    /// An operator applied to operand types it does not take.
    case unsupportedOperands(
      BinaryOperator, lhs: String, rhs: String, culprit: String?)
    /// A unary operator on a type it does not take.
    case unsupportedOperand(op: String, type: String, culprit: String?)
    /// Shapes that do not broadcast or multiply: `(3, 4)` and `(2, 4)` for `'+'`.
    case shapeMismatch(op: String, lhs: String, rhs: String)
    /// A value used as a condition has no single truth value.
    case ambiguousTruth(String)
    /// `x.name` where `x` has no such field.
    case unknownField(String, type: String, suggestion: String?)
    /// A value of this type has no fields.
    case noFields(String)
    /// An index out of range: `index 5 out of range for list of length 3`.
    case indexOutOfRange(index: Int, type: String, length: Int)
    /// A key a record or handle does not have.
    case unknownKey(String, type: String, suggestion: String?)
    /// An index of the wrong type or form.
    case badIndex(String)
    /// Calling something that is not a function.
    case notCallable(String)
    /// A call's arguments do not fit a user function's parameters.
    case badCall(String)
    /// An error from a builtin, with the builtin's name.
    case builtin(name: String, message: String)
    /// Iterating over a value that cannot be iterated.
    case notIterable(String)
    /// Assigning through `.field` or `[index]` into an immutable value.
    case immutable(String)
    /// Too deep a recursion.
    case recursionLimit(Int)
    /// Expressions nested too deeply to evaluate (`1 + 1 + …` a thousand times).
    case nestingLimit(Int)
    /// Ctrl-C.
    case cancelled
    /// More statements and loop iterations than `Interpreter.stepLimit` allows.
    case stepLimit(Int)
  }

  /// What went wrong.
  public var kind: Kind
  /// The range the error points at.
  public var range: SourceRange

  /// Creates an error.
  public init(_ kind: Kind, at range: SourceRange) {
    self.kind = kind
    self.range = range
  }

  /// The message, lower-case and without a full stop.
  public var description: String {
    switch kind {
    case .unknownName(let name, _): return "unknown name \"\(name)\""
    case .unsupportedOperands(let op, let lhs, let rhs, let culprit):
      return "cannot \(Self.phrase(op, lhs, rhs))"
        + (culprit.map { " (\($0))" } ?? "")
    case .unsupportedOperand(let op, let type, let culprit):
      return "cannot apply '\(op)' to \(type)"
        + (culprit.map { " (\($0))" } ?? "")
    case .shapeMismatch(let op, let lhs, let rhs):
      return "shapes \(lhs) and \(rhs) do not match for '\(op)'"
        + (op == "@"
          ? " (columns of the left must equal rows of the right)" : "")
    case .ambiguousTruth(let type):
      return
        "the truth value of \(type) with more than one element is ambiguous"
    case .unknownField(let name, let type, _):
      return "\(type) has no field \"\(name)\""
    case .noFields(let type): return "\(type) has no fields"
    case .indexOutOfRange(let index, let type, let length):
      return "index \(index) out of range for \(type) of length \(length)"
    case .unknownKey(let key, let type, _):
      return "\(type) has no key \"\(key)\""
    case .badIndex(let message): return message
    case .notCallable(let type): return "cannot call \(type)"
    case .badCall(let message): return message
    case .builtin(_, let message): return message
    case .notIterable(let type): return "cannot iterate over \(type)"
    case .immutable(let message): return message
    case .recursionLimit(let depth):
      return "recursion deeper than \(depth) calls"
    case .nestingLimit(let depth):
      return "expression nested deeper than \(depth) levels"
    case .cancelled: return "cancelled"
    case .stepLimit(let limit):
      return "stopped after \(limit) steps (statements and loop iterations), the step limit"
    }
  }

  /// `multiply a string by a matrix`: the operation in words.
  private static func phrase(_ op: BinaryOperator, _ lhs: String, _ rhs: String)
    -> String
  {
    switch op {
    case .add: return "add \(rhs) to \(lhs)"
    case .subtract: return "subtract \(rhs) from \(lhs)"
    case .multiply: return "multiply \(lhs) by \(rhs)"
    case .divide: return "divide \(lhs) by \(rhs)"
    case .floorDivide: return "floor-divide \(lhs) by \(rhs)"
    case .modulo: return "take \(lhs) modulo \(rhs)"
    case .power: return "raise \(lhs) to the power of \(rhs)"
    case .matmul: return "matrix-multiply \(lhs) by \(rhs)"
    default: return "compare \(lhs) with \(rhs) using '\(op.rawValue)'"
    }
  }

  /// Follow-up notes, such as suggestions.
  public var notes: [Diagnostic.Note] {
    switch kind {
    case .unknownName(_, let suggestion?), .unknownField(_, _, let suggestion?),
      .unknownKey(_, _, let suggestion?):
      return [.init(Suggestion.didYouMean(suggestion))]
    default: return []
    }
  }

  /// The error as a renderable diagnostic.
  public var diagnostic: Diagnostic {
    Diagnostic(description, at: range, notes: notes)
  }
}
