import FlarLinAlg
import Foundation

/// Binary operators with NumPy semantics.
extension Interpreter {
  /// Applies a binary operator other than `and`/`or` (which short-circuit).
  ///
  /// Numbers combine as numbers; `+` joins strings and lists; a matrix (or a
  /// handle standing for one, or a list of numbers meeting a matrix or a
  /// number) combines element-wise with broadcasting; `@` is the matrix
  /// product; comparisons of matrices are element-wise and give 0/1 matrices.
  func binary(
    _ op: BinaryOperator, _ left: Value, _ right: Value, lhs: Expr, rhs: Expr,
    at range: SourceRange
  ) throws(RuntimeError) -> Value {
    switch (op, left, right) {
    case (.equal, _, _) where !Self.isElementwisePair(left, right):
      return .bool(ValueEquality.equal(left, right))
    case (.notEqual, _, _) where !Self.isElementwisePair(left, right):
      return .bool(!ValueEquality.equal(left, right))
    case (.add, .string(let a), .string(let b)): return .string(a + b)
    case (.add, .list(let a), .list(let b)):
      return .list(a.elements + b.elements)
    case (_, .number(let a), .number(let b)):
      if let arithmetic = Self.arithmetic(op) {
        return .number(arithmetic(a, b))
      }
      if let comparison = Self.comparison(op) { return .bool(comparison(a, b)) }
    case (_, .string(let a), .string(let b)):
      if let comparison = Self.comparison(op) {
        return .bool(comparison(a < b ? -1 : (a == b ? 0 : 1), 0))
      }
    default: break
    }
    if op == .matmul, let a = left.asMatrix ?? listMatrix(left),
      let b = right.asMatrix ?? listMatrix(right)
    {
      // (m, 0) @ (0, n) is a whole m x n matrix: sized before it is made.
      if a.columns == b.rows { try checkResultSize(a.rows, b.columns, op: "@", at: range) }
      let product: Matrix<Double>?
      do {
        // A large product runs in blocks of rows, so that Ctrl-C stops it.
        product = try MatrixArithmetic.product(a, b) { [cancellation] in
          cancellation.isCancelled
        }
      } catch {
        throw RuntimeError(
          .shapeMismatch(op: "@", lhs: shape(error.lhs), rhs: shape(error.rhs)),
          at: range)
      }
      guard let product else { throw RuntimeError(.cancelled, at: range) }
      return .matrix(product)
    }
    if let elementwise = Self.arithmetic(op)
      ?? Self.comparison(op).map(Self.indicator)
    {
      if let result = try elementwiseResult(
        elementwise, op, left, right, at: range)
      {
        return result
      }
    }
    // Name the operand of the wrong type when it is a variable, else the other one.
    let suspects = Self.isArithmeticOperand(left) ? [rhs, lhs] : [lhs, rhs]
    let culprit = suspects.lazy.compactMap(culpritName).first
    throw RuntimeError(
      .unsupportedOperands(
        op, lhs: ValueFormatter.typeDescription(left),
        rhs: ValueFormatter.typeDescription(right),
        culprit: culprit),
      at: range)
  }

  /// Element-wise application when at least one side is a matrix (or a list
  /// of numbers) and the other a matrix, list of numbers or number.
  private func elementwiseResult(
    _ f: (Double, Double) -> Double, _ op: BinaryOperator, _ left: Value,
    _ right: Value,
    at range: SourceRange
  ) throws(RuntimeError) -> Value? {
    let a = left.asMatrix ?? listMatrix(left)
    let b = right.asMatrix ?? listMatrix(right)
    switch (a, b, left, right) {
    case (let a?, nil, _, .number(let x)):
      return .matrix(MatrixArithmetic.scalar(a, x, scalarOnLeft: false, f))
    case (nil, let b?, .number(let x), _):
      return .matrix(MatrixArithmetic.scalar(b, x, scalarOnLeft: true, f))
    case (let a?, let b?, _, _):
      // A column against a row broadcasts to a whole matrix: sized first.
      if let rows = MatrixArithmetic.merged(a.rows, b.rows),
        let columns = MatrixArithmetic.merged(a.columns, b.columns)
      {
        try checkResultSize(rows, columns, op: op.rawValue, at: range)
      }
      do {
        return .matrix(try MatrixArithmetic.broadcast(a, b, f))
      } catch {
        throw RuntimeError(
          .shapeMismatch(
            op: op.rawValue, lhs: shape(error.lhs), rhs: shape(error.rhs)),
          at: range)
      }
    default: return nil
    }
  }

  /// Refuses a result larger than a matrix builtin may make
  /// (`BuiltinFamily.checkSize`: 2³¹ elements, half of the memory), with
  /// the size it would have taken.
  func checkResultSize(_ rows: Int, _ columns: Int, op: String, at range: SourceRange)
    throws(RuntimeError)
  {
    do {
      try BuiltinFamily.checkSize(rows, columns)
    } catch {
      throw RuntimeError(.builtin(name: op, message: error.message(builtin: op)), at: range)
    }
  }

  /// True when one side is a matrix and the other a number, matrix or list of numbers.
  static func isElementwisePair(_ left: Value, _ right: Value) -> Bool {
    (left.asMatrix != nil && isArithmeticOperand(right))
      || (right.asMatrix != nil && isArithmeticOperand(left))
  }

  /// `(3, 4)`.
  func shape(_ dimensions: (Int, Int)) -> String {
    "(\(dimensions.0), \(dimensions.1))"
  }

  /// True for values arithmetic accepts on their own: numbers, matrices, lists of numbers.
  static func isArithmeticOperand(_ value: Value) -> Bool {
    switch value {
    case .number, .matrix: return true
    case .list: return MatrixConversion.matrix(from: value) != nil
    default: return value.asMatrix != nil
    }
  }

  /// The scalar function of an arithmetic operator.
  static func arithmetic(_ op: BinaryOperator) -> ((Double, Double) -> Double)? {
    switch op {
    case .add: return (+)
    case .subtract: return (-)
    case .multiply: return (*)
    case .divide: return (/)
    // Rounded down, as Python's and NumPy's `//`: `-7 // 2` is -4.
    case .floorDivide: return { a, b in (a / b).rounded(.down) }
    // Floored modulo, as Python's and NumPy's `%`: the result has the sign of the divisor.
    case .modulo: return { a, b in a - b * (a / b).rounded(.down) }
    case .power: return { a, b in Foundation.pow(a, b) }
    default: return nil
    }
  }

  /// The scalar predicate of a comparison operator.
  static func comparison(_ op: BinaryOperator) -> ((Double, Double) -> Bool)? {
    switch op {
    case .equal: return (==)
    case .notEqual: return (!=)
    case .less: return (<)
    case .lessEqual: return (<=)
    case .greater: return (>)
    case .greaterEqual: return (>=)
    default: return nil
    }
  }

  /// A predicate as a 0/1 function, for element-wise comparisons of matrices.
  static func indicator(_ predicate: @escaping (Double, Double) -> Bool) -> (
    Double, Double
  ) -> Double {
    { predicate($0, $1) ? 1 : 0 }
  }
}

/// Structural equality, as Python's `==` on lists and dicts.
enum ValueEquality {
  /// Containers nested deeper than this compare unequal, so that lists
  /// holding themselves end instead of overflowing the stack.
  static let maximumDepth = 64

  /// True when two values are equal; values of different types are unequal.
  static func equal(_ a: Value, _ b: Value) -> Bool {
    var compared: [ContainerPair: Bool] = [:]
    return equal(a, b, depth: 0, compared: &compared)
  }

  /// Two containers by identity.
  private struct ContainerPair: Hashable {
    let left: ObjectIdentifier
    let right: ObjectIdentifier
  }

  /// `compared` holds the outcome of every pair of containers compared so
  /// far: a list that holds one list three times, sixteen levels deep, is
  /// 3¹⁶ elements when unfolded but sixteen comparisons when each pair is
  /// compared once.
  private static func equal(
    _ a: Value, _ b: Value, depth: Int, compared: inout [ContainerPair: Bool]
  ) -> Bool {
    guard depth < maximumDepth else { return false }
    switch (a, b) {
    case (.number(let x), .number(let y)): return x == y
    case (.string(let x), .string(let y)): return x == y
    case (.bool(let x), .bool(let y)): return x == y
    case (.null, .null): return true
    case (.list(let x), .list(let y)):
      if x === y { return true }
      guard x.elements.count == y.elements.count else { return false }
      let pair = ContainerPair(left: ObjectIdentifier(x), right: ObjectIdentifier(y))
      if let known = compared[pair] { return known }
      let result = zip(x.elements, y.elements).allSatisfy {
        equal($0, $1, depth: depth + 1, compared: &compared)
      }
      compared[pair] = result
      return result
    case (.record(let x), .record(let y)):
      if x === y { return true }
      guard x.keys == y.keys else { return false }
      let pair = ContainerPair(left: ObjectIdentifier(x), right: ObjectIdentifier(y))
      if let known = compared[pair] { return known }
      let result = x.keys.allSatisfy {
        equal(x[$0]!, y[$0]!, depth: depth + 1, compared: &compared)
      }
      compared[pair] = result
      return result
    case (.range(let x), .range(let y)): return x == y
    case (.matrix(let x), .matrix(let y)): return x == y
    case (.function(let f), .function(let g)): return f.name == g.name
    case (.handle(let h), .handle(let k)): return h === k
    default: return false
    }
  }
}
