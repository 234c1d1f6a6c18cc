/// Reading and writing NumPy `.npz` archives (`np.savez`).
///
/// An `.npz` file is a ZIP archive with one `.npy` member per array, named
/// `<key>.npy`. `np.savez` stores members uncompressed (method 0), and
/// NumPy opens each member with `force_zip64=True`, so local headers carry
/// `0xFFFFFFFF` sizes and a ZIP64 extra field; the central directory has the
/// real sizes (or a ZIP64 extra for members over 4 GiB). The reader therefore
/// trusts the central directory. Compressed members (`np.savez_compressed`,
/// method 8) are refused with `NumPyFileError.compressedArchive`: flar has
/// no inflate and does not want one.
///
/// The writer emits stored members with CRC-32, without ZIP64 (an archive
/// over 4 GiB is refused), readable by `np.load` and `unzip`.
public enum NumPyArchive {
  /// Decodes `.npz` bytes into arrays keyed by member name without `.npy`,
  /// in archive order.
  ///
  /// - Throws: `NumPyFileError.badArchive` for a malformed ZIP,
  ///   `NumPyFileError.compressedArchive` for a compressed member, and the
  ///   `.npy` errors of a member (named `path/member`).
  public static func decode(_ bytes: [UInt8], path: String) throws -> [(
    name: String, array: NumPyArray
  )] {
    let reader = ZipReader(bytes: bytes, path: path)
    var out: [(String, NumPyArray)] = []
    for entry in try reader.entries() {
      guard entry.method == 0 else {
        throw NumPyFileError.compressedArchive(path: path, member: entry.name)
      }
      let data = try reader.memberData(entry)
      let key = entry.name.hasSuffix(".npy") ? String(entry.name.dropLast(4)) : entry.name
      out.append((key, try NumPyArray.decode(data, path: "\(path)/\(entry.name)")))
    }
    return out
  }

  /// Encodes arrays as an `.npz` archive of stored members.
  ///
  /// - Throws: `NumPyFileError.badArchive` when the archive would exceed
  ///   4 GiB or 65535 members (no ZIP64 writer).
  public static func encode(_ arrays: [(name: String, array: NumPyArray)], path: String) throws
    -> [UInt8]
  {
    var out: [UInt8] = []
    var central: [UInt8] = []
    guard arrays.count < 0xFFFF else {
      throw NumPyFileError.badArchive(path: path, detail: "more than 65534 members")
    }
    for (name, array) in arrays {
      let data = array.encoded()
      let fileName = Array((name + ".npy").utf8)
      let crc = CRC32.checksum(data)
      let offset = out.count
      guard offset + data.count + 100 < 0xFFFF_FFFF else {
        throw NumPyFileError.badArchive(path: path, detail: "archive over 4 GiB")
      }
      out += localFileHeader(fileName: fileName, crc: crc, size: data.count)
      out += data
      central += centralDirectoryHeader(
        fileName: fileName, crc: crc, size: data.count, offset: offset)
    }
    let centralOffset = out.count
    out += central
    // End of central directory record.
    out.le32(0x0605_4b50)
    out.le16(0)
    out.le16(0)
    out.le16(UInt16(arrays.count))
    out.le16(UInt16(arrays.count))
    out.le32(UInt32(central.count))
    out.le32(UInt32(centralOffset))
    out.le16(0)
    return out
  }

  /// The ZIP local file header (APPNOTE §4.3.7) of a stored member.
  ///
  /// Version 2.0, no flags, method 0 (stored), DOS time/date 1980-01-01
  /// 00:00, as `zipfile` writes for a fixed date. One line per field, in
  /// file order.
  static func localFileHeader(fileName: [UInt8], crc: UInt32, size: Int) -> [UInt8] {
    var out: [UInt8] = []
    out.le32(0x0403_4b50)
    out.le16(20)
    out.le16(0)
    out.le16(0)
    out.le16(0)
    out.le16(0x21)
    out.le32(crc)
    out.le32(UInt32(size))
    out.le32(UInt32(size))
    out.le16(UInt16(fileName.count))
    out.le16(0)
    return out + fileName
  }

  /// The central directory header (APPNOTE §4.3.12) of a stored member.
  ///
  /// `offset` is where the member's local header starts. One line per
  /// field, in file order.
  static func centralDirectoryHeader(
    fileName: [UInt8], crc: UInt32, size: Int, offset: Int
  ) -> [UInt8] {
    var central: [UInt8] = []
    central.le32(0x0201_4b50)
    central.le16(20)
    central.le16(20)
    central.le16(0)
    central.le16(0)
    central.le16(0)
    central.le16(0x21)
    central.le32(crc)
    central.le32(UInt32(size))
    central.le32(UInt32(size))
    central.le16(UInt16(fileName.count))
    central.le16(0)
    central.le16(0)
    central.le16(0)
    central.le16(0)
    central.le32(0)
    central.le32(UInt32(offset))
    return central + fileName
  }

  /// Reads an `.npz` file.
  public static func read(_ path: String) throws -> [(name: String, array: NumPyArray)] {
    try decode(AtomicFile.read(path), path: path)
  }

  /// Writes an `.npz` file atomically.
  public static func write(_ arrays: [(name: String, array: NumPyArray)], to path: String) throws {
    try AtomicFile.write(encode(arrays, path: path), to: path)
  }
}

extension [UInt8] {
  mutating func le16(_ v: UInt16) {
    append(UInt8(v & 0xFF))
    append(UInt8(v >> 8))
  }
  mutating func le32(_ v: UInt32) {
    for s in stride(from: 0, to: 32, by: 8) { append(UInt8((v >> UInt32(s)) & 0xFF)) }
  }
}

/// The CRC-32 of ZIP (IEEE 802.3, reflected polynomial `0xEDB88320`).
enum CRC32 {
  static let table: [UInt32] = (0..<256).map { i -> UInt32 in
    var c = UInt32(i)
    for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
  }

  static func checksum(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
    return c ^ 0xFFFF_FFFF
  }
}

/// The central-directory walk of a ZIP archive, as much as `.npz` needs.
struct ZipReader {
  struct Entry {
    var name: String
    var method: UInt16
    var crc: UInt32
    var size: Int
    var localOffset: Int
  }
  let bytes: [UInt8]
  let path: String

  func u16(_ o: Int) throws -> Int {
    guard o >= 0, o + 2 <= bytes.count else { throw bad("read past end at byte \(o)") }
    return Int(bytes[o]) | Int(bytes[o + 1]) << 8
  }
  func u32(_ o: Int) throws -> Int { try u16(o) | (try u16(o + 2)) << 16 }
  func u64(_ o: Int) throws -> Int { try u32(o) | (try u32(o + 4)) << 32 }
  func bad(_ detail: String) -> NumPyFileError { .badArchive(path: path, detail: detail) }

  func entries() throws -> [Entry] {
    // The end-of-central-directory record is in the last 64 KiB + 22 bytes.
    var eocd = -1
    var o = bytes.count - 22
    while o >= Swift.max(0, bytes.count - 22 - 0xFFFF) {
      if try u32(o) == 0x0605_4b50 {
        eocd = o
        break
      }
      o -= 1
    }
    guard eocd >= 0 else { throw bad("no end of central directory record") }
    var count = try u16(eocd + 10)
    var cursor = try u32(eocd + 16)
    if count == 0xFFFF || cursor == 0xFFFF_FFFF {
      // ZIP64: the locator sits just before the EOCD and points at the
      // ZIP64 end record, which holds the real count and offset.
      guard eocd >= 20, try u32(eocd - 20) == 0x0706_4b50 else {
        throw bad("zip64 archive without a zip64 locator")
      }
      let record = try u64(eocd - 12)
      guard try u32(record) == 0x0606_4b50 else { throw bad("bad zip64 end record") }
      count = try u64(record + 32)
      cursor = try u64(record + 48)
    }
    var out: [Entry] = []
    for index in 0..<count {
      guard try u32(cursor) == 0x0201_4b50 else {
        throw bad("central directory entry \(index) has a bad signature at byte \(cursor)")
      }
      let method = UInt16(try u16(cursor + 10))
      let crc = UInt32(try u32(cursor + 16))
      var size = try u32(cursor + 20)
      let nameLength = try u16(cursor + 28)
      let extraLength = try u16(cursor + 30)
      let commentLength = try u16(cursor + 32)
      var offset = try u32(cursor + 42)
      guard cursor + 46 + nameLength <= bytes.count else { throw bad("truncated entry name") }
      let name = String(decoding: bytes[(cursor + 46)..<(cursor + 46 + nameLength)], as: UTF8.self)
      (size, offset) = try zip64Fields(
        extraStart: cursor + 46 + nameLength, length: extraLength, size: size, offset: offset)
      out.append(Entry(name: name, method: method, crc: crc, size: size, localOffset: offset))
      cursor += 46 + nameLength + extraLength + commentLength
    }
    return out
  }

  /// Replaces `0xFFFFFFFF` sizes/offset by the ZIP64 extra field's values
  /// (tag 1: uncompressed size, compressed size, offset, in that order,
  /// each present only when its 32-bit field is saturated).
  func zip64Fields(extraStart: Int, length: Int, size: Int, offset: Int) throws -> (Int, Int) {
    var (size, offset) = (size, offset)
    var o = extraStart
    while o + 4 <= extraStart + length {
      let tag = try u16(o)
      let len = try u16(o + 2)
      if tag == 1 {
        var f = o + 4
        if size == 0xFFFF_FFFF {
          size = try u64(f)
          f += 16
        }  // both sizes
        if offset == 0xFFFF_FFFF { offset = try u64(f) }
      }
      o += 4 + len
    }
    return (size, offset)
  }

  func memberData(_ e: Entry) throws -> [UInt8] {
    guard try u32(e.localOffset) == 0x0403_4b50 else {
      throw bad("member \"\(e.name)\" has a bad local header at byte \(e.localOffset)")
    }
    let start = e.localOffset + 30 + (try u16(e.localOffset + 26)) + (try u16(e.localOffset + 28))
    guard start + e.size <= bytes.count else {
      throw bad("member \"\(e.name)\" runs past the end of the file")
    }
    let data = Array(bytes[start..<(start + e.size)])
    guard CRC32.checksum(data) == e.crc else {
      throw bad("member \"\(e.name)\" fails its CRC-32 check")
    }
    return data
  }
}
