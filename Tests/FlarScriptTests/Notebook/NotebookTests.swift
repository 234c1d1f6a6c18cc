import Testing

@testable import FlarScript

@Suite struct NotebookTests {
  let source = """
    # Title

    Some text with a `flar` word.

    ```flar
    1 + 1
    ```

    ```python
    ```flar
    not a cell
    ```

    ```flar
    x = 2
    ```

    ```output
    stale
    ```
    end.

    """

  /// Runs code by echoing a fixed answer per cell, in order.
  func runner(_ answers: [String]) -> (String) -> String {
    var queue = answers
    return { _ in queue.removeFirst() }
  }

  @Test func cellsAreFoundAndOtherFencesKept() throws {
    let nb = try Notebook.parse(source)
    #expect(nb.cells.map(\.code) == ["1 + 1", "x = 2"])
    #expect(nb.cells.map(\.output) == [nil, "stale"])
    #expect(nb.cells.map(\.line) == [5, 14])
    #expect(nb.render() == source)
  }

  /// Lines end at the "\n" scalar, whatever precedes it: a "\r" before the
  /// newline the parser adds must not merge with it ("\r\n" is one Swift
  /// Character), and a CRLF notebook has cells (it used to read as one line).
  @Test func carriageReturnsSurviveARender() throws {
    // Found by the notebook fuzz target: rendered once, "`` \r\r" lost a
    // "\r" each time.
    for text in ["`` \r\r", "a\r", "a\r\n", "\r", "x\r\r\ny\r"] {
      let rendered = try Notebook.parse(text).render()
      #expect(
        Array(rendered.unicodeScalars) == Array(text.unicodeScalars), "\(text.debugDescription)")
    }
    let crlf = "# T\r\n\r\n```flar\r\n1 + 1\r\n```\r\n\r\n```output\r\n2\r\n```\r\nend\r\n"
    let nb = try Notebook.parse(crlf)
    #expect(nb.cells.count == 1)
    #expect(nb.cells.first?.line == 3)
    #expect(nb.cells.first?.output == "2\r")
    // Text, code and outputs keep their "\r"; the fence lines flar writes
    // end in "\n", and the result renders to itself.
    let once = nb.render()
    #expect(once.unicodeScalars.count == crlf.unicodeScalars.count - 4)
    #expect(Array(try Notebook.parse(once).render().unicodeScalars) == Array(once.unicodeScalars))
  }

  @Test func runInsertsAndReplacesOutputs() throws {
    let nb = try Notebook.parse(source)
    let (updated, mismatches) = nb.run(runner(["2\n", ""]))
    #expect(mismatches.map(\.cellIndex) == [1, 2])
    let text = updated.render()
    #expect(text.contains("```flar\n1 + 1\n```\n\n```output\n2\n```\n"))
    #expect(text.contains("```flar\nx = 2\n```\n\n```output\n```\nend."))
    // Running the updated notebook again finds nothing to change.
    let again = try Notebook.parse(text).run(runner(["2", ""]))
    #expect(again.mismatches.isEmpty)
    #expect(again.updated.render() == text)
  }

  @Test func changedOutputGivesADiff() throws {
    let nb = try Notebook.parse("```flar\nprint(1)\n```\n```output\na\nb\nc\n```\n")
    let (_, mismatches) = nb.run(runner(["a\nB\nc"]))
    #expect(mismatches.count == 1)
    #expect(mismatches[0].diff == ["  a", "- b", "+ B", "  c"])
  }

  @Test func ellipsisMatchesVaryingText() throws {
    let nb = try Notebook.parse("```flar\nt\n```\n```output\ntook ... ms (median)\n```\n")
    let (updated, mismatches) = nb.run(runner(["took 12.5 ms (median)"]))
    #expect(mismatches.isEmpty)
    // The wildcard survives a run.
    #expect(updated.cells[0].output == "took ... ms (median)")
    #expect(!Notebook.lineMatches(pattern: "took ... ms", line: "took 3 s"))
  }

  @Test func ignoreOutputCellsAreNeverCompared() throws {
    let nb = try Notebook.parse("```flar ignore-output\nnow()\n```\n```output\nyesterday\n```\n")
    let (updated, mismatches) = nb.run(runner(["today"]))
    #expect(mismatches.isEmpty)
    #expect(updated.cells[0].output == "today")
  }

  @Test func unclosedFenceNamesItsLine() {
    #expect(throws: NotebookError.unclosedFence(line: 3)) {
      _ = try Notebook.parse("a\n\n```flar\nx\n")
    }
  }
}
