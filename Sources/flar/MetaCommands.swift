import FlarCore
import FlarScript
import Foundation

/// What a meta-command asks the REPL to do next.
enum MetaOutcome { case `continue`, quit }

/// The REPL's `:` commands, a table dispatched by name (not an if/else
/// chain), each with one line of help in sqlite's fixed-column format.
final class MetaCommands {
  struct Command {
    let usage: String
    let help: String
    let run: (String) -> MetaOutcome
  }

  private var table: [String: Command] = [:]
  private let session: ShellSession

  var names: [String] { table.keys.sorted() }

  init(session: ShellSession) {
    self.session = session
    table[":help"] = Command(
      usage: ":help", help: "list these commands; help(name) documents a builtin"
    ) {
      [unowned self] _ in
      print(self.helpText())
      return .continue
    }
    table[":vars"] = Command(
      usage: ":vars", help: "list the variables of this session with their types"
    ) {
      [unowned self] _ in
      let lines = self.session.variableLines()
      print(lines.isEmpty ? "no variables" : lines.joined(separator: "\n"))
      return .continue
    }
    table[":time"] = Command(
      usage: ":time EXPR", help: "run EXPR and print its wall and CPU time (also %time EXPR)"
    ) {
      [unowned self] argument in
      self.time(argument)
      return .continue
    }
    table[":load"] = Command(usage: ":load FILE", help: "run a script file in this session") {
      [unowned self] argument in
      self.load(argument)
      return .continue
    }
    table[":quit"] = Command(usage: ":quit", help: "leave flar (Ctrl-D does the same)") { _ in .quit
    }
  }

  /// The `:name argument` a prompt line asks for: `:time x`, or IPython's
  /// `%time x` spelled with `%`; nil for code.
  static func commandLine(_ trimmed: String) -> String? {
    if trimmed.hasPrefix(":") { return trimmed }
    // `%time …` and the other magics IPython users type; `%` alone is code.
    if trimmed.hasPrefix("%"), let next = trimmed.dropFirst().first, next.isLetter {
      return ":" + trimmed.dropFirst()
    }
    return nil
  }

  /// Runs one `:name argument` line.
  func run(_ line: String) -> MetaOutcome {
    let name = String(line.prefix { !$0.isWhitespace })
    let argument = line.dropFirst(name.count).trimmingWhitespace()
    guard let command = table[name] else {
      let message =
        "error: unknown command \"\(name)\""
        + Suggestion.parenthetical(Suggestion.closest(to: name, among: names))
      FileHandle.standardError.write((message + "; :help lists them\n").data(using: .utf8)!)
      return .continue
    }
    return command.run(argument)
  }

  func helpText() -> String {
    let width = (table.values.map(\.usage.count).max() ?? 0) + 3
    return table.keys.sorted().map { key in
      let c = table[key]!
      return c.usage + String(repeating: " ", count: width - c.usage.count) + c.help
    }.joined(separator: "\n")
  }

  /// `:time EXPR`, IPython's `%time`: CPU (user + system) and wall time.
  private func time(_ source: String) {
    guard !source.isEmpty else {
      FileHandle.standardError.write("error: :time needs an expression\n".data(using: .utf8)!)
      return
    }
    let cpuStart = cpuSeconds()
    let wallStart = DispatchTime.now().uptimeNanoseconds
    _ = session.submit(source, fileName: "<:time>", echo: true)
    let wall = Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e9
    let cpu = cpuSeconds() - cpuStart
    print("CPU time: \(formatSeconds(cpu)), wall time: \(formatSeconds(wall))")
  }

  /// `:load FILE`: the file's statements run in this session.
  private func load(_ path: String) {
    guard !path.isEmpty else {
      FileHandle.standardError.write("error: :load needs a file name\n".data(using: .utf8)!)
      return
    }
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      FileHandle.standardError.write("error: cannot read \"\(path)\"\n".data(using: .utf8)!)
      return
    }
    _ = session.submit(text, fileName: path, echo: false)
  }
}

/// User plus system CPU time of this process, in seconds.
func cpuSeconds() -> Double {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

/// Seconds as IPython prints them: `812 µs`, `12.3 ms`, `1.52 s`.
func formatSeconds(_ s: Double) -> String {
  func three(_ x: Double) -> String {
    let digits = x >= 100 ? 0 : (x >= 10 ? 1 : 2)
    return String(format: "%.\(digits)f", x)
  }
  if s < 1e-3 { return three(s * 1e6) + " µs" }
  if s < 1 { return three(s * 1e3) + " ms" }
  return three(s) + " s"
}
