import FlarLinAlg

/// The arguments of one builtin call, bound to parameters and type-checked.
///
/// Accessors convert to Swift types. They throw `BuiltinError.badArgument`
/// only for conversions the declared type cannot promise (a ragged nested
/// list given as a matrix, a negative size), so messages keep one form.
public struct Arguments {
  /// The builtin's name, for messages.
  public let builtinName: String
  /// Values by parameter name, defaults filled in.
  public let values: [String: Value]
  /// Positional arguments collected by the variadic parameter.
  public let rest: [Value]
  /// Index of the first variadic argument among all positional ones (1-based).
  let restOffset: Int

  /// Creates bound arguments (the interpreter's binder does this).
  public init(
    builtinName: String, values: [String: Value], rest: [Value] = [],
    restOffset: Int = 1
  ) {
    self.builtinName = builtinName
    self.values = values
    self.rest = rest
    self.restOffset = restOffset
  }

  /// The value of parameter `name` (nil for a missing optional parameter).
  public subscript(name: String) -> Value { values[name] ?? .null }

  /// True when parameter `name` is nil.
  public func isNil(_ name: String) -> Bool {
    if case .null = self[name] { return true }
    return false
  }

  /// Parameter `name` as a number.
  public func number(_ name: String) throws(BuiltinError) -> Double {
    guard case .number(let x) = self[name] else { throw bad(name, "a number") }
    return x
  }

  /// Parameter `name` as an integer; `minimum` bounds it from below.
  public func integer(_ name: String, minimum: Int? = nil) throws(BuiltinError)
    -> Int
  {
    guard case .number(let x) = self[name], x == x.rounded(), abs(x) < 1e15
    else {
      throw bad(name, "an integer")
    }
    if let minimum, Int(x) < minimum {
      throw bad(
        name,
        minimum == 0 ? "a non-negative integer" : "an integer ≥ \(minimum)")
    }
    return Int(x)
  }

  /// Parameter `name` as a string.
  public func string(_ name: String) throws(BuiltinError) -> String {
    guard case .string(let s) = self[name] else { throw bad(name, "a string") }
    return s
  }

  /// Parameter `name` as a boolean.
  public func bool(_ name: String) throws(BuiltinError) -> Bool {
    guard case .bool(let b) = self[name] else {
      throw bad(name, "true or false")
    }
    return b
  }

  /// Parameter `name` as a matrix (numbers and nested lists convert).
  public func matrix(_ name: String) throws(BuiltinError) -> Matrix<Double> {
    guard let m = MatrixConversion.matrix(from: self[name]) else {
      throw bad(name, "a matrix")
    }
    return m
  }

  /// Parameter `name` as a handle of Swift type `T` (a model, a factor).
  ///
  /// - Parameter expected: what the message says was expected, such as
  ///   `"a model"`.
  public func handle<T: Handle>(
    _ name: String, as type: T.Type, expected: String
  ) throws(BuiltinError) -> T {
    guard case .handle(let handle) = self[name], let typed = handle as? T else {
      throw bad(name, expected)
    }
    return typed
  }

  /// Parameter `name` as a list of strings (layer names, sentences).
  public func strings(_ name: String) throws(BuiltinError) -> [String] {
    var out: [String] = []
    for element in try list(name) {
      guard case .string(let s) = element else {
        throw bad(name, "a list of strings")
      }
      out.append(s)
    }
    return out
  }

  /// Parameter `name` as a number, or nil when it is nil.
  public func optionalNumber(_ name: String) throws(BuiltinError) -> Double? {
    isNil(name) ? nil : try number(name)
  }

  /// Parameter `name` as a list of values (ranges expand).
  public func list(_ name: String) throws(BuiltinError) -> [Value] {
    switch self[name] {
    case .list(let box): return box.elements
    case .range(let r) where r.count <= 1 << 27:
      return r.values.map(Value.number)
    default: throw bad(name, "a list")
    }
  }

  /// The error for parameter `name` holding something other than `expected`.
  public func bad(_ name: String, _ expected: String) -> BuiltinError {
    .badArgument(
      .named(name), expected: expected, got: ValueFormatter.culprit(self[name]))
  }

  /// The error for the `index`th variadic argument (0-based in `rest`).
  public func badRest(_ index: Int, _ expected: String) -> BuiltinError {
    .badArgument(
      .position(restOffset + index), expected: expected,
      got: ValueFormatter.culprit(rest[index]))
  }
}

/// Converts language values to matrices where a matrix is expected.
public enum MatrixConversion {
  /// A matrix for a matrix, a matrix-like handle, a number (1x1), a range or
  /// list of numbers (a 1xn row), or a list of equal-length lists of numbers.
  public static func matrix(from value: Value) -> Matrix<Double>? {
    switch value {
    case .matrix(let m): return m
    case .handle(let h): return h.matrixValue
    case .number(let x): return Matrix(rows: 1, columns: 1, storage: [x])
    // A range is materialised only up to 2²⁷ values (1 GiB); `for` walks
    // longer ones lazily.
    case .range(let r) where r.count <= 1 << 27: return .row(r.values)
    case .list(let box):
      if let numbers = numbers(box.elements) { return .row(numbers) }
      var rows: [[Double]] = []
      for element in box.elements {
        guard case .list(let inner) = element, let row = numbers(inner.elements)
        else { return nil }
        rows.append(row)
      }
      guard let width = rows.first?.count,
        rows.allSatisfy({ $0.count == width })
      else { return nil }
      return Matrix(rows)
    default: return nil
    }
  }

  /// The numbers of a list whose elements are all numbers, else nil.
  public static func numbers(_ elements: [Value]) -> [Double]? {
    var out: [Double] = []
    out.reserveCapacity(elements.count)
    for element in elements {
      guard case .number(let x) = element else { return nil }
      out.append(x)
    }
    return out
  }
}
