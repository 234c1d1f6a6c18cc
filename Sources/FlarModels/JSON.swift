import FlarCore

// The model code reads JSON through FlarCore's one `JSONValue`; these names
// let every FlarModels file (and its clients) use it without importing
// FlarCore, as before the two JSON types became one.

/// FlarCore's `JSONValue`, the one JSON value of flar.
public typealias JSONValue = FlarCore.JSONValue

/// FlarCore's `JSONError`: why a JSON text could not be parsed.
public typealias JSONError = FlarCore.JSONError

/// Parses JSON text held in `bytes`; whitespace may surround the value.
///
/// The same as `JSONValue.parse(_:)`.
///
/// - Throws: `JSONError` with the byte offset of the problem.
public func parseJSON<C: Collection<UInt8>>(_ bytes: C) throws -> JSONValue {
  try JSONValue.parse(bytes)
}
