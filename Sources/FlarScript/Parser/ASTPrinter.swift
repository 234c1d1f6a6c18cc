import FlarCore

/// Prints syntax trees as canonical S-expressions, for tests and `:ast`.
///
/// Every operator is parenthesised with its operator first, so precedence
/// and associativity are visible: `1 + 2 * 3` prints `(+ 1 (* 2 3))`.
public enum ASTPrinter {
  /// One statement per line.
  public static func print(_ statements: [Stmt]) -> String {
    statements.map(print).joined(separator: "\n")
  }

  /// A statement.
  public static func print(_ statement: Stmt) -> String {
    switch statement.kind {
    case .expression(let e): return print(e)
    case .assign(let target, let value):
      return "(= \(print(target)) \(print(value)))"
    case .ifStatement(let branches, let elseBody):
      let arms = branches.map { "\(print($0.condition)) \(block($0.body))" }
      let otherwise = elseBody.map { " else \(block($0))" } ?? ""
      return "(if " + arms.joined(separator: " elif ") + otherwise + ")"
    case .forLoop(let variables, _, let iterable, let body):
      return "(for \(variables.joined(separator: " ")) \(print(iterable)) \(block(body)))"
    case .whileLoop(let condition, let body):
      return "(while \(print(condition)) \(block(body)))"
    case .breakStatement: return "(break)"
    case .returnStatement(let value):
      return value.map { "(return \(print($0)))" } ?? "(return)"
    case .function(let decl):
      let parameters = decl.parameters.map { p in
        p.defaultValue.map { "\(p.name)=\(print($0))" } ?? p.name
      }
      return
        "(def \(decl.name) (\(parameters.joined(separator: " "))) \(block(decl.body)))"
    }
  }

  /// An expression.
  public static func print(_ expression: Expr) -> String {
    switch expression.kind {
    case .number(let x): return NumberFormat.shortest(x)
    case .string(let s): return ValueFormatter.quote(s)
    case .bool(let b): return b ? "true" : "false"
    case .null: return "nil"
    case .name(let name): return name
    case .list(let elements):
      return "(list" + elements.map { " " + print($0) }.joined() + ")"
    case .record(let entries):
      return "(record"
        + entries.map { " \($0.key)=\(print($0.value))" }.joined() + ")"
    case .range(let start, let end, let step):
      let parts = [start, end, step].map { $0.map(print) ?? "_" }
      return "(: "
        + (step == nil ? parts.prefix(2) : parts[...]).joined(separator: " ")
        + ")"
    case .unary(let op, let operand):
      return "(\(op.rawValue) \(print(operand)))"
    case .binary(let op, let lhs, let rhs, _):
      return "(\(op.rawValue) \(print(lhs)) \(print(rhs)))"
    case .call(let callee, let arguments):
      let rendered = arguments.map { a in
        a.name.map { "\($0)=\(print(a.value))" } ?? print(a.value)
      }
      return "(call \(print(callee))" + rendered.map { " " + $0 }.joined() + ")"
    case .field(let base, let name, _): return "(. \(print(base)) \(name))"
    case .index(let base, let indices):
      return "(index \(print(base))" + indices.map { " " + print($0) }.joined()
        + ")"
    case .transpose(let base): return "(.T \(print(base)))"
    case .comprehension(let element, let variables, let iterable, let condition):
      return "(comprehension \(print(element)) (\(variables.joined(separator: " "))) "
        + print(iterable) + (condition.map { " (if \(print($0)))" } ?? "") + ")"
    }
  }

  private static func block(_ body: [Stmt]) -> String {
    "(block" + body.map { " " + print($0) }.joined() + ")"
  }
}
