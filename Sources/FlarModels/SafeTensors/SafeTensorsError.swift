import FlarCore

// The safetensors format's validation rules, one error case per rule, in the
// order the reader checks them (huggingface/safetensors README, "Format", and
// its Rust reader). Every case names the file, and where it applies the
// tensor, the byte range and the expected and actual sizes.
//
// Byte ranges of tensors are relative to the start of the data section (as in
// the header); the data section starts at byte 8 + header length.

/// A malformed or unusable safetensors file.
public enum SafeTensorsError: Error, Equatable, CustomStringConvertible {
  /// The file is shorter than the 8-byte header length.
  case fileTooSmall(path: String, size: Int)
  /// The header length exceeds flar's cap (100 MB, as safetensors' reader).
  case headerTooLarge(path: String, headerLength: UInt64, limit: Int)
  /// 8 + header length runs past the end of the file.
  case headerPastEndOfFile(path: String, headerLength: UInt64, fileSize: Int)
  /// The header does not start with `{`.
  case headerNotAnObject(path: String, firstByte: UInt8?)
  /// The header is not valid UTF-8 / JSON, or has a duplicate key.
  case invalidHeaderJSON(path: String, detail: String)
  /// `__metadata__` is not an object mapping strings to strings.
  case invalidMetadata(path: String, detail: String)
  /// A tensor entry is not `{dtype, shape, data_offsets}` of the right types.
  case malformedTensorEntry(path: String, tensor: String, detail: String)
  /// The dtype is not one of the closed set.
  case unknownDType(path: String, tensor: String, dtype: String)
  /// A shape's element count or byte size overflows `Int`.
  case sizeOverflow(path: String, tensor: String, shape: [Int])
  /// `data_offsets` has begin > end.
  case reversedOffsets(path: String, tensor: String, begin: Int, end: Int)
  /// `end - begin` differs from `product(shape) * dtype size`.
  case sizeMismatch(
    path: String, tensor: String, dtype: String, begin: Int, end: Int,
    expectedBytes: Int)
  /// A tensor ends beyond the data section.
  case outsideDataSection(
    path: String, tensor: String, begin: Int, end: Int, dataSize: Int)
  /// Two tensors claim overlapping bytes.
  case overlappingTensors(
    path: String, first: String, second: String, firstEnd: Int, secondBegin: Int)
  /// Bytes between two tensors (or before the first) belong to none.
  case gapBetweenTensors(path: String, tensor: String, begin: Int, expectedBegin: Int)
  /// The data section is longer than its tensors.
  case trailingData(path: String, tensorsEnd: Int, dataSize: Int)
  /// No tensor of that name; `suggestion` is the closest name, if any.
  case tensorNotFound(path: String, tensor: String, suggestion: String?)
  /// The tensor's dtype cannot be converted to the requested element type.
  case unsupportedConversion(path: String, tensor: String, dtype: String, to: String)
  /// The tensor has a different shape from the one required.
  case unexpectedShape(path: String, tensor: String, expected: [Int], actual: [Int])
  /// The operating system refused to open or map the file.
  case cannotOpen(path: String, reason: String)

  public var description: String {
    func shape(_ s: [Int]) -> String { "(" + s.map(String.init).joined(separator: ", ") + ")" }
    switch self {
    case .fileTooSmall(let p, let s):
      return "\"\(p)\" is too small for a safetensors file: \(s) bytes, needs at least 8"
    case .headerTooLarge(let p, let n, let limit):
      return "header of \"\(p)\" claims \(n) bytes, more than the limit of \(limit)"
    case .headerPastEndOfFile(let p, let n, let size):
      return
        "header of \"\(p)\" claims \(n) bytes (ending at byte \(8 + n)) but the file has \(size) bytes"
    case .headerNotAnObject(let p, let b):
      let found = b.map { "byte 0x\(String($0, radix: 16))" } ?? "an empty header"
      return "header of \"\(p)\" must start with '{', found \(found)"
    case .invalidHeaderJSON(let p, let d):
      return "header of \"\(p)\" is not valid JSON: \(d)"
    case .invalidMetadata(let p, let d):
      return "\"__metadata__\" of \"\(p)\" must map strings to strings: \(d)"
    case .malformedTensorEntry(let p, let t, let d):
      return "malformed entry for tensor \"\(t)\" in \"\(p)\": \(d)"
    case .unknownDType(let p, let t, let d):
      let known = SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
      return "unknown dtype \"\(d)\" for tensor \"\(t)\" in \"\(p)\", expected one of \(known)"
    case .sizeOverflow(let p, let t, let s):
      return "size of tensor \"\(t)\" with shape \(shape(s)) in \"\(p)\" overflows"
    case .reversedOffsets(let p, let t, let b, let e):
      return "data_offsets of tensor \"\(t)\" in \"\(p)\" are reversed: begin \(b) > end \(e)"
    case .sizeMismatch(let p, let t, let d, let b, let e, let expected):
      return
        "expected \(d) tensor of \(expected) bytes for \"\(t)\" in \"\(p)\", header says \(e - b) (offsets \(b)..\(e))"
    case .outsideDataSection(let p, let t, let b, let e, let size):
      return
        "tensor \"\(t)\" in \"\(p)\" spans bytes \(b)..\(e) of a data section of \(size) bytes"
    case .overlappingTensors(let p, let a, let b, let aEnd, let bBegin):
      return
        "tensors \"\(a)\" and \"\(b)\" in \"\(p)\" overlap: \"\(a)\" ends at \(aEnd), \"\(b)\" begins at \(bBegin)"
    case .gapBetweenTensors(let p, let t, let b, let expected):
      return
        "tensor \"\(t)\" in \"\(p)\" begins at \(b), expected \(expected) (bytes \(expected)..\(b) belong to no tensor)"
    case .trailingData(let p, let end, let size):
      return
        "data section of \"\(p)\" has \(size) bytes but its tensors end at \(end)"
    case .tensorNotFound(let p, let t, let s):
      return "no tensor \"\(t)\" in \"\(p)\"" + Suggestion.parenthetical(s)
    case .unsupportedConversion(let p, let t, let d, let to):
      return "tensor \"\(t)\" in \"\(p)\" has dtype \(d), which cannot be read as \(to)"
    case .unexpectedShape(let p, let t, let e, let a):
      return "tensor \"\(t)\" in \"\(p)\" has shape \(shape(a)), expected \(shape(e))"
    case .cannotOpen(let p, let r):
      return "cannot open \"\(p)\": \(r)"
    }
  }
}
