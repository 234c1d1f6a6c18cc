import CSHA256

/// SHA-256 (FIPS 180-4), for the checksums a compression manifest records
/// (the model file, the calibration text).
///
/// Not for security; a small, dependency-free implementation checked against
/// `sha256sum` in `SHA256Tests`. On a CPU with the x86 SHA extensions the
/// compression function runs on them (CSHA256; a 90 MB model file in about
/// 0.05 s instead of 0.37 s), elsewhere in Swift: the same digest.
public struct SHA256: Sendable {
  private var state: [UInt32] = [
    0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a,
    0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
  ]
  private var buffer: [UInt8] = []
  private var length: UInt64 = 0

  /// Whether this hash runs its compression function on the SHA extensions.
  private let hardware: Bool

  /// Whether this CPU has the SHA extensions.
  public static let hardwareAvailable = flar_sha256_hardware_available() != 0

  /// - Parameter hardware: false runs the Swift compression function even
  ///   where the SHA extensions are (the tests compare the two).
  public init(hardware: Bool = SHA256.hardwareAvailable) {
    self.hardware = hardware && SHA256.hardwareAvailable
  }

  /// Feeds bytes.
  public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
    length &+= UInt64(bytes.count)
    let done: Void? = bytes.withContiguousStorageIfAvailable {
      absorb(UnsafeRawBufferPointer($0))
    }
    if done == nil { Array(bytes).withUnsafeBytes { absorb($0) } }
  }

  /// Completes a buffered partial block, compresses every whole block of
  /// `p` in place (no copy), and buffers the rest.
  private mutating func absorb(_ p: UnsafeRawBufferPointer) {
    var offset = 0
    if !buffer.isEmpty {
      let take = min(64 - buffer.count, p.count)
      buffer.append(contentsOf: p[0..<take])
      offset = take
      if buffer.count == 64 {
        let block = buffer
        block.withUnsafeBytes { compressBlocks($0) }
        buffer.removeAll(keepingCapacity: true)
      }
    }
    let whole = (p.count - offset) / 64 * 64
    if whole > 0 { compressBlocks(UnsafeRawBufferPointer(rebasing: p[offset..<(offset + whole)])) }
    offset += whole
    if offset < p.count { buffer.append(contentsOf: p[offset...]) }
  }

  /// The digest as 64 lower-case hex digits.
  public mutating func hexDigest() -> String {
    let bitLength = length &* 8
    var tail: [UInt8] = [0x80]
    while (buffer.count + tail.count) % 64 != 56 { tail.append(0) }
    for i in (0..<8).reversed() {
      tail.append(UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(i))))
    }
    let savedLength = length
    update(tail)
    length = savedLength
    return state.map { word in
      let hex = String(word, radix: 16)
      return String(repeating: "0", count: 8 - hex.count) + hex
    }.joined()
  }

  /// The digest of `bytes`.
  public static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    var h = SHA256()
    h.update(bytes)
    return h.hexDigest()
  }

  /// The compression function over `p.count / 64` consecutive blocks
  /// (FIPS 180-4 §6.2.2), the state held in locals between blocks.
  private mutating func compressBlocks(_ p: UnsafeRawBufferPointer) {
    if hardware, let base = p.baseAddress {
      state.withUnsafeMutableBufferPointer {
        flar_sha256_hardware_blocks(
          $0.baseAddress!, base.assumingMemoryBound(to: UInt8.self), p.count / 64)
      }
      return
    }
    var (h0, h1, h2, h3, h4, h5, h6, h7) = (
      state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7]
    )
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
      // The round constants, shared with the hardware path (CSHA256).
      withUnsafeBytes(of: flar_sha256_k) { constants in
        let k = constants.assumingMemoryBound(to: UInt32.self)
        for start in stride(from: 0, to: p.count - 63, by: 64) {
          for t in 0..<16 {
            w[t] = UInt32(
              bigEndian: p.loadUnaligned(fromByteOffset: start + 4 * t, as: UInt32.self))
          }
          for t in 16..<64 {
            let s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
            let s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
            w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
          }
          var (a, b, c, d, e, f, g, h) = (h0, h1, h2, h3, h4, h5, h6, h7)
          for t in 0..<64 {
            let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
            let ch = (e & f) ^ (~e & g)
            let t1 = h &+ s1 &+ ch &+ k[t] &+ w[t]
            let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
            let maj = (a & b) ^ (a & c) ^ (b & c)
            let t2 = s0 &+ maj
            (h, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
          }
          h0 &+= a
          h1 &+= b
          h2 &+= c
          h3 &+= d
          h4 &+= e
          h5 &+= f
          h6 &+= g
          h7 &+= h
        }
      }
    }
    state = [h0, h1, h2, h3, h4, h5, h6, h7]
  }

  @inline(__always) private func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
    (x >> n) | (x << (32 - n))
  }
}
