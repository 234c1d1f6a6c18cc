import Foundation
import Testing
import TestSupport

@Suite struct ImportBoundaryTests {
  /// Only `BLAS.swift` and `LAPACK.swift` of FlarLinAlg may import the C
  /// libraries (style.md §2.1); everything else speaks matrices.
  @Test func onlyTheBindingFilesImportCLinAlg() throws {
    let sources = TestSupport.repositoryRoot.appendingPathComponent("Sources")
    let allowed: Set<String> = ["Sources/FlarLinAlg/BLAS.swift", "Sources/FlarLinAlg/LAPACK.swift"]
    let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
    var offenders: [String] = []
    for case let url as URL in files where url.pathExtension == "swift" {
      let text = try String(contentsOf: url, encoding: .utf8)
      let imports = text.split(separator: "\n").contains {
        $0.trimmingCharacters(in: .whitespaces).hasPrefix("import CLinAlg")
          || $0.contains("@preconcurrency import CLinAlg")
      }
      let relative = "Sources/" + url.path.dropFirst(sources.path.count + 1)
      if imports && !allowed.contains(relative) { offenders.append(relative) }
    }
    #expect(offenders.isEmpty, "files importing CLinAlg: \(offenders)")
  }
}
