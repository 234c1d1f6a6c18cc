import FlarLinAlg

/// An opaque value made by another layer: a model, statistics, an SVD result.
///
/// Other modules conform their result types (or small wrappers) to this
/// protocol; the language prints `summary`, resolves `x.name` through
/// `field(named:)`, lists `fieldNames` for `fields(x)` and completion, and
/// treats the handle as a matrix wherever one is expected when `matrixValue`
/// is not nil (a covariance, a Cholesky factor: `W @ S` works).
public protocol Handle: AnyObject {
  /// The type name shown by `type(x)` and in messages: `"model"`, `"svd"`.
  var typeName: String { get }
  /// A summary that fits on one screen, printed when the value is shown.
  var summary: String { get }
  /// The names `x.name` accepts, in a useful order.
  var fieldNames: [String] { get }
  /// The field `name`, or nil when there is none.
  func field(named name: String) -> Value?
  /// The matrix this handle stands for, if it stands for one.
  var matrixValue: Matrix<Double>? { get }
  /// `x[key]`, for handles indexed by name (statistics by layer); nil when
  /// the key is not there.
  ///
  /// - Throws: `BuiltinError` for a key of the wrong kind.
  func element(at key: Value) throws -> Value?
  /// The keys `x[key]` accepts, for messages and completion.
  var elementKeys: [String] { get }
}

extension Handle {
  public var matrixValue: Matrix<Double>? { nil }
  public func element(at key: Value) throws -> Value? { nil }
  public var elementKeys: [String] { [] }
}

/// A function value: a user `def` with its closure, or a builtin.
public indirect enum FunctionValue {
  case user(UserFunction)
  case builtin(Builtin)

  /// The function's name.
  public var name: String {
    switch self {
    case .user(let function): return function.declaration.name
    case .builtin(let builtin): return builtin.name
    }
  }
}

/// A function defined with `def`, with the environment it closes over.
public final class UserFunction {
  /// The definition.
  public let declaration: FunctionDecl
  /// The scope the `def` ran in; calls make a child of it.
  let closure: Environment

  init(declaration: FunctionDecl, closure: Environment) {
    self.declaration = declaration
    self.closure = closure
  }
}
