import Foundation

/// Reading and writing the `.npy` format.
///
/// Layout (NumPy's `format.py`, versions 1.0–3.0): the magic `\x93NUMPY`,
/// a major and minor version byte, the header length (`uint16` for 1.0,
/// `uint32` for 2.0 and 3.0, little-endian), then an ASCII Python dict
/// literal such as `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`
/// padded with spaces to a multiple of 64 bytes and ended by `\n`; the raw
/// data follows.
extension NumPyArray {
  static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

  /// Decodes `.npy` bytes; `path` only names the source in errors.
  public static func decode(_ bytes: [UInt8], path: String) throws -> NumPyArray {
    guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
      throw NumPyFileError.badMagic(path: path)
    }
    let major = bytes[6]
    let headerLength: Int
    let headerStart: Int
    switch major {
    case 1:
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
      headerStart = 10
    case 2, 3:
      guard bytes.count >= 12 else {
        throw NumPyFileError.truncated(path: path, needed: 12, available: bytes.count)
      }
      headerLength =
        Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
      headerStart = 12
    default:
      throw NumPyFileError.badHeader(path: path, detail: "unknown format version \(major)")
    }
    let dataStart = headerStart + headerLength
    guard dataStart <= bytes.count else {
      throw NumPyFileError.truncated(path: path, needed: dataStart, available: bytes.count)
    }
    let header = String(decoding: bytes[headerStart..<dataStart], as: UTF8.self)
    let (descr, fortran, shape) = try parseHeader(header, path: path)
    if fortran && shape.count > 1 { throw NumPyFileError.fortranOrder(path: path) }
    // A header can claim any shape: multiply with overflow checks, so a
    // shape like (77777777777777, 77777, 2) is a truncation error, not a trap.
    var count = 1
    for dimension in shape {
      let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
      guard !overflow, dimension >= 0 else {
        throw NumPyFileError.badHeader(
          path: path, detail: "shape \(shape) has more elements than memory can hold")
      }
      count = product
    }
    let width: Int
    switch descr {
    case "<f4", "|f4", "=f4": width = 4
    case "<f8", "|f8", "=f8": width = 8
    default: throw NumPyFileError.unsupportedDtype(path: path, descr: descr)
    }
    let (dataBytes, bytesOverflow) = count.multipliedReportingOverflow(by: width)
    let (needed, endOverflow) = dataStart.addingReportingOverflow(dataBytes)
    guard !bytesOverflow, !endOverflow else {
      throw NumPyFileError.badHeader(
        path: path, detail: "shape \(shape) has more elements than memory can hold")
    }
    guard needed <= bytes.count else {
      throw NumPyFileError.truncated(path: path, needed: needed, available: bytes.count)
    }
    let elements: Elements = bytes.withUnsafeBytes { raw in
      let base = raw.baseAddress! + dataStart
      if width == 4 {
        return .float32(
          (0..<count).map {
            Float(
              bitPattern: UInt32(
                littleEndian: base.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
          })
      } else {
        return .float64(
          (0..<count).map {
            Double(
              bitPattern: UInt64(
                littleEndian: base.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)))
          })
      }
    }
    return NumPyArray(shape: shape, elements: elements)
  }

  /// Parses the header dict: `descr`, `fortran_order` and `shape`.
  static func parseHeader(_ text: String, path: String) throws -> (String, Bool, [Int]) {
    func value(of key: String) throws -> Substring {
      guard let keyRange = text.range(of: "'\(key)'") else {
        throw NumPyFileError.badHeader(path: path, detail: "no '\(key)' entry")
      }
      var rest = text[keyRange.upperBound...].drop { $0 == " " }
      guard rest.first == ":" else {
        throw NumPyFileError.badHeader(path: path, detail: "no ':' after '\(key)'")
      }
      rest = rest.dropFirst().drop { $0 == " " }
      return rest
    }
    let descrText = try value(of: "descr")
    guard descrText.first == "'", let end = descrText.dropFirst().firstIndex(of: "'") else {
      throw NumPyFileError.badHeader(path: path, detail: "'descr' is not a string")
    }
    let descr = String(descrText[descrText.index(after: descrText.startIndex)..<end])
    let fortranText = try value(of: "fortran_order")
    let fortran: Bool
    if fortranText.hasPrefix("True") {
      fortran = true
    } else if fortranText.hasPrefix("False") {
      fortran = false
    } else {
      throw NumPyFileError.badHeader(path: path, detail: "'fortran_order' is not True or False")
    }
    let shapeText = try value(of: "shape")
    guard shapeText.first == "(", let close = shapeText.firstIndex(of: ")") else {
      throw NumPyFileError.badHeader(path: path, detail: "'shape' is not a tuple")
    }
    var shape: [Int] = []
    for part in shapeText[shapeText.index(after: shapeText.startIndex)..<close].split(
      separator: ",")
    {
      let trimmed = part.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty { continue }
      guard let n = Int(trimmed), n >= 0 else {
        throw NumPyFileError.badHeader(
          path: path, detail: "bad dimension \"\(trimmed)\" in 'shape'")
      }
      shape.append(n)
    }
    return (descr, fortran, shape)
  }

  /// Encodes as `.npy` version 1.0, C order, little-endian.
  public func encoded() -> [UInt8] {
    let descr: String
    switch elements {
    case .float32: descr = "<f4"
    case .float64: descr = "<f8"
    }
    let shapeText: String
    switch shape.count {
    case 1: shapeText = "(\(shape[0]),)"
    default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
    var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
    // Pad so that magic + version + length + header is a multiple of 64.
    let unpadded = 10 + header.utf8.count + 1
    header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    var out = NumPyArray.magic + [1, 0]
    let length = header.utf8.count
    out += [UInt8(length & 0xFF), UInt8(length >> 8)]
    out += Array(header.utf8)
    switch elements {
    case .float32(let a):
      out.reserveCapacity(out.count + a.count * 4)
      for x in a { withUnsafeBytes(of: x.bitPattern.littleEndian) { out += $0 } }
    case .float64(let a):
      out.reserveCapacity(out.count + a.count * 8)
      for x in a { withUnsafeBytes(of: x.bitPattern.littleEndian) { out += $0 } }
    }
    return out
  }

  /// Reads a `.npy` file.
  public static func read(_ path: String) throws -> NumPyArray {
    try decode(AtomicFile.read(path), path: path)
  }

  /// Writes a `.npy` file atomically.
  public func write(to path: String) throws {
    try AtomicFile.write(encoded(), to: path)
  }
}
