import Foundation
import TestSupport
import Testing

/// A line of Swift source that breaks the layering rule of design.md.
struct BoundaryViolation: Equatable, CustomStringConvertible {
  /// The path under `Sources/`.
  let file: String
  /// The 1-based line number.
  let line: Int
  /// What the line does that it must not.
  let rule: String

  var description: String { "\(file):\(line): \(rule)" }
}

/// The layering rule as a scanner over source texts.
///
/// Only FlarLinAlg's binding files (BLAS, LAPACK and the system calls Glibc's
/// module leaves out) import CLinAlg or call a CBLAS, LAPACKE or OpenBLAS
/// function; nothing outside FlarLinAlg names a raw binding routine
/// (`blasGemm`, `lapackPotrf`, …, internal to the module, or the old
/// `Float._gemm`); only the REPL's line editor imports CEditLine. The scanner
/// takes texts, not a folder, so that the tests can run it on planted
/// examples and prove it is not vacuous.
enum BoundaryScanner {
  static let bindingFiles: Set<String> = [
    "FlarLinAlg/BLAS.swift", "FlarLinAlg/LAPACK.swift", "FlarLinAlg/SystemCalls.swift",
  ]

  // A call into the C libraries: `cblas_sgemm(`, `LAPACKE_dpotrf(`, `openblas_set_num_threads(`.
  static let cCall = try! NSRegularExpression(
    pattern: #"\b(cblas_|LAPACKE_|openblas_)[A-Za-z0-9_]*\s*\("#)
  // FlarLinAlg's internal wrappers, or the raw routines they replaced.
  static let rawRoutine = try! NSRegularExpression(
    pattern: #"(\b(blas|lapack)[A-Z][A-Za-z]*\s*\(|\._(gemm|syrk|trsm|potrf|pocon|gesdd|syevd)\b)"#)

  /// Every violation in `files` (path under `Sources/`, text).
  static func violations(in files: [(path: String, text: String)]) -> [BoundaryViolation] {
    var found: [BoundaryViolation] = []
    for (path, text) in files {
      for (index, raw) in text.components(separatedBy: "\n").enumerated() {
        let line = raw.trimmingCharacters(in: .whitespaces)
        if line.hasPrefix("//") { continue }  // comments may name routines
        func flag(_ rule: String) {
          found.append(BoundaryViolation(file: path, line: index + 1, rule: rule))
        }
        if line.hasSuffix("import CLinAlg") && !bindingFiles.contains(path) {
          flag("imports CLinAlg")
        }
        if line.hasSuffix("import CEditLine") && path != "flar/EditLineReader.swift" {
          flag("imports CEditLine")
        }
        let range = NSRange(line.startIndex..., in: line)
        if !bindingFiles.contains(path), cCall.firstMatch(in: line, range: range) != nil {
          flag("calls BLAS/LAPACK directly")
        }
        if !path.hasPrefix("FlarLinAlg/"), rawRoutine.firstMatch(in: line, range: range) != nil {
          flag("calls a raw FlarLinAlg binding routine")
        }
      }
    }
    return found
  }

  /// Lines of `files` that call the C libraries, wherever they are.
  static func cCallCount(in files: [(path: String, text: String)]) -> Int {
    files.reduce(0) { total, file in
      total
        + file.text.components(separatedBy: "\n").filter {
          cCall.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) != nil
        }.count
    }
  }

  /// Every `.swift` file under the repository's `Sources/`.
  static func repositorySources() throws -> [(path: String, text: String)] {
    let sources = TestSupport.repositoryRoot.appendingPathComponent("Sources")
    let enumerator = FileManager.default.enumerator(atPath: sources.path)!
    var files: [(path: String, text: String)] = []
    while let item = enumerator.nextObject() as? String {
      guard item.hasSuffix(".swift") else { continue }
      let text = try String(contentsOf: sources.appendingPathComponent(item), encoding: .utf8)
      files.append((item, text))
    }
    return files.sorted { $0.path < $1.path }
  }
}

/// The layering rule of design.md: only FlarLinAlg touches the BLAS/LAPACK
/// module, and only the REPL's line editor touches libedit.
@Suite struct ImportBoundaryTests {
  @Test func sourcesKeepTheBoundary() throws {
    let files = try BoundaryScanner.repositorySources()
    let violations = BoundaryScanner.violations(in: files)
    #expect(violations == [], "\(violations.map(\.description).joined(separator: "\n"))")
  }

  /// The scan reaches the real files: the binding files are there and call C,
  /// and the line editor imports libedit, so an empty result above means
  /// something.
  @Test func scanSeesTheBindingsAndTheEditor() throws {
    let files = try BoundaryScanner.repositorySources()
    let paths = Set(files.map(\.path))
    #expect(paths.isSuperset(of: BoundaryScanner.bindingFiles))
    let bindings = files.filter { BoundaryScanner.bindingFiles.contains($0.path) }
    #expect(BoundaryScanner.cCallCount(in: bindings) >= 10)
    let editor = files.filter { $0.path == "flar/EditLineReader.swift" }
    #expect(editor.count == 1 && editor[0].text.contains("import CEditLine"))
  }

  @Test(
    arguments: [
      ("FlarModels/Encoder/Planted.swift", "import FlarLinAlg\nfunc f() {\n  cblas_sgemm(x)\n}", 3),
      ("FlarCore/Planted.swift", "import CLinAlg", 1),
      ("FlarCore/Planted.swift", "let info = LAPACKE_dpotrf (a, b)", 1),
      ("FlarModels/Planted.swift", "\n  Float._gemm(.none, .transpose, m: 1)", 2),
      ("FlarModels/Planted.swift", "blasGemm(.none, .none, m: 1)", 1),
      ("FlarScript/Planted.swift", "import CEditLine", 1),
      ("flar/Repl.swift", "@preconcurrency import CEditLine", 1),
      ("FlarLinAlg/Matrix.swift", "  cblas_dgemm(CblasRowMajor)", 1),
    ])
  func plantedViolationIsCaught(path: String, text: String, line: Int) {
    let found = BoundaryScanner.violations(in: [(path, text)])
    #expect(found.map(\.line) == [line], "\(found)")
    #expect(found.first?.file == path)
  }

  @Test func allowedUsesAndCommentsPass() {
    let files: [(path: String, text: String)] = [
      ("FlarLinAlg/BLAS.swift", "import CLinAlg\n  cblas_sgemm(CblasRowMajor)"),
      ("FlarLinAlg/Matrix+BLAS.swift", "    blasGemm(.none, .none, m: m)"),
      ("flar/EditLineReader.swift", "import CEditLine"),
      ("FlarModels/Encoder/Attention.swift", "  // the corresponding routine is cblas_sgemm(…)"),
    ]
    #expect(BoundaryScanner.violations(in: files) == [])
  }
}
