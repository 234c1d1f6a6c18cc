/// An expression node with the range of source it spans.
public struct Expr: Sendable, Equatable {
  /// What the expression is.
  public indirect enum Kind: Sendable, Equatable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case null
    /// A variable or builtin name.
    case name(String)
    case list([Expr])
    case record([RecordEntry])
    /// `a:b`, `a:b:step`; in index brackets any part may be missing (`:`, `2:`).
    case range(start: Expr?, end: Expr?, step: Expr?)
    case unary(UnaryOperator, Expr)
    /// `operatorRange` is where runtime errors about the operator point.
    case binary(BinaryOperator, Expr, Expr, operatorRange: SourceRange)
    /// `x |> f(y)` is parsed to the call `f(x, y)`, so calls cover pipes too.
    case call(Expr, [Argument])
    case field(Expr, name: String, nameRange: SourceRange)
    case index(Expr, [Expr])
    /// `.T`.
    case transpose(Expr)
    /// `[element for x in iterable if condition]`; `for k, v in …` binds two
    /// names. The names live in a scope of their own, as in Python 3.
    case comprehension(
      element: Expr, variables: [String], iterable: Expr, condition: Expr?)
  }

  /// What the expression is.
  public var kind: Kind
  /// Its source range.
  public var range: SourceRange

  /// Creates an expression node.
  public init(_ kind: Kind, _ range: SourceRange) {
    self.kind = kind
    self.range = range
  }
}

extension Expr {
  /// One `key: value` entry of a record literal.
  public struct RecordEntry: Sendable, Equatable {
    /// The key.
    public var key: String
    /// Where the key is written.
    public var keyRange: SourceRange
    /// The value expression.
    public var value: Expr
  }

  /// A call argument, positional (`name == nil`) or named (`k=2`).
  public struct Argument: Sendable, Equatable {
    /// The name of a named argument.
    public var name: String?
    /// Where the name is written.
    public var nameRange: SourceRange?
    /// The value.
    public var value: Expr

    /// The range of the whole argument, `k=2` or `2`.
    public var range: SourceRange {
      nameRange.map { $0.merged(with: value.range) } ?? value.range
    }
  }
}

/// Prefix operators.
public enum UnaryOperator: String, Sendable {
  case negate = "-"
  case not = "not"
}

/// Infix operators, spelled as in source.
public enum BinaryOperator: String, Sendable {
  case add = "+"
  case subtract = "-"
  case multiply = "*"
  case divide = "/"
  /// `//`: the quotient rounded down, as Python's and NumPy's.
  case floorDivide = "//"
  case modulo = "%"
  case power = "^"
  case matmul = "@"
  case equal = "=="
  case notEqual = "!="
  case less = "<"
  case lessEqual = "<="
  case greater = ">"
  case greaterEqual = ">="
  case and = "and"
  case or = "or"
}

/// A statement node with its source range.
public struct Stmt: Sendable, Equatable {
  /// What the statement is.
  public indirect enum Kind: Sendable, Equatable {
    /// An expression whose value the REPL prints.
    case expression(Expr)
    /// `target = value`; the target is a name, a `.field` or an `[index]`.
    case assign(target: Expr, value: Expr)
    /// `if c then … elif c then … else … end`.
    case ifStatement(branches: [ConditionalBranch], elseBody: [Stmt]?)
    /// `for name in iterable do … end`; `for k, v in …` binds two names
    /// (a record's keys and values, or the pairs of a list).
    case forLoop(
      variables: [String], variableRange: SourceRange, iterable: Expr, body: [Stmt]
    )
    /// `while c do … end`.
    case whileLoop(condition: Expr, body: [Stmt])
    case breakStatement
    case returnStatement(Expr?)
    /// `def name(params) … end`.
    case function(FunctionDecl)
  }

  /// What the statement is.
  public var kind: Kind
  /// Its source range (the first line of a block statement and its body).
  public var range: SourceRange

  /// Creates a statement node.
  public init(_ kind: Kind, _ range: SourceRange) {
    self.kind = kind
    self.range = range
  }
}

/// One `cond then body` arm of an `if`.
public struct ConditionalBranch: Sendable, Equatable {
  /// The condition.
  public var condition: Expr
  /// The statements run when it holds.
  public var body: [Stmt]
}

extension FunctionDecl {
  /// A parameter of a `def`, with an optional default expression.
  public struct Parameter: Sendable, Equatable {
    /// The parameter's name.
    public var name: String
    /// Where it is written.
    public var range: SourceRange
    /// The default, evaluated at each call that omits the argument.
    public var defaultValue: Expr?
  }
}

/// A function definition: name, parameters and body.
public struct FunctionDecl: Sendable, Equatable {
  /// The function's name.
  public var name: String
  /// Where the name is written.
  public var nameRange: SourceRange
  /// The parameters, in order.
  public var parameters: [Parameter]
  /// The body.
  public var body: [Stmt]
}
