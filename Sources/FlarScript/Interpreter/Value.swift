import FlarLinAlg

/// A value of the language.
///
/// Numbers are `Double`. Lists and records are references, mutable and shared
/// as in Python (`b = a; b[0] = 9` changes `a`); matrices are values (copied
/// on write), as NumPy arrays are not — assigning `A[i, j] = x` rewrites the
/// variable `A` and leaves other names bound to the old matrix unchanged.
public enum Value {
  case number(Double)
  case string(String)
  case bool(Bool)
  case null
  case list(ListBox)
  case record(RecordBox)
  case range(RangeValue)
  case matrix(Matrix<Double>)
  case function(FunctionValue)
  case handle(any Handle)

  /// The type name users see in messages and from `type(x)`.
  public var typeName: String {
    switch self {
    case .number: return "number"
    case .string: return "string"
    case .bool: return "bool"
    case .null: return "nil"
    case .list: return "list"
    case .record: return "record"
    case .range: return "range"
    case .matrix: return "matrix"
    case .function: return "function"
    case .handle(let handle): return handle.typeName
    }
  }

  /// The type name with an article, for messages: `a string`, `an SVD result`.
  public var typeNameWithArticle: String {
    if case .null = self { return "nil" }
    let name = typeName
    let vowel = name.first.map { "aeiouAEIOU".contains($0) } ?? false
    return (vowel ? "an " : "a ") + name
  }

  /// A `Float` matrix (weights, activations) as a language matrix.
  ///
  /// The language keeps one matrix type, `Double`; Float32 data widens on
  /// entry, which is exact.
  public init(_ m: Matrix<Float>) {
    self = .matrix(m.converted(to: Double.self))
  }

  /// Creates a list value.
  public static func list(_ elements: [Value]) -> Value {
    .list(ListBox(elements))
  }

  /// Creates a record value from ordered entries.
  public static func record(_ entries: [(String, Value)]) -> Value {
    .record(RecordBox(entries))
  }

  /// Python's truthiness: nil, false, 0, "", empty lists, records and ranges are false.
  ///
  /// Returns nil for a matrix with more than one element, whose truth is
  /// ambiguous (NumPy raises there too).
  public var truthiness: Bool? {
    switch self {
    case .number(let x): return x != 0
    case .string(let s): return !s.isEmpty
    case .bool(let b): return b
    case .null: return false
    case .list(let box): return !box.elements.isEmpty
    case .record(let box): return !box.keys.isEmpty
    case .range(let r): return r.count > 0
    case .matrix(let m):
      return m.count == 1 ? m.storage[0] != 0 : (m.count == 0 ? false : nil)
    case .function, .handle: return true
    }
  }

  /// The matrix a value stands for: a matrix, or a handle that stands for one.
  public var asMatrix: Matrix<Double>? {
    switch self {
    case .matrix(let m): return m
    case .handle(let h): return h.matrixValue
    default: return nil
    }
  }
}

/// A mutable list shared by reference.
public final class ListBox {
  /// The elements.
  public var elements: [Value]
  /// Registered with a session's `CycleCollector` (a shared value was stored
  /// into it).
  var isCycleCandidate = false

  /// Creates a list.
  public init(_ elements: [Value]) { self.elements = elements }
}

/// A mutable record with ordered keys, shared by reference.
public final class RecordBox {
  /// The keys in insertion order.
  public private(set) var keys: [String] = []
  private var values: [String: Value] = [:]
  /// Registered with a session's `CycleCollector` (a shared value was stored
  /// into it).
  var isCycleCandidate = false

  /// Creates a record from ordered entries; a repeated key keeps the last value.
  public init(_ entries: [(String, Value)] = []) {
    for (key, value) in entries { self[key] = value }
  }

  /// The value under `key`; setting appends new keys at the end.
  public subscript(key: String) -> Value? {
    get { values[key] }
    set {
      if let newValue {
        if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
      } else if values.removeValue(forKey: key) != nil {
        keys.removeAll { $0 == key }
      }
    }
  }

  /// The values, in no particular order (for the cycle collector).
  var allValues: [Value] { Array(values.values) }

  /// Drops every entry.
  func removeAll() {
    keys.removeAll()
    values.removeAll()
  }

  /// The entries in key order.
  public var entries: [(key: String, value: Value)] {
    keys.map { ($0, values[$0]!) }
  }
}

/// The range `start:end:step`, end excluded, as in slices and `numpy.arange`.
public struct RangeValue: Equatable, Sendable {
  /// First value.
  public var start: Double
  /// Bound, excluded.
  public var end: Double
  /// Increment; never zero.
  public var step: Double

  /// Creates a range.
  public init(start: Double, end: Double, step: Double = 1) {
    self.start = start
    self.end = end
    self.step = step
  }

  /// Number of values, `max(0, ceil((end - start) / step))`.
  public var count: Int {
    let n = ((end - start) / step).rounded(.up)
    return n.isFinite && n > 0 ? Int(min(n, Double(Int32.max))) : 0
  }

  /// The `i`th value.
  public func element(_ i: Int) -> Double { start + Double(i) * step }

  /// All values.
  public var values: [Double] { (0..<count).map(element) }
}
