import FlarLinAlg
import Foundation
import TestSupport
import Testing

@testable import FlarModels

/// One test per `SafeTensorsError` case, each building its bytes inline in a
/// temporary directory and checking the case and its payload.
@Suite struct SafeTensorsReaderTests {
  /// A file of `8 + header + data` bytes; `length` overrides the header length.
  static func bytes(_ header: String, data: Int = 0, length: UInt64? = nil) -> [UInt8] {
    let h = Array(header.utf8)
    let n = length ?? UInt64(h.count)
    return (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) } + h
      + [UInt8](repeating: 0, count: data)
  }

  /// Writes `bytes` to a temporary file and opens it; returns the path too.
  static func open(_ bytes: [UInt8], _ body: (String, () throws -> SafeTensorsFile) throws -> Void)
    throws
  {
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/t.safetensors"
      try AtomicFile.write(bytes, to: path)
      try body(path) { try SafeTensorsFile(path: path) }
    }
  }

  static let twoFloats = #"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#

  @Test func fileTooSmallIsRejected() throws {
    try Self.open([1, 2, 3]) { p, open in
      #expect(throws: SafeTensorsError.fileTooSmall(path: p, size: 3)) { try open() }
    }
  }

  @Test func headerLargerThanLimitIsRejected() throws {
    try Self.open(Self.bytes("{}", length: 200_000_000)) { p, open in
      #expect(
        throws: SafeTensorsError.headerTooLarge(
          path: p, headerLength: 200_000_000, limit: 100_000_000)
      ) { try open() }
    }
  }

  @Test func headerLengthPastEndOfFileIsRejected() throws {
    try Self.open(Self.bytes("{}", length: 100)) { p, open in
      #expect(
        throws: SafeTensorsError.headerPastEndOfFile(path: p, headerLength: 100, fileSize: 10)
      ) {
        try open()
      }
    }
  }

  @Test func headerNotStartingWithBraceIsRejected() throws {
    try Self.open(Self.bytes(" {}")) { p, open in
      #expect(throws: SafeTensorsError.headerNotAnObject(path: p, firstByte: 0x20)) { try open() }
    }
  }

  @Test func malformedJSONIsRejected() throws {
    try Self.open(Self.bytes(#"{"t":"#)) { p, open in
      #expect(
        throws: SafeTensorsError.invalidHeaderJSON(
          path: p, detail: JSONError.unexpectedEnd(expected: "a value").description)
      ) { try open() }
    }
  }

  @Test func duplicateKeyIsRejected() throws {
    let h = #"{"t":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"t":{}}"#
    try Self.open(Self.bytes(h)) { p, open in
      #expect(
        throws: SafeTensorsError.invalidHeaderJSON(
          path: p, detail: JSONError.duplicateKey(key: "t", offset: 54).description)
      ) { try open() }
    }
  }

  @Test func nonStringMetadataIsRejected() throws {
    try Self.open(Self.bytes(#"{"__metadata__":{"format":1}}"#)) { p, open in
      #expect(
        throws: SafeTensorsError.invalidMetadata(
          path: p, detail: "value of \"format\" is not a string")
      ) { try open() }
    }
  }

  @Test func entryWithoutOffsetsIsRejected() throws {
    try Self.open(Self.bytes(#"{"t":{"dtype":"F32","shape":[1]}}"#)) { p, open in
      #expect(
        throws: SafeTensorsError.malformedTensorEntry(
          path: p, tensor: "t",
          detail: "\"data_offsets\" is missing or not two non-negative integers")
      ) { try open() }
    }
  }

  @Test func unknownDTypeIsRejected() throws {
    let h = #"{"t":{"dtype":"F8_E9M9","shape":[1],"data_offsets":[0,1]}}"#
    try Self.open(Self.bytes(h, data: 1)) { p, open in
      #expect(throws: SafeTensorsError.unknownDType(path: p, tensor: "t", dtype: "F8_E9M9")) {
        try open()
      }
    }
  }

  @Test func shapeWhoseSizeOverflowsIsRejected() throws {
    let h = #"{"t":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}}"#
    try Self.open(Self.bytes(h)) { p, open in
      #expect(
        throws: SafeTensorsError.sizeOverflow(path: p, tensor: "t", shape: [1 << 62, 4])
      ) { try open() }
    }
  }

  @Test func reversedOffsetsAreRejected() throws {
    let h = #"{"t":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#
    try Self.open(Self.bytes(h, data: 8)) { p, open in
      #expect(throws: SafeTensorsError.reversedOffsets(path: p, tensor: "t", begin: 8, end: 4)) {
        try open()
      }
    }
  }

  @Test func byteCountDifferentFromShapeIsRejected() throws {
    let h = #"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#
    try Self.open(Self.bytes(h, data: 4)) { p, open in
      #expect(
        throws: SafeTensorsError.sizeMismatch(
          path: p, tensor: "t", dtype: "F32", begin: 0, end: 4, expectedBytes: 8)
      ) { try open() }
    }
  }

  @Test func tensorPastDataSectionIsRejected() throws {
    try Self.open(Self.bytes(Self.twoFloats, data: 4)) { p, open in
      #expect(
        throws: SafeTensorsError.outsideDataSection(
          path: p, tensor: "t", begin: 0, end: 8, dataSize: 4)
      ) { try open() }
    }
  }

  @Test func overlappingTensorsAreRejected() throws {
    let h =
      #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
    try Self.open(Self.bytes(h, data: 12)) { p, open in
      #expect(
        throws: SafeTensorsError.overlappingTensors(
          path: p, first: "a", second: "b", firstEnd: 8, secondBegin: 4)
      ) { try open() }
    }
  }

  @Test func gapBetweenTensorsIsRejected() throws {
    let h =
      #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
    try Self.open(Self.bytes(h, data: 12)) { p, open in
      #expect(
        throws: SafeTensorsError.gapBetweenTensors(path: p, tensor: "b", begin: 8, expectedBegin: 4)
      ) { try open() }
    }
  }

  @Test func trailingDataIsRejected() throws {
    try Self.open(Self.bytes(Self.twoFloats, data: 12)) { p, open in
      #expect(throws: SafeTensorsError.trailingData(path: p, tensorsEnd: 8, dataSize: 12)) {
        try open()
      }
    }
  }

  @Test func missingTensorSuggestsClosestName() throws {
    try Self.open(
      Self.bytes(#"{"weight":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: 4)
    ) {
      p, open in
      let file = try open()
      #expect(
        throws: SafeTensorsError.tensorNotFound(path: p, tensor: "weigth", suggestion: "weight")
      ) {
        try file.floats("weigth")
      }
    }
  }

  @Test func integerTensorIsNotReadAsFloat() throws {
    try Self.open(Self.bytes(#"{"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, data: 8))
    {
      p, open in
      let file = try open()
      #expect(
        throws: SafeTensorsError.unsupportedConversion(
          path: p, tensor: "ids", dtype: "I64", to: "Float")
      ) { try file.floats("ids") }
    }
  }

  @Test func wrongShapeIsRejected() throws {
    try Self.open(Self.bytes(Self.twoFloats, data: 8)) { p, open in
      let file = try open()
      #expect(
        throws: SafeTensorsError.unexpectedShape(
          path: p, tensor: "t", expected: [2, 1], actual: [2])
      ) { try file.matrix("t", shape: [2, 1]) }
    }
  }

  @Test func unreadablePathIsRejected() {
    #expect(
      throws: SafeTensorsError.cannotOpen(
        path: "/nonexistent/x", reason: "No such file or directory")
    ) { try SafeTensorsFile(path: "/nonexistent/x") }
  }
}
