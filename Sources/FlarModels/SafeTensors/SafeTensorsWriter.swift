// Writing safetensors files: F32 tensors, a string metadata map, atomically.
//
// Tensors are laid out in name order, back to back; the header is padded
// with spaces to a multiple of 8 bytes so the data section is aligned (as
// the safetensors library does).

import FlarLinAlg

/// A tensor to write: a name, a shape and its `Float` elements in C order.
public struct SafeTensorsEntry: Sendable {
  public let name: String
  public let shape: [Int]
  public let values: [Float]

  public init(name: String, shape: [Int], values: [Float]) {
    precondition(shape.reduce(1, *) == values.count, "shape and element count differ")
    self.name = name
    self.shape = shape
    self.values = values
  }

  /// A matrix as a 2-D tensor.
  public init(name: String, matrix: Matrix<Float>) {
    self.init(name: name, shape: [matrix.rows, matrix.columns], values: matrix.storage)
  }

  /// A vector as a 1-D tensor.
  public init(name: String, vector: [Float]) {
    self.init(name: name, shape: [vector.count], values: vector)
  }
}

/// Serialises tensors in the safetensors format.
public enum SafeTensorsWriter {
  /// The bytes of a safetensors file holding `entries` as F32.
  ///
  /// - Precondition: names are unique (a flar bug otherwise).
  public static func encode(
    _ entries: [SafeTensorsEntry], metadata: [String: String] = [:]
  ) -> [UInt8] {
    let sorted = entries.sorted { $0.name < $1.name }
    precondition(Set(sorted.map(\.name)).count == sorted.count, "duplicate tensor names")
    var pairs: [(String, JSONValue)] = []
    if !metadata.isEmpty {
      pairs.append(
        (
          "__metadata__",
          .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
        ))
    }
    var offset = 0
    for e in sorted {
      let bytes = e.values.count * 4
      pairs.append(
        (
          e.name,
          .object([
            ("dtype", .string("F32")),
            ("shape", .array(e.shape.map { JSONValue(integer: $0) })),
            (
              "data_offsets",
              .array([JSONValue(integer: offset), JSONValue(integer: offset + bytes)])
            ),
          ])
        ))
      offset += bytes
    }
    var header = Array(JSONValue.object(pairs).serialized().utf8)
    while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
    var out: [UInt8] = []
    out.reserveCapacity(8 + header.count + offset)
    let n = UInt64(header.count)
    for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(i)))) }
    out.append(contentsOf: header)
    for e in sorted {
      e.values.withUnsafeBufferPointer { buffer in
        for v in buffer {
          let bits = v.bitPattern.littleEndian
          out.append(UInt8(truncatingIfNeeded: bits))
          out.append(UInt8(truncatingIfNeeded: bits >> 8))
          out.append(UInt8(truncatingIfNeeded: bits >> 16))
          out.append(UInt8(truncatingIfNeeded: bits >> 24))
        }
      }
    }
    return out
  }

  /// Writes `entries` to `path` atomically (temporary file, fsync, rename).
  ///
  /// - Throws: `FileError.cannotWrite` from `AtomicFile`.
  public static func write(
    _ entries: [SafeTensorsEntry], metadata: [String: String] = [:], to path: String
  ) throws {
    try AtomicFile.write(encode(entries, metadata: metadata), to: path)
  }
}
