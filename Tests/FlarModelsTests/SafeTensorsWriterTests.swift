import FlarLinAlg
import Foundation
import TestSupport
import Testing

@testable import FlarModels

@Suite struct SafeTensorsWriterTests {
  @Test func writtenFileReadsBackExactly() throws {
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/w.safetensors"
      let m = Matrix<Float>([[1.5, -2, .pi], [0, 1e-30, -7]])
      try SafeTensorsWriter.write(
        [SafeTensorsEntry(name: "m", matrix: m), SafeTensorsEntry(name: "b", vector: [3])],
        metadata: ["format": "pt"], to: path)
      let file = try SafeTensorsFile(path: path)
      #expect(file.header.metadata == ["format": "pt"])
      #expect(file.header.dataStart % 8 == 0)
      #expect(try file.matrix("m") == m)
      #expect(try file.vector("b", count: 1) == [3])
    }
  }

  @Test func halfBFloatAndDoubleAreWidenedToFloat() throws {
    // 1.5 as F16 is 0x3E00, as BF16 0x3FC0; -2.25 as F64 0xC002000000000000.
    let h =
      #"{"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[2,4]},"c":{"dtype":"F64","shape":[1],"data_offsets":[4,12]}}  "#
    var bytes = SafeTensorsReaderTests.bytes(h)
    bytes += [0x00, 0x3E, 0xC0, 0x3F, 0, 0, 0, 0, 0, 0, 0x02, 0xC0]
    try SafeTensorsReaderTests.open(bytes) { _, open in
      let file = try open()
      #expect(try file.vector("a", count: 1) == [1.5])
      #expect(try file.vector("b", count: 1) == [1.5])
      #expect(try file.vector("c", count: 1) == [-2.25])
    }
  }

  @Test func jsonParserKeepsKeyOrderAndRoundTrips() throws {
    let text = #"{"b":[1,2.5e-3,true,null],"a":{"x":"q\"\u00e9\n"}}"#
    let v = try parseJSON(Array(text.utf8))
    #expect(v.objectValue?.map(\.0) == ["b", "a"])
    #expect(v["a"]?["x"]?.stringValue == "q\"é\n")
    #expect(try parseJSON(Array(v.serialized(indent: 2).utf8)) == v)
    #expect(throws: JSONError.trailingContent(offset: 3)) { try parseJSON(Array("{} x".utf8)) }
  }
}
