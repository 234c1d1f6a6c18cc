/// A subcommand's `--name value` options over their defaults.
///
/// Every option takes a value; a name that has no default, a missing value
/// or a malformed number is an error that names it.
struct BenchOptions {
  private var values: [String: String]

  /// Reads `arguments` as `--name value` pairs over `defaults`.
  ///
  /// - Throws: `BenchOptionError.unknown` or `.missingValue`.
  init(_ arguments: [String], defaults: [String: String]) throws(BenchOptionError) {
    values = defaults
    var rest = arguments[...]
    while let name = rest.popFirst() {
      guard defaults[name] != nil else {
        throw .unknown(name, known: defaults.keys.sorted())
      }
      guard let value = rest.popFirst() else { throw .missingValue(name) }
      values[name] = value
    }
  }

  /// The value of option `name`, which must have a default.
  subscript(name: String) -> String { values[name]! }

  /// The value of option `name` as an integer.
  ///
  /// - Throws: `BenchOptionError.notAnInteger`.
  func integer(_ name: String) throws(BenchOptionError) -> Int {
    guard let n = Int(self[name]) else { throw .notAnInteger(name, self[name]) }
    return n
  }
}

/// Why a subcommand's options could not be read.
enum BenchOptionError: Error, CustomStringConvertible {
  case unknown(String, known: [String])
  case missingValue(String)
  case notAnInteger(String, String)
  case notPositive(String, Int)

  var description: String {
    switch self {
    case .unknown(let name, let known):
      return "unknown option \(name) (options: \(known.joined(separator: ", ")))"
    case .missingValue(let name): return "option \(name) needs a value"
    case .notAnInteger(let name, let value):
      return "option \(name) expects an integer, got \"\(value)\""
    case .notPositive(let name, let value):
      return "option \(name) must be at least 1, got \(value)"
    }
  }
}
