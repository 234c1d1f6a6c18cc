/// Why a JSON document does not have the shape a reader expects: a missing
/// key or a value of the wrong type, with the path to it.
public struct JSONShapeError: Error, Equatable, CustomStringConvertible {
  /// What is wrong and where: `missing key "forest" at top level`,
  /// `expected Double at forest.trees[0].threshold[3]`.
  public let reason: String
  public var description: String { reason }
}

/// A JSON value together with the path that leads to it, so that a decoder
/// written by hand reports where a key is missing or mistyped, as Foundation's
/// `DecodingError` does, without Foundation's coding machinery.
public struct JSONReader {
  public let value: JSONValue
  /// `forest.trees[0].left`; empty at the top level.
  public let path: String

  /// A reader at the top level of `value`.
  public init(_ value: JSONValue) {
    self.init(value, path: "")
  }

  private init(_ value: JSONValue, path: String) {
    self.value = value
    self.path = path
  }

  /// `at forest.trees[0]`, or `at top level`.
  public var location: String { path.isEmpty ? "at top level" : "at \(path)" }

  /// The member `key` of this object.
  ///
  /// - Throws: `JSONShapeError` when this is not an object or has no `key`.
  public func member(_ key: String) throws(JSONShapeError) -> JSONReader {
    guard case .object = value else { throw mismatch("object") }
    guard let member = value[key] else {
      throw JSONShapeError(reason: "missing key \"\(key)\" \(location)")
    }
    return JSONReader(member, path: path.isEmpty ? key : "\(path).\(key)")
  }

  /// The member `key`, or nil when it is absent or `null` (an optional field).
  public func optionalMember(_ key: String) throws(JSONShapeError) -> JSONReader? {
    guard case .object = value else { throw mismatch("object") }
    guard let member = value[key], member != .null else { return nil }
    return JSONReader(member, path: path.isEmpty ? key : "\(path).\(key)")
  }

  /// The elements of this array, each with its index in the path.
  public func elements() throws(JSONShapeError) -> [JSONReader] {
    guard let items = value.arrayValue else { throw mismatch("Array") }
    return items.enumerated().map { JSONReader($1, path: "\(path)[\($0)]") }
  }

  public func double() throws(JSONShapeError) -> Double {
    guard let d = value.doubleValue else { throw mismatch("Double") }
    return d
  }

  public func int() throws(JSONShapeError) -> Int {
    guard let i = value.intValue else { throw mismatch("Int") }
    return i
  }

  public func uint64() throws(JSONShapeError) -> UInt64 {
    guard case .number(let text) = value, let u = UInt64(text) else { throw mismatch("UInt64") }
    return u
  }

  public func bool() throws(JSONShapeError) -> Bool {
    guard let b = value.boolValue else { throw mismatch("Bool") }
    return b
  }

  public func string() throws(JSONShapeError) -> String {
    guard let s = value.stringValue else { throw mismatch("String") }
    return s
  }

  public func doubles() throws(JSONShapeError) -> [Double] {
    var out: [Double] = []
    for element in try elements() { out.append(try element.double()) }
    return out
  }

  public func ints() throws(JSONShapeError) -> [Int] {
    var out: [Int] = []
    for element in try elements() { out.append(try element.int()) }
    return out
  }

  public func strings() throws(JSONShapeError) -> [String] {
    var out: [String] = []
    for element in try elements() { out.append(try element.string()) }
    return out
  }

  private func mismatch(_ expected: String) -> JSONShapeError {
    let found = value == .null ? ", found null" : ""
    return JSONShapeError(reason: "expected \(expected)\(found) \(location)")
  }
}
