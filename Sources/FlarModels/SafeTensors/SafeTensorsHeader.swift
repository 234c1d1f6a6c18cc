// The JSON header of a safetensors file, parsed and validated.
//
// Layout (huggingface/safetensors README):
//
//     [8 bytes: N, little-endian u64][N bytes: JSON header][data section]
//
// The header maps tensor names to {"dtype", "shape", "data_offsets":
// [begin, end]} with offsets relative to the data section, plus an optional
// "__metadata__" object of strings. Tensors must tile the data section
// exactly: no overlaps, no gaps, no trailing bytes.

/// The element types a safetensors header may name (a closed set).
public enum SafeTensorsDType: String, Sendable, CaseIterable {
  case f64 = "F64"
  case f32 = "F32"
  case f16 = "F16"
  case bf16 = "BF16"
  case i64 = "I64"
  case i32 = "I32"
  case u8 = "U8"
  case bool = "BOOL"

  /// Bytes per element.
  public var byteSize: Int {
    switch self {
    case .f64, .i64: return 8
    case .f32, .i32: return 4
    case .f16, .bf16: return 2
    case .u8, .bool: return 1
    }
  }
}

/// One tensor's entry in the header.
public struct SafeTensorInfo: Sendable, Equatable {
  public let name: String
  public let dtype: SafeTensorsDType
  public let shape: [Int]
  /// Byte range inside the data section.
  public let dataOffsets: Range<Int>

  /// Number of elements, the product of the shape (1 for a scalar).
  public var elementCount: Int { shape.reduce(1, *) }
}

/// A validated safetensors header.
public struct SafeTensorsHeader: Sendable {
  /// Upper bound on the header length, as safetensors' reader sets it.
  public static let maximumHeaderLength = 100_000_000

  /// The string map under `__metadata__` (empty when absent).
  public let metadata: [String: String]
  /// The tensors in the order of their data offsets.
  public let tensors: [SafeTensorInfo]
  /// Byte offset of the data section in the file (8 + header length).
  public let dataStart: Int

  /// Validates the first bytes of a file of `fileSize` bytes.
  ///
  /// - Parameters:
  ///   - bytes: the file's bytes (at least its header).
  ///   - fileSize: the whole file's size in bytes.
  ///   - path: the file's name, for error messages.
  /// - Throws: `SafeTensorsError`, one case per rule, in the reader's order.
  public static func parse(
    _ bytes: UnsafeRawBufferPointer, fileSize: Int, path: String
  ) throws -> SafeTensorsHeader {
    guard fileSize >= 8, bytes.count >= 8 else {
      throw SafeTensorsError.fileTooSmall(path: path, size: fileSize)
    }
    var n: UInt64 = 0
    for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
    guard n <= UInt64(maximumHeaderLength) else {
      throw SafeTensorsError.headerTooLarge(
        path: path, headerLength: n, limit: maximumHeaderLength)
    }
    let headerLength = Int(n)
    guard 8 + headerLength <= fileSize, 8 + headerLength <= bytes.count else {
      throw SafeTensorsError.headerPastEndOfFile(
        path: path, headerLength: n, fileSize: fileSize)
    }
    let text = UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + headerLength)])
    guard text.first == UInt8(ascii: "{") else {
      throw SafeTensorsError.headerNotAnObject(path: path, firstByte: text.first)
    }
    let json: JSONValue
    do {
      // Trailing spaces pad the header to an alignment; they are allowed.
      json = try parseJSON(text)
    } catch {
      throw SafeTensorsError.invalidHeaderJSON(path: path, detail: "\(error)")
    }
    let dataSize = fileSize - 8 - headerLength
    return try validate(json, dataStart: 8 + headerLength, dataSize: dataSize, path: path)
  }

  private static func validate(
    _ json: JSONValue, dataStart: Int, dataSize: Int, path: String
  ) throws -> SafeTensorsHeader {
    guard let pairs = json.objectValue else {
      throw SafeTensorsError.headerNotAnObject(path: path, firstByte: nil)
    }
    var metadata: [String: String] = [:]
    var tensors: [SafeTensorInfo] = []
    for (key, value) in pairs {
      if key == "__metadata__" {
        metadata = try parseMetadata(value, path: path)
      } else {
        tensors.append(try parseEntry(key, value, dataSize: dataSize, path: path))
      }
    }
    tensors.sort {
      ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound)
        < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound)
    }
    var expectedBegin = 0
    for (i, t) in tensors.enumerated() {
      if t.dataOffsets.lowerBound < expectedBegin {
        throw SafeTensorsError.overlappingTensors(
          path: path, first: tensors[i - 1].name, second: t.name,
          firstEnd: expectedBegin, secondBegin: t.dataOffsets.lowerBound)
      }
      if t.dataOffsets.lowerBound > expectedBegin {
        throw SafeTensorsError.gapBetweenTensors(
          path: path, tensor: t.name, begin: t.dataOffsets.lowerBound,
          expectedBegin: expectedBegin)
      }
      expectedBegin = t.dataOffsets.upperBound
    }
    guard expectedBegin == dataSize else {
      throw SafeTensorsError.trailingData(
        path: path, tensorsEnd: expectedBegin, dataSize: dataSize)
    }
    return SafeTensorsHeader(metadata: metadata, tensors: tensors, dataStart: dataStart)
  }

  private static func parseMetadata(_ value: JSONValue, path: String) throws -> [String: String] {
    guard let pairs = value.objectValue else {
      throw SafeTensorsError.invalidMetadata(path: path, detail: "it is not an object")
    }
    var out: [String: String] = [:]
    for (k, v) in pairs {
      guard let s = v.stringValue else {
        throw SafeTensorsError.invalidMetadata(
          path: path, detail: "value of \"\(k)\" is not a string")
      }
      out[k] = s
    }
    return out
  }

  private static func parseEntry(
    _ name: String, _ value: JSONValue, dataSize: Int, path: String
  ) throws -> SafeTensorInfo {
    func malformed(_ d: String) -> SafeTensorsError {
      .malformedTensorEntry(path: path, tensor: name, detail: d)
    }
    guard let fields = value.objectValue else { throw malformed("it is not an object") }
    for (k, _) in fields where !["dtype", "shape", "data_offsets"].contains(k) {
      throw malformed("unknown field \"\(k)\"")
    }
    guard let dtypeName = value["dtype"]?.stringValue else {
      throw malformed("\"dtype\" is missing or not a string")
    }
    guard let shapeItems = value["shape"]?.arrayValue,
      let shape = Optional(shapeItems.compactMap(\.intValue)),
      shape.count == shapeItems.count, shape.allSatisfy({ $0 >= 0 })
    else { throw malformed("\"shape\" is missing or not a list of non-negative integers") }
    guard let offsetItems = value["data_offsets"]?.arrayValue, offsetItems.count == 2,
      let begin = offsetItems[0].intValue, let end = offsetItems[1].intValue,
      begin >= 0, end >= 0
    else { throw malformed("\"data_offsets\" is missing or not two non-negative integers") }
    guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
      throw SafeTensorsError.unknownDType(path: path, tensor: name, dtype: dtypeName)
    }
    var elements = 1
    for d in shape {
      let (p, overflow) = elements.multipliedReportingOverflow(by: d)
      if overflow { throw SafeTensorsError.sizeOverflow(path: path, tensor: name, shape: shape) }
      elements = p
    }
    let (byteCount, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
    if overflow { throw SafeTensorsError.sizeOverflow(path: path, tensor: name, shape: shape) }
    guard begin <= end else {
      throw SafeTensorsError.reversedOffsets(path: path, tensor: name, begin: begin, end: end)
    }
    guard end - begin == byteCount else {
      throw SafeTensorsError.sizeMismatch(
        path: path, tensor: name, dtype: dtype.rawValue, begin: begin, end: end,
        expectedBytes: byteCount)
    }
    guard end <= dataSize else {
      throw SafeTensorsError.outsideDataSection(
        path: path, tensor: name, begin: begin, end: end, dataSize: dataSize)
    }
    return SafeTensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
  }
}
