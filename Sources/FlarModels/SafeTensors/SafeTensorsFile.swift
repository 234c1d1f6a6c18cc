// A safetensors file mapped into memory read-only.
//
// The file is mapped once with `mmap`; the header is validated before any
// tensor is touched, so a malformed file fails on open with the rule it
// breaks. Tensors are converted to `Float` on request (F32 is copied as is;
// F16, BF16 and F64 are widened or rounded; integers are refused for
// weights but their raw values can be read as `Int`).

import FlarLinAlg

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only, memory-mapped safetensors file with a validated header.
public final class SafeTensorsFile: @unchecked Sendable {
  // Sendable: every stored property is immutable after `init`, and the
  // mapping is read-only (PROT_READ), so concurrent reads are safe.

  /// The path the file was opened from.
  public let path: String
  /// The validated header.
  public let header: SafeTensorsHeader
  private let base: UnsafeRawPointer?
  private let size: Int
  private let byName: [String: SafeTensorInfo]

  /// Opens and maps `path`, validating the header.
  ///
  /// - Throws: `SafeTensorsError.cannotOpen` when the system refuses, or the
  ///   case of the first format rule the file breaks.
  public init(path: String) throws {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else {
      throw SafeTensorsError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
    }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
      throw SafeTensorsError.cannotOpen(path: path, reason: "not a regular file")
    }
    let size = Int(st.st_size)
    var base: UnsafeRawPointer? = nil
    if size > 0 {
      let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
      guard let p, p != MAP_FAILED else {
        throw SafeTensorsError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
      }
      base = UnsafeRawPointer(p)
    }
    do {
      header = try SafeTensorsHeader.parse(
        UnsafeRawBufferPointer(start: base, count: size), fileSize: size, path: path)
    } catch {
      if let base { munmap(UnsafeMutableRawPointer(mutating: base), size) }
      throw error
    }
    self.path = path
    self.base = base
    self.size = size
    byName = Dictionary(header.tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
  }

  deinit {
    if let base { munmap(UnsafeMutableRawPointer(mutating: base), size) }
  }

  /// The tensor names, in data order.
  public var names: [String] { header.tensors.map(\.name) }

  /// The entry of tensor `name`.
  ///
  /// - Throws: `SafeTensorsError.tensorNotFound` with the closest name.
  public func info(_ name: String) throws -> SafeTensorInfo {
    guard let t = byName[name] else {
      throw SafeTensorsError.tensorNotFound(
        path: path, tensor: name, suggestion: closestName(to: name, among: names))
    }
    return t
  }

  /// True when the file holds a tensor called `name`.
  public func contains(_ name: String) -> Bool { byName[name] != nil }

  /// The raw bytes of tensor `name`, valid while `self` is alive.
  func bytes(of t: SafeTensorInfo) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(
      start: base.map { $0 + header.dataStart + t.dataOffsets.lowerBound },
      count: t.dataOffsets.count)
  }

  /// The elements of a floating-point tensor as `Float`, in C order.
  ///
  /// - Throws: `.tensorNotFound`, or `.unsupportedConversion` for integer dtypes.
  public func floats(_ name: String) throws -> (shape: [Int], values: [Float]) {
    let t = try info(name)
    let raw = bytes(of: t)
    let n = t.elementCount
    // Little-endian loads; `loadUnaligned` because offsets need not be aligned.
    func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
      T(littleEndian: raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
    }
    var values = [Float](repeating: 0, count: n)
    switch t.dtype {
    case .f32:
      // Little-endian host (x86_64, arm64): the bytes are the Floats.
      values.withUnsafeMutableBytes { $0.copyMemory(from: raw) }
    case .f64: for i in 0..<n { values[i] = Float(Double(bitPattern: load(UInt64.self, i))) }
    case .bf16: for i in 0..<n { values[i] = Float(bitPattern: UInt32(load(UInt16.self, i)) << 16) }
    case .f16: for i in 0..<n { values[i] = Float(Float16(bitPattern: load(UInt16.self, i))) }
    case .i64, .i32, .u8, .bool:
      throw SafeTensorsError.unsupportedConversion(
        path: path, tensor: name, dtype: t.dtype.rawValue, to: "Float")
    }
    return (t.shape, values)
  }

  /// A 2-D floating-point tensor as a `Float` matrix, checking its shape.
  ///
  /// - Parameter shape: the required `(rows, columns)`, or nil for any 2-D.
  /// - Throws: `.tensorNotFound`, `.unsupportedConversion`, `.unexpectedShape`.
  public func matrix(_ name: String, shape expected: [Int]? = nil) throws -> Matrix<Float> {
    let (shape, values) = try floats(name)
    if let expected, shape != expected {
      throw SafeTensorsError.unexpectedShape(
        path: path, tensor: name, expected: expected, actual: shape)
    }
    guard shape.count == 2 else {
      throw SafeTensorsError.unexpectedShape(
        path: path, tensor: name, expected: [-1, -1], actual: shape)
    }
    return Matrix(rows: shape[0], columns: shape[1], storage: values)
  }

  /// A 1-D floating-point tensor of `count` elements as a `Float` array.
  public func vector(_ name: String, count: Int) throws -> [Float] {
    let (shape, values) = try floats(name)
    guard shape == [count] else {
      throw SafeTensorsError.unexpectedShape(
        path: path, tensor: name, expected: [count], actual: shape)
    }
    return values
  }
}
