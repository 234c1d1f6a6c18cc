import Foundation
import TestSupport
import Testing

@testable import FlarLinAlg

@Suite struct NpyRoundTripTests {
  @Test func float64MatrixRoundTripsExactly() throws {
    let m = Matrix<Double>([[1, -2.5, 3e-300], [.pi, 0, -0.0]])
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/m.npy"
      try NumPyArray(m).write(to: path)
      let back = try NumPyArray.read(path)
      #expect(back.shape == [2, 3])
      #expect(try back.matrix() == m)
    }
  }

  @Test func headerIsPaddedToSixtyFourBytes() {
    let bytes = NumPyArray(Matrix<Float>([[1, 2]])).encoded()
    let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
    #expect((10 + headerLength) % 64 == 0)
    #expect(bytes[10 + headerLength - 1] == UInt8(ascii: "\n"))
  }

  @Test func integerDtypeIsRefusedByName() throws {
    var bytes = NumPyArray(Matrix<Double>([[1]])).encoded()
    // Rewrite '<f8' as '<i8' in place; the header length is unchanged.
    let needle = Array("<f8".utf8)
    let offset = (0...(bytes.count - 3)).first { Array(bytes[$0..<($0 + 3)]) == needle }!
    bytes[offset + 1] = UInt8(ascii: "i")
    #expect(throws: NumPyFileError.unsupportedDtype(path: "x.npy", descr: "<i8")) {
      _ = try NumPyArray.decode(bytes, path: "x.npy")
    }
  }

  @Test func truncatedDataIsReportedWithSizes() {
    let bytes = NumPyArray(Matrix<Double>([[1, 2, 3]])).encoded()
    #expect(
      throws: NumPyFileError.truncated(
        path: "t.npy", needed: bytes.count, available: bytes.count - 5)
    ) {
      _ = try NumPyArray.decode(Array(bytes.dropLast(5)), path: "t.npy")
    }
  }

  @Test func missingMagicIsRefused() {
    #expect(throws: NumPyFileError.badMagic(path: "p")) {
      _ = try NumPyArray.decode(Array("not numpy at all".utf8), path: "p")
    }
  }
}
