import Foundation
import TestSupport
import Testing

/// The layering rule of design.md: only FlarLinAlg touches the BLAS/LAPACK
/// module, and only the REPL's line editor touches libedit.
@Suite struct ImportBoundaryTests {
  func swiftFiles(importing module: String) throws -> [String] {
    let sources = TestSupport.repositoryRoot.appendingPathComponent("Sources")
    let enumerator = FileManager.default.enumerator(atPath: sources.path)!
    var hits: [String] = []
    while let item = enumerator.nextObject() as? String {
      guard item.hasSuffix(".swift") else { continue }
      let text = try String(contentsOf: sources.appendingPathComponent(item), encoding: .utf8)
      if text.split(separator: "\n").contains(where: {
        $0.trimmingCharacters(in: .whitespaces).hasSuffix("import \(module)")
      }) {
        hits.append(item)
      }
    }
    return hits.sorted()
  }

  @Test func onlyTheBindingFilesImportCLinAlg() throws {
    #expect(
      try swiftFiles(importing: "CLinAlg") == ["FlarLinAlg/BLAS.swift", "FlarLinAlg/LAPACK.swift"])
  }

  @Test func onlyTheLineEditorImportsCEditLine() throws {
    let hits = try swiftFiles(importing: "CEditLine")
    #expect(hits.allSatisfy { $0.hasPrefix("flar/") && $0.contains("EditLine") })
  }
}
