import ArgumentParser
import FlarScript
import Foundation

/// `flar notebook run|check FILE.md`.
struct NotebookCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "notebook",
    // Reached through Flar.main as a root of its own; usage reads `flar notebook …`.
    _superCommandName: "flar",
    abstract: "Run or check a text notebook (Markdown with `flar` cells).",
    subcommands: [Run.self, Check.self])

  struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run every cell and write its output into the file.",
      discussion: """
        Exits 1 naming the cell and line when a cell raises an error, unless its fence is
        ```flar expect-error (a cell that shows an error on purpose; it then fails when it
        does not raise).
        """)
    @Argument(help: "The notebook (.md).") var file: String

    func run() throws {
      let (notebook, updated, _, failures) = try runNotebook(file)
      if sessionCancellation.isCancelled || failures.contains(where: \.wasCancelled) {
        // Ctrl-C: the file is left as it was, never half-updated.
        printError("\(file): cancelled; the notebook was not written")
        throw ExitCode(130)
      }
      let text = updated.render()
      if text != notebook.render() {
        try text.write(toFile: file, atomically: true, encoding: .utf8)
      }
      print("ran \(updated.cells.count) cells of \(file)")
      try reportFailures(failures, in: file, of: updated.cells.count)
    }
  }

  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Re-run every cell and fail with a diff where an output differs.",
      discussion: """
        Also fails, naming the cell and line, when a cell raises an error without being
        marked ```flar expect-error, or a marked cell does not raise.
        """)
    @Argument(help: "The notebook (.md).") var file: String

    func run() throws {
      let (_, updated, mismatches, failures) = try runNotebook(file)
      if mismatches.isEmpty {
        print("\(file): \(updated.cells.count) cells, outputs unchanged")
        try reportFailures(failures, in: file, of: updated.cells.count)
        return
      }
      for m in mismatches {
        print("\(file):\(m.line): cell \(m.cellIndex) output differs")
        print("--- stored\n+++ new")
        print(m.diff.joined(separator: "\n"))
      }
      print("\(file): \(mismatches.count) of \(updated.cells.count) cells differ")
      try? reportFailures(failures, in: file, of: updated.cells.count)
      throw ExitCode(1)
    }
  }
}

/// Prints each failing cell as `FILE:LINE: cell N raised an error: …` on
/// standard error and exits 1 when there is one.
private func reportFailures(_ failures: [NotebookFailure], in file: String, of cells: Int) throws {
  guard !failures.isEmpty else { return }
  for failure in failures {
    printError("\(file):\(failure.line): \(failure)")
  }
  printError("\(file): \(failures.count) of \(cells) cells failed")
  throw ExitCode(1)
}

/// Parses and runs a notebook in one fresh session, capturing each cell's
/// output (printed values, `print`, rendered errors).
private func runNotebook(_ path: String) throws -> (
  Notebook, Notebook, [NotebookMismatch], [NotebookFailure]
) {
  installInterruptHandler()
  let text: String
  do {
    text = try String(contentsOfFile: path, encoding: .utf8)
  } catch {
    printError("cannot read notebook \"\(path)\": \(error.localizedDescription)")
    throw ExitCode(1)
  }
  let notebook: Notebook
  do {
    notebook = try Notebook.parse(text)
  } catch {
    printError("\(path): \(error)")
    throw ExitCode(1)
  }
  // Relative paths in cells are relative to the notebook's directory? No:
  // to the working directory, like a script, so notebooks run from the
  // repository root as the README shows.
  let capture = OutputCapture()
  let session = makeSession(options: ShellOptions(quiet: true), arguments: [], capture: capture)
  var index = 0
  var cancelled = false
  let (updated, mismatches, failures) = notebook.run { code in
    index += 1
    capture.text = ""
    capture.errors = []
    // After Ctrl-C no further cell runs.
    guard !cancelled else { return CellRun(output: "", error: "cancelled") }
    let outcome = session.submit(code, fileName: "\(path)[cell \(index)]", echo: true)
    switch outcome {
    case .ran: return CellRun(output: capture.text)
    case .cancelled:
      cancelled = true
      return CellRun(output: capture.text, error: "cancelled")
    case .failed, .incomplete:
      return CellRun(output: capture.text, error: capture.errors.first ?? "the cell is incomplete")
    }
  }
  return (notebook, updated, mismatches, failures)
}

/// Collects everything a session prints, for notebook cells.
final class OutputCapture {
  var text = ""
  /// The first line of each error reported since the last reset.
  var errors: [String] = []
}
