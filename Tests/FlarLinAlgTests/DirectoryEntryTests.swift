import Foundation
import Glibc
import Testing

@testable import FlarLinAlg

/// Directory listings read each `readdir` entry's name where it lies: names
/// of every length up to the 255-byte limit come back whole, and removing
/// a tree of them leaves nothing. (Copying `d_name` out read past glibc's
/// buffer for short last entries; the AddressSanitizer suite run is what
/// sees that, this checks the names.)
@Suite struct DirectoryEntryTests {
  @Test func namesOfEveryLengthAreReadWhole() throws {
    let root = FileManager.default.temporaryDirectory
      .appendingPathComponent("flar-dirent-\(getpid())").path
    AtomicDirectory.removeTree(root)
    #expect(mkdir(root, 0o755) == 0)
    var expected: Set<String> = []
    for length in [1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 127, 200, 254, 255] {
      let name = String(repeating: "n", count: length - 1) + "\(length % 10)"
      #expect(FileManager.default.createFile(atPath: root + "/" + name, contents: Data([1])))
      expected.insert(name)
    }
    guard let directory = opendir(root) else {
      Issue.record("cannot open \(root)")
      return
    }
    var seen: Set<String> = []
    while let entry = readdir(directory) {
      let name = directoryEntryName(entry)
      if name != "." && name != ".." { seen.insert(name) }
    }
    closedir(directory)
    #expect(seen == expected)
    AtomicDirectory.removeTree(root)
    #expect(access(root, F_OK) != 0)
  }
}
