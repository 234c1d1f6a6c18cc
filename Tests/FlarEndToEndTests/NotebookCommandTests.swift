import Foundation
import TestSupport
import Testing

/// The committed text notebooks, by file name.
private let committedNotebooks: [String] = {
  let dir = TestSupport.repositoryRoot.appendingPathComponent("notebooks-text").path
  let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
  return names.filter { $0.hasSuffix(".md") }.sorted()
}()

/// Notebooks whose cells load `models/`: they need the set-up's downloads.
private func needsModel(_ name: String) -> Bool {
  let path = TestSupport.repositoryRoot.appendingPathComponent("notebooks-text/\(name)").path
  let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
  return text.contains("load(\"models/")
}

/// `flar notebook run|check` on the committed notebooks and on scratch copies.
@Suite struct NotebookCommandTests {
  @Test func theCommittedNotebooksAreFound() {
    for name in ["whitening.md", "shrinkage.md"] {
      #expect(committedNotebooks.contains(name), "notebooks-text/\(name) is missing")
    }
  }

  @Test(arguments: committedNotebooks)
  func committedNotebookChecksClean(_ name: String) throws {
    if needsModel(name) && !modelIsAvailable {
      // Without the model the check cannot run; scripts/setup.sh downloads it.
      return
    }
    let r = try runFlar(
      arguments: ["notebook", "check", "notebooks-text/\(name)"], timeout: 300)
    #expect(r.status == 0, "\(r)")
    #expect(r.stdout.contains("outputs unchanged"), "\(r)")
  }

  @Test func checkFailsWithADiffWhenAStoredOutputWasChanged() throws {
    let source = TestSupport.repositoryRoot.appendingPathComponent("notebooks-text/whitening.md")
    let text = try String(contentsOf: source, encoding: .utf8)
    // The first output block: change its first line.
    let marker = "```output\n"
    let start = try #require(text.range(of: marker), "whitening.md has no output block")
    let lineEnd = try #require(text[start.upperBound...].firstIndex(of: "\n"))
    let original = String(text[start.upperBound..<lineEnd])
    let tampered = text.replacingCharacters(
      in: start.upperBound..<lineEnd, with: "tampered " + original)
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/whitening.md"
      try tampered.write(toFile: path, atomically: true, encoding: .utf8)
      let r = try runFlar(arguments: ["notebook", "check", path], timeout: 300)
      #expect(r.status == 1, "\(r)")
      #expect(r.stdout.contains("output differs"), "\(r)")
      #expect(r.stdout.contains("- tampered " + original), "the stored line, marked -: \(r)")
      #expect(r.stdout.contains("+ " + original), "the new line, marked +: \(r)")
      #expect(r.stdout.contains("1 of "), "one cell differs: \(r)")
      // check never writes the file.
      #expect(try String(contentsOfFile: path, encoding: .utf8) == tampered)
    }
  }

  @Test func runInsertsOutputsThenCheckPasses() throws {
    let notebook = """
      # Scratch

      Some prose.

      ```flar
      x = 6
      x * 7
      ```

      More prose.

      ```flar
      for i in 0:3 do print(i * i) end
      ```

      ```flar expect-error
      y = nosuch + 1
      ```
      """ + "\n"
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/scratch.md"
      try notebook.write(toFile: path, atomically: true, encoding: .utf8)

      let unrun = try runFlar(arguments: ["notebook", "check", path])
      #expect(unrun.status == 1, "a notebook that was never run fails check: \(unrun)")

      let run = try runFlar(arguments: ["notebook", "run", path])
      #expect(run.status == 0, "\(run)")
      let written = try String(contentsOfFile: path, encoding: .utf8)
      #expect(written.contains("x * 7\n```\n\n```output\n42\n```\n"), "\(written)")
      #expect(written.contains("```output\n0\n1\n4\n```"), "\(written)")
      #expect(written.contains("unknown name \"nosuch\""), "errors are outputs too: \(written)")
      #expect(written.hasPrefix("# Scratch\n\nSome prose.\n"), "prose kept: \(written)")

      let check = try runFlar(arguments: ["notebook", "check", path])
      #expect(check.status == 0, "\(check)")

      // A second run leaves the file byte for byte as it was.
      _ = try runFlar(arguments: ["notebook", "run", path])
      #expect(try String(contentsOfFile: path, encoding: .utf8) == written)
    }
  }

  @Test func wildcardLinesMatchVaryingOutput() throws {
    let notebook = """
      ```flar
      print("took", 1000 * 3.7, "ms")
      ```

      ```output
      took ... ms
      ```
      """ + "\n"
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/wild.md"
      try notebook.write(toFile: path, atomically: true, encoding: .utf8)
      let check = try runFlar(arguments: ["notebook", "check", path])
      #expect(check.status == 0, "\(check)")
      _ = try runFlar(arguments: ["notebook", "run", path])
      #expect(
        try String(contentsOfFile: path, encoding: .utf8) == notebook,
        "run keeps a stored wildcard that still matches")
    }
  }

  @Test func missingNotebookExitsOne() throws {
    let r = try runFlar(arguments: ["notebook", "check", "/nonexistent/none.md"])
    #expect(r.status == 1, "\(r)")
    #expect(r.stderr.contains("none.md"), "\(r)")
  }

  @Test func theReadmeSessionIsTheSessionNotebook() throws {
    let root = TestSupport.repositoryRoot
    let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    let notebook = try String(
      contentsOf: root.appendingPathComponent("notebooks-text/session.md"), encoding: .utf8)
    let section = try #require(readme.range(of: "## A session"), "README has no session")
    let typed = readme[section.upperBound...].split(separator: "\n").prefix { !$0.hasPrefix("## ") }
      .filter { $0.hasPrefix("flar> ") }.map { String($0.dropFirst("flar> ".count)) }
    var code: [String] = []
    var inCell = false
    for line in notebook.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("```flar") {
        inCell = true
      } else if line.hasPrefix("```") {
        inCell = false
      } else if inCell {
        code.append(String(line))
      }
    }
    #expect(!typed.isEmpty)
    #expect(typed == code, "the README's flar> lines and the cells of notebooks-text/session.md")
  }

  @Test func aCellThatRaisesFailsRunAndCheckNamingTheCell() throws {
    let notebook = """
      # Scratch

      ```flar
      x = 6
      ```

      ```flar
      y = x + nosuch
      ```
      """ + "\n"
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/fails.md"
      try notebook.write(toFile: path, atomically: true, encoding: .utf8)
      let run = try runFlar(arguments: ["notebook", "run", path])
      #expect(run.status == 1, "\(run)")
      #expect(run.stderr.contains("fails.md:7: cell 2 raised an error"), "\(run)")
      #expect(run.stderr.contains("unknown name \"nosuch\""), "\(run)")
      #expect(run.stderr.contains("expect-error"), "says how to mark it: \(run)")
      // The outputs were written (the error is in cell 2's), yet check fails too.
      let written = try String(contentsOfFile: path, encoding: .utf8)
      #expect(written.contains("unknown name"), "\(written)")
      let check = try runFlar(arguments: ["notebook", "check", path])
      #expect(check.status == 1, "\(check)")
      #expect(check.stdout.contains("outputs unchanged"), "\(check)")
      #expect(check.stderr.contains("cell 2 raised an error"), "\(check)")
    }
  }

  @Test func aCellMarkedExpectErrorPassesWhenItRaisesAndFailsWhenItDoesNot() throws {
    let notebook = """
      ```flar expect-error
      chol(-eye(3))
      ```

      ```flar expect-error
      1 + 1
      ```
      """ + "\n"
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/marked.md"
      try notebook.write(toFile: path, atomically: true, encoding: .utf8)
      let run = try runFlar(arguments: ["notebook", "run", path])
      #expect(run.status == 1, "\(run)")
      #expect(!run.stderr.contains("cell 1"), "cell 1 raises as marked: \(run)")
      #expect(
        run.stderr.contains("marked.md:5: cell 2 is marked expect-error but ran without an error"),
        "\(run)")
      let written = try String(contentsOfFile: path, encoding: .utf8)
      #expect(written.contains("is not a second moment"), "\(written)")
    }
  }
}
