import Foundation
import Testing

@testable import FlarScript

/// Runs every `Cases/<feature>/<behaviour>.flar` and checks its expectations.
///
/// A case states what it expects beside the code that produces it:
///
///     print(1 + 2)          # expect: 3
///     y = x                 # expect error 1:5: unknown name "x"
///                           # expect note: did you mean "y"?
///     [1] @ "a"             # expect runtime error: cannot …
///
/// `# expect:` lines are the output lines in order. `# expect error L:C: msg`
/// matches a diagnostic (syntax or runtime) at that line and column;
/// `# expect runtime error: msg` matches the runtime error's message alone.
@Suite struct LanguageCaseTests {
  static let casesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().appendingPathComponent("Cases")

  /// Every case file, as a path relative to `Cases/`.
  static let caseFiles: [String] = {
    let root = casesDirectory.path
    let enumerator = FileManager.default.enumerator(atPath: root)
    var files: [String] = []
    while let path = enumerator?.nextObject() as? String {
      if path.hasSuffix(".flar") { files.append(path) }
    }
    return files.sorted()
  }()

  @Test func casesExist() {
    #expect(Self.caseFiles.count >= 40)
  }

  @Test(arguments: caseFiles)
  func languageCase(_ path: String) throws {
    let source = try String(
      contentsOf: Self.casesDirectory.appendingPathComponent(path),
      encoding: .utf8)
    let expected = CaseExpectations(source)
    var output = ""
    let session = Session(output: { output += $0 })
    var errors: [String] = []
    var runtimeMessage: String?
    var notes: [String] = []
    do {
      try session.run(source: source, fileName: path)
    } catch {
      for diagnostic in error.diagnostics {
        let location = error.file.location(of: diagnostic.range.start)
        errors.append("\(location): \(diagnostic.message)")
        notes += diagnostic.notes.map(\.message)
      }
      if error.phase == .runtime {
        runtimeMessage = error.diagnostics.first?.message
      }
    }
    var outputLines = output.split(
      separator: "\n", omittingEmptySubsequences: false
    ).map(String.init)
    if outputLines.last == "" { outputLines.removeLast() }
    #expect(outputLines == expected.output, "output of \(path)")
    if !expected.errors.isEmpty || expected.runtimeError == nil {
      #expect(errors == expected.errors, "errors of \(path)")
    }
    if let runtimeError = expected.runtimeError {
      #expect(runtimeMessage == runtimeError, "runtime error of \(path)")
    }
    #expect(
      notes == expected.notes || expected.notes.isEmpty, "notes of \(path)")
  }
}

/// The `# expect…` comments of a case file.
struct CaseExpectations {
  var output: [String] = []
  var errors: [String] = []
  var runtimeError: String?
  var notes: [String] = []

  init(_ source: String) {
    for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
      guard let marker = line.range(of: "# expect") else { continue }
      let rest = line[marker.upperBound...]
      if rest.hasPrefix(": ") {
        output.append(String(rest.dropFirst(2)))
      } else if rest == ":" {
        output.append("")
      } else if rest.hasPrefix(" error ") {
        errors.append(String(rest.dropFirst(" error ".count)))
      } else if rest.hasPrefix(" runtime error: ") {
        runtimeError = String(rest.dropFirst(" runtime error: ".count))
      } else if rest.hasPrefix(" note: ") {
        notes.append(String(rest.dropFirst(" note: ".count)))
      }
    }
  }
}
