import Testing

@testable import FlarCore

@Suite struct SHA256Tests {
  // Digests from `printf … | sha256sum`.
  @Test(arguments: [
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    ),
  ])
  func digestMatchesSha256sum(_ input: String, _ expected: String) {
    #expect(SHA256.hex(Array(input.utf8)) == expected)
    var swift = SHA256(hardware: false)
    swift.update(Array(input.utf8))
    #expect(swift.hexDigest() == expected)
  }

  @Test func feedingInPiecesGivesTheSameDigest() {
    let data = (0..<1000).map { UInt8($0 % 251) }
    var h = SHA256()
    h.update(data[0..<7])
    h.update(data[7..<700])
    h.update(data[700...])
    #expect(h.hexDigest() == SHA256.hex(data))
  }

  /// FIPS 180-2's long vector: a million "a", fed whole and in pieces of
  /// sizes that cross block boundaries every way (1, 63, 64, 65, 127 …), and
  /// through a collection without contiguous storage.
  @Test func aMillionAsInPiecesOfEverySize() {
    let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
    let data = [UInt8](repeating: 0x61, count: 1_000_000)
    #expect(SHA256.hex(data) == expected)
    var h = SHA256()
    var offset = 0
    let sizes = [1, 63, 64, 65, 127, 128, 129, 3, 1000, 4096, 5]
    var i = 0
    while offset < data.count {
      let n = min(sizes[i % sizes.count], data.count - offset)
      h.update(data[offset..<(offset + n)])
      offset += n
      i += 1
    }
    #expect(h.hexDigest() == expected)
    #expect(SHA256.hex(data.lazy.map { $0 }) == expected)
    var swift = SHA256(hardware: false)
    swift.update(data)
    #expect(swift.hexDigest() == expected)
  }

  /// Both compression functions agree on every length from 0 to 300 bytes
  /// (every padding case) and on a megabyte of varied bytes.
  @Test func theHardwareAndSwiftPathsAgree() {
    print("SHA extensions on this CPU: \(SHA256.hardwareAvailable)")
    var bytes: [UInt8] = []
    var state: UInt64 = 7
    for _ in 0..<1_048_576 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      bytes.append(UInt8(truncatingIfNeeded: state >> 33))
    }
    for n in Array(0...300) + [bytes.count] {
      var hardware = SHA256()
      var swift = SHA256(hardware: false)
      hardware.update(bytes[0..<n])
      swift.update(bytes[0..<n])
      #expect(hardware.hexDigest() == swift.hexDigest(), "\(n) bytes")
    }
  }
}
