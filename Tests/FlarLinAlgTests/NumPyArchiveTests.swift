import FlarLinAlg
import Foundation
import TestSupport
import Testing

@Suite struct NumPyArchiveTests {
  @Test func readsAnArchiveWrittenByNumPySavez() throws {
    let arrays = try TestSupport.fixtureArchive("linalg/shrinkage.npz")
    let x = try #require(arrays["main_x"])
    #expect(x.shape == [300, 12])
    if case .float32 = x.elements {} else { Issue.record("main_x should be float32") }
    #expect(arrays["main_lwlambda_unc"]?.shape == [])
  }

  @Test func writtenArchiveRoundTrips() throws {
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/a.npz"
      let a = NumPyArray(Matrix<Double>([[1, 2], [3, 4]]))
      let b = NumPyArray(shape: [3], elements: .float32([1, 2, 3]))
      try NumPyArchive.write([("a", a), ("b", b)], to: path)
      let back = try NumPyArchive.read(path)
      #expect(back.map(\.name) == ["a", "b"])
      #expect(back[0].array == a && back[1].array == b)
    }
  }

  @Test func compressedMemberIsRefusedByName() throws {
    var bytes = try NumPyArchive.encode(
      [("w", NumPyArray(Matrix<Double>([[1]])))], path: "x.npz")
    // Set the central directory's method field to 8 (deflate).
    let central = try #require(findSignature(bytes, [0x50, 0x4b, 0x01, 0x02]))
    bytes[central + 10] = 8
    #expect(throws: NumPyFileError.compressedArchive(path: "x.npz", member: "w.npy")) {
      try NumPyArchive.decode(bytes, path: "x.npz")
    }
  }

  @Test func corruptedMemberFailsItsChecksum() throws {
    var bytes = try NumPyArchive.encode(
      [("w", NumPyArray(Matrix<Double>([[1]])))], path: "x.npz")
    bytes[120] ^= 0xFF  // inside the member's data
    #expect(
      throws: NumPyFileError.badArchive(
        path: "x.npz", detail: "member \"w.npy\" fails its CRC-32 check")
    ) {
      try NumPyArchive.decode(bytes, path: "x.npz")
    }
  }

  @Test func notAZipIsRejected() {
    #expect(
      throws: NumPyFileError.badArchive(path: "y.npz", detail: "no end of central directory record")
    ) {
      try NumPyArchive.decode([UInt8](repeating: 0, count: 40), path: "y.npz")
    }
  }

  func findSignature(_ bytes: [UInt8], _ sig: [UInt8]) -> Int? {
    (0..<(bytes.count - 3)).first { Array(bytes[$0..<($0 + 4)]) == sig }
  }
}
