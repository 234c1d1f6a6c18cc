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
      abstract: "Run every cell and write its output into the file.")
    @Argument(help: "The notebook (.md).") var file: String

    func run() throws {
      let (notebook, updated, _) = try runNotebook(file)
      let text = updated.render()
      if text != notebook.render() {
        try text.write(toFile: file, atomically: true, encoding: .utf8)
      }
      print("ran \(updated.cells.count) cells of \(file)")
    }
  }

  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Re-run every cell and fail with a diff where an output differs.")
    @Argument(help: "The notebook (.md).") var file: String

    func run() throws {
      let (_, updated, mismatches) = try runNotebook(file)
      if mismatches.isEmpty {
        print("\(file): \(updated.cells.count) cells, outputs unchanged")
        return
      }
      for m in mismatches {
        print("\(file):\(m.line): cell \(m.cellIndex) output differs")
        print("--- stored\n+++ new")
        print(m.diff.joined(separator: "\n"))
      }
      print("\(file): \(mismatches.count) of \(updated.cells.count) cells differ")
      throw ExitCode(1)
    }
  }
}

/// Parses and runs a notebook in one fresh session, capturing each cell's
/// output (printed values, `print`, rendered errors).
private func runNotebook(_ path: String) throws -> (Notebook, Notebook, [NotebookMismatch]) {
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
  let (updated, mismatches) = notebook.run { code in
    index += 1
    capture.text = ""
    _ = session.submit(code, fileName: "\(path)[cell \(index)]", echo: true)
    return capture.text
  }
  return (notebook, updated, mismatches)
}

/// Collects everything a session prints, for notebook cells.
final class OutputCapture {
  var text = ""
}
