import ArgumentParser
import FlarCore
import FlarLinAlg
import Foundation
import Glibc

/// `flar`: the REPL, a script, `-e EXPR`, or a script piped on stdin.
struct Flar: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "flar",
    abstract: "A research shell for activation-aware low-rank compression (FLAR-SVD).",
    discussion: """
      With no arguments on a terminal, flar starts its REPL. `flar FILE.flar ARGS…` runs a
      script (its arguments are in `args`); `flar -e 'EXPR'` evaluates and prints; a script
      on standard input runs when stdin is not a terminal.
      """,
    version: flarVersion,
    subcommands: [NotebookCommand.self])

  @Option(
    name: .customShort("e"),
    help: ArgumentHelp(
      "Evaluate EXPR, print the value of each expression, exit.", valueName: "expr"))
  var expression: String?

  @Flag(name: .long, help: "No progress bars or notices.")
  var quiet = false

  @Option(name: .long, help: "History file of the REPL (default ~/.flar_history).")
  var historyFile: String?

  @Argument(help: "A script to run.")
  var file: String?

  @Argument(parsing: .captureForPassthrough, help: "Arguments for the script, visible as `args`.")
  var arguments: [String] = []

  /// Sends `flar notebook …` to its command before argument-parser parses
  /// the root: a command's own positional arguments are filled before its
  /// subcommands are looked up, so the script argument would otherwise take
  /// the word "notebook" for a file name.
  static func main() {
    keepFreedHeapForReuse()
    let arguments = Array(CommandLine.arguments.dropFirst())
    if arguments.first == "notebook" {
      NotebookCommand.main(Array(arguments.dropFirst()))
    } else {
      main(nil)
    }
  }

  mutating func run() throws {
    let options = ShellOptions(quiet: quiet)
    installInterruptHandler()
    if let expression {
      let session = makeSession(options: options, arguments: arguments)
      throw exitCode(session.submit(expression, fileName: "<-e>", echo: true))
    }
    if let file {
      let session = makeSession(options: options, arguments: arguments)
      let text: String
      do {
        text = try String(contentsOfFile: file, encoding: .utf8)
      } catch {
        printError("cannot read script \"\(file)\": \(error.localizedDescription)")
        throw ExitCode(1)
      }
      throw exitCode(session.submit(text, fileName: file, echo: false))
    }
    let session = makeSession(options: options, arguments: [])
    if isatty(0) == 0 {
      // A script piped on standard input.
      var text = ""
      while let line = readLine(strippingNewline: false) { text += line }
      throw exitCode(session.submit(text, fileName: "<stdin>", echo: false))
    }
    let home = ProcessInfo.processInfo.environment["HOME"] ?? "."
    let history = historyFile ?? home + "/.flar_history"
    let reader: LineReader =
      EditLineReader(program: "flar", historyPath: history) ?? PlainLineReader()
    print("flar \(flarVersion) — :help for commands, help() for builtins, Ctrl-D to leave")
    let repl = Repl(session: session, reader: reader, meta: MetaCommands(session: session))
    throw ExitCode(repl.run())
  }

  private func exitCode(_ outcome: SubmitOutcome) -> ExitCode {
    switch outcome {
    case .ran: return .success
    case .cancelled: return ExitCode(130)
    case .failed, .incomplete: return ExitCode(1)
    }
  }
}

/// Settings every session of this process shares.
struct ShellOptions {
  var quiet: Bool
  /// Progress bars only on a terminal and without `--quiet`.
  var showProgress: Bool { !quiet && isatty(2) != 0 }
  /// ANSI colour only on a terminal and without `NO_COLOR` (no-color.org).
  var color: Bool {
    isatty(1) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
  }
}

/// Writes `error: message` to standard error.
func printError(_ message: String) {
  FileHandle.standardError.write(("error: " + message + "\n").data(using: .utf8)!)
}
