import FlarLinAlg
import Foundation
import TestSupport
import Testing

@testable import FlarModels

/// A small fuzz target in safetensors' style: mutated and truncated bytes of
/// a valid file must give a header or a `SafeTensorsError`, never a crash.
@Suite struct SafeTensorsFuzzTests {
  @Test func mutatedFilesNeverCrashTheReader() throws {
    let valid = SafeTensorsWriter.encode([
      SafeTensorsEntry(name: "a", shape: [2, 3], values: [1, 2, 3, 4, 5, 6]),
      SafeTensorsEntry(name: "b", vector: [7]),
    ])
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next(_ n: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int(state >> 33) % n
    }
    var accepted = 0
    var rejected = 0
    for _ in 0..<3000 {
      var bytes = valid
      for _ in 0...next(4) {
        switch next(3) {
        case 0: bytes[next(bytes.count)] = UInt8(next(256))
        case 1: bytes.removeLast(next(bytes.count))
        default: bytes.insert(UInt8(next(256)), at: next(bytes.count + 1))
        }
        if bytes.isEmpty { break }
      }
      do {
        _ = try bytes.withUnsafeBytes {
          try SafeTensorsHeader.parse($0, fileSize: bytes.count, path: "fuzz")
        }
        accepted += 1
      } catch is SafeTensorsError {
        rejected += 1
      }
    }
    #expect(accepted + rejected == 3000 && rejected > 0)
  }
}
