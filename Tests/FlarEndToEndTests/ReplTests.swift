import Foundation
import TestSupport
import Testing

/// Whether the default model is in place (scripts/setup.sh downloads it).
let modelIsAvailable = FileManager.default.fileExists(
  atPath: TestSupport.repositoryRoot.appendingPathComponent(
    "models/all-MiniLM-L6-v2/model.safetensors"
  ).path)

/// The REPL on a real pseudo-terminal, with its own `HOME` (no user
/// `.editrc`) and history file, typed at like a person would.
final class ReplSession {
  let terminal: PseudoTerminal
  let home: String
  var historyFile: String { home + "/history" }

  static let prompt = "flar> "
  static let continuation = "  ... "

  init(arguments: [String] = []) throws {
    home =
      FileManager.default.temporaryDirectory
      .appendingPathComponent("flar-repl-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
    let environment = TestSupport.flarEnvironment(home: home, ["TERM": "xterm"])
    do {
      terminal = try PseudoTerminal(
        executable: try TestSupport.flarBinary(),
        arguments: ["--history-file", home + "/history"] + arguments,
        environment: environment, directory: TestSupport.repositoryRoot.path)
      try terminal.expect("Ctrl-D to leave")
      try terminal.expect(ReplSession.prompt)
    } catch {
      try? FileManager.default.removeItem(atPath: home)
      throw error
    }
  }

  deinit { try? FileManager.default.removeItem(atPath: home) }

  /// Types `keys` once the line editor is reading (see
  /// `PseudoTerminal.waitForRawMode`).
  func type(_ keys: String) throws {
    try terminal.waitForRawMode()
    try terminal.send(keys)
  }

  /// Ctrl-D on an empty line, then the exit status.
  ///
  /// On a loaded machine a
  /// Ctrl-D sent in the instant the editor switches the terminal mode can be
  /// dropped by the kernel's line discipline (seen once in a full parallel
  /// run); one more press after 5 s is what a user would do, and an empty
  /// line's Ctrl-D must end flar either way.
  func endOfInput() throws -> Int32 {
    try type("\u{04}")
    if let status = try? terminal.waitForExit(timeout: 5) { return status }
    try type("\u{04}")
    return try terminal.waitForExit()
  }

  /// Types `line` and Return, then waits for each of `outputs` in order and
  /// for the next prompt; returns what was printed.
  @discardableResult
  func enter(_ line: String, expecting outputs: [String] = [], prompt: String = prompt)
    throws -> String
  {
    try type(line + "\r")
    var seen = ""
    for output in outputs { seen += try terminal.expect(output) }
    seen += try terminal.expect(prompt)
    return seen
  }
}

@Suite struct ReplTests {
  @Test func typedExpressionShowsItsValue() throws {
    let repl = try ReplSession()
    try repl.enter("6 * 7", expecting: ["\n42\n"])
    try repl.enter("x = [1, 2] + [3]")
    let printed = try repl.enter("x")
    #expect(printed.contains("[1, 2, 3]"), "\(repl.terminal.text)")
  }

  @Test func assignmentPrintsNothing() throws {
    let repl = try ReplSession()
    let printed = try repl.enter("answer = 40 + 2")
    // Between the prompts there is only the echo of the line (a terminal
    // may show it twice when the keys arrive before raw mode is set).
    let lines = printed.split(separator: "\n").dropLast()
    #expect(
      !lines.isEmpty && lines.allSatisfy { $0 == "answer = 40 + 2" }, "\(printed.debugDescription)")
    try repl.enter("answer", expecting: ["\n42\n"])
  }

  @Test func arrowUpRecallsThePreviousLine() throws {
    let repl = try ReplSession()
    try repl.enter("20 + 22", expecting: ["42"])
    try repl.enter("1 + 1", expecting: ["2"])
    // Up twice reaches "20 + 22"; Return runs it again.
    try repl.type("\u{1B}[A\u{1B}[A\r")
    try repl.terminal.expect("20 + 22")
    try repl.terminal.expect("\n42\n")
    try repl.terminal.expect(ReplSession.prompt)
    // The history file is written after every entry.
    let history = try String(contentsOfFile: repl.historyFile, encoding: .utf8)
    #expect(history.contains("20"), "\(history)")
  }

  @Test func historyFromAnEarlierSessionIsRecalled() throws {
    let first = try ReplSession()
    try first.enter("17 + 25", expecting: ["42"])
    #expect(try first.endOfInput() == 0)
    // A second flar on the same history file.
    let second = try PseudoTerminal(
      executable: try TestSupport.flarBinary(),
      arguments: ["--history-file", first.historyFile],
      environment: TestSupport.flarEnvironment(home: first.home, ["TERM": "xterm"]),
      directory: TestSupport.repositoryRoot.path)
    try second.expect(ReplSession.prompt)
    try second.waitForRawMode()
    try second.send("\u{1B}[A\r")
    try second.expect("17 + 25")
    try second.expect("\n42\n")
  }

  /// flar killed between writing the new history and renaming it over the
  /// old one leaves the old history whole; the next flar's save clears the
  /// temporary and keeps both sessions' lines.
  @Test func aKillWhileSavingHistoryLosesNothing() throws {
    let first = try ReplSession()
    // Entries without spaces: libedit's history file writes a space as \040.
    try first.enter("17+25", expecting: ["42"])
    #expect(try first.endOfInput() == 0)
    func flar(_ extra: [String: String] = [:]) throws -> PseudoTerminal {
      let terminal = try PseudoTerminal(
        executable: try TestSupport.flarBinary(),
        arguments: ["--history-file", first.historyFile],
        environment: TestSupport.flarEnvironment(
          home: first.home, ["TERM": "xterm"].merging(extra) { $1 }),
        directory: TestSupport.repositoryRoot.path)
      try terminal.expect(ReplSession.prompt)
      try terminal.waitForRawMode()
      return terminal
    }
    let killed = try flar(["FLAR_TEST_KILL_AT": "history-written-before-rename"])
    try killed.send("1+1\r")
    #expect(try killed.waitForExit() == 128 + SIGKILL)
    var history = try String(contentsOfFile: first.historyFile, encoding: .utf8)
    #expect(history.contains("17+25") && !history.contains("1+1"), "\(history)")
    let leftovers = {
      try FileManager.default.contentsOfDirectory(atPath: first.home).filter {
        $0.hasPrefix("history.tmp-")
      }
    }
    #expect(try leftovers().count == 1)
    let next = try flar()
    try next.send("2+2\r")
    try next.expect("\n4\n")
    try next.expect(ReplSession.prompt)
    history = try String(contentsOfFile: first.historyFile, encoding: .utf8)
    #expect(history.contains("17+25") && history.contains("2+2"), "\(history)")
    #expect(try leftovers().isEmpty)
  }

  @Test func tabCompletesABuiltin() throws {
    let repl = try ReplSession()
    // "shri" + Tab must become "shrink": the call only works if it did.
    try repl.type("shri\t")
    try repl.terminal.expect("shrink")
    try repl.enter("(cov(randn(20, 3, seed=1)), method=0.25).lambda", expecting: ["\n0.25\n"])
  }

  @Test func tabCompletesAVariable() throws {
    let repl = try ReplSession()
    try repl.enter("zeta_value = 40")
    try repl.type("zeta_v\t")
    try repl.terminal.expect("zeta_value")
    try repl.enter(" + 2", expecting: ["\n42\n"])
  }

  @Test func tabCompletesAFieldAfterADot() throws {
    let repl = try ReplSession()
    try repl.enter("rec = {alpha_field: 41}")
    try repl.type("rec.alp\t")
    try repl.terminal.expect("alpha_field")
    try repl.enter(" + 1", expecting: ["\n42\n"])
  }

  @Test func tabListsSeveralCandidates() throws {
    let repl = try ReplSession()
    try repl.enter("pear_a = 1; pear_b = 2")
    try repl.type("pear_\t")
    // Both names listed under the prompt, then the line is redrawn.
    let listing = try repl.terminal.expect("pear_b")
    #expect(listing.contains("pear_a"), "\(repl.terminal.text)")
    try repl.enter("b", expecting: ["\n2\n"])
  }

  @Test func tabCompletesAPathInsideAString() throws {
    let repl = try ReplSession()
    try repl.type("p = \"Tests/Fixtures/lina\t")
    try repl.terminal.expect("Tests/Fixtures/linalg/")
    try repl.enter("\"", expecting: [])
    try repl.enter("p", expecting: ["\"Tests/Fixtures/linalg/\""])
  }

  @Test(.enabled(if: modelIsAvailable, "needs models/ from scripts/setup.sh"))
  func tabCompletesALayerNameInsideAString() throws {
    let repl = try ReplSession()
    try repl.enter("m = load(\"models/all-MiniLM-L6-v2\")")
    try repl.type("shape(weight(m, \"encoder.layer.5.interm\t")
    try repl.terminal.expect("encoder.layer.5.intermediate.dense")
    try repl.enter("\"))", expecting: ["[1536, 384]"])
  }

  @Test func multiLineBlockUsesTheContinuationPrompt() throws {
    let repl = try ReplSession()
    try repl.enter("total = 0")
    try repl.enter("for i in 0:4 do", prompt: ReplSession.continuation)
    try repl.enter("  total = total + i", prompt: ReplSession.continuation)
    try repl.enter("  print(i * 10)", prompt: ReplSession.continuation)
    try repl.enter("end", expecting: ["\n0\n", "10\n", "20\n", "30\n"])
    try repl.enter("total", expecting: ["\n6\n"])
  }

  @Test func ctrlCAtTheContinuationPromptDropsTheBlock() throws {
    let repl = try ReplSession()
    try repl.enter("def f(x)", prompt: ReplSession.continuation)
    try repl.type("\u{03}")
    try repl.terminal.expect(ReplSession.prompt)
    try repl.enter("1 + nosuch_after", expecting: ["unknown name \"nosuch_after\""])
    try repl.enter("40 + 2", expecting: ["\n42\n"])
  }

  @Test func errorIsShownAndTheSessionGoesOn() throws {
    let repl = try ReplSession()
    try repl.enter("kept = 41")
    let error = try repl.enter("kept + nosuch", expecting: ["unknown name \"nosuch\""])
    #expect(error.contains("^"), "a caret under the name: \(error)")
    try repl.enter("kept + 1", expecting: ["\n42\n"])
    try repl.enter("y = (1 +", prompt: ReplSession.continuation)
    try repl.enter(")", expecting: ["error"])
    try repl.enter("kept * 2", expecting: ["\n82\n"])
  }

  @Test func ctrlCStopsALongComputationAndKeepsVariables() throws {
    let repl = try ReplSession()
    try repl.enter("kept = 41")
    // The loop announces itself after 1000 iterations (the string is split
    // so that the echo of the line cannot match), then spins until Ctrl-C.
    try repl.type(
      "n = 0; while true do n = n + 1; if n == 1000 then print(\"loop \" + \"started\") end end\r")
    try repl.terminal.expect("loop started")
    try repl.terminal.send("\u{03}")
    try repl.terminal.expect("error: cancelled")
    try repl.terminal.expect(ReplSession.prompt)
    try repl.enter("kept + 1", expecting: ["\n42\n"])
    // What the loop assigned before the interrupt is kept too.
    try repl.enter("n >= 1000", expecting: ["\ntrue\n"])
  }

  @Test func ctrlCStopsALoopOfMatrixProducts() throws {
    let repl = try ReplSession()
    try repl.enter("A = randn(300, 300, seed=1)")
    try repl.type(
      "print(\"products \" + \"started\"); for i in 0:100000 do B = A @ A end\r")
    try repl.terminal.expect("products started")
    try repl.terminal.send("\u{03}")
    try repl.terminal.expect("error: cancelled")
    try repl.terminal.expect(ReplSession.prompt)
    try repl.enter("shape(A)", expecting: ["[300, 300]"])
  }

  @Test func ctrlDOnAnEmptyLineExitsZero() throws {
    let repl = try ReplSession()
    try repl.enter("1 + 1", expecting: ["2"])
    #expect(try repl.endOfInput() == 0, "\(repl.terminal.text)")
  }

  @Test func quitCommandExitsZero() throws {
    let repl = try ReplSession()
    try repl.type(":quit\r")
    #expect(try repl.terminal.waitForExit() == 0, "\(repl.terminal.text)")
  }

  @Test func varsListsTheSessionVariables() throws {
    let repl = try ReplSession()
    try repl.enter("alpha = 3")
    try repl.enter("beta = \"text\"")
    let listing = try repl.enter(":vars", expecting: ["alpha", "beta"])
    #expect(listing.contains("text"), "\(listing)")
  }

  @Test func timePrintsTheValueAndWallAndCpuTime() throws {
    let repl = try ReplSession()
    let printed = try repl.enter(
      ":time 40 + 2", expecting: ["\n42\n", "CPU time: ", "wall time: "])
    #expect(printed.contains("s\n"), "\(printed)")
  }

  @Test func helpListsTheMetaCommands() throws {
    let repl = try ReplSession()
    let printed = try repl.enter(":help", expecting: [":help", ":load", ":quit", ":time", ":vars"])
    #expect(printed.contains("run EXPR"), "\(printed)")
  }

  @Test func unknownMetaCommandSuggestsTheClosest() throws {
    let repl = try ReplSession()
    try repl.enter(":vras", expecting: ["unknown command \":vras\"", "\":vars\""])
    try repl.enter("40 + 2", expecting: ["\n42\n"])
  }

  @Test func loadRunsAFileInTheSession() throws {
    let repl = try ReplSession()
    let script = repl.home + "/defs.flar"
    try "def triple(v) return 3 * v end\nloaded = 14\n".write(
      toFile: script, atomically: true, encoding: .utf8)
    try repl.enter(":load \(script)")
    try repl.enter("triple(loaded)", expecting: ["\n42\n"])
  }
}

/// A script interrupted with Ctrl-C at a terminal exits with 130.
@Suite struct ScriptInterruptTests {
  @Test func ctrlCEndsARunningScriptWithStatus130() throws {
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/spin.flar"
      try "print(\"spin \" + \"started\")\nwhile true do x = 1 end\n".write(
        toFile: path, atomically: true, encoding: .utf8)
      let terminal = try PseudoTerminal(
        executable: try TestSupport.flarBinary(), arguments: [path],
        environment: TestSupport.flarEnvironment(home: dir, ["TERM": "xterm"]))
      try terminal.expect("spin started")
      try terminal.send("\u{03}")
      #expect(try terminal.waitForExit() == 130, "\(terminal.text)")
    }
  }
}

/// Progress bars: on a terminal unless `--quiet`, never into a pipe.
@Suite(.enabled(if: modelIsAvailable, "needs models/ from scripts/setup.sh"))
struct ProgressBarTests {
  static let hookTwoBatches =
    "m = load(\"models/all-MiniLM-L6-v2\"); st = hook(m, text(\"data/calib.txt\", limit=64), layers=\"*.intermediate.dense\", maxlen=16, batch=32); print(\"hook \" + \"done\")"

  private func onTerminal(_ flags: [String]) throws -> String {
    try TestSupport.withTemporaryDirectory { dir in
      let terminal = try PseudoTerminal(
        executable: try TestSupport.flarBinary(),
        arguments: flags + ["-e", ProgressBarTests.hookTwoBatches],
        environment: TestSupport.flarEnvironment(home: dir, ["TERM": "xterm"]),
        directory: TestSupport.repositoryRoot.path, defaultTimeout: 120)
      try terminal.expect("hook done")
      #expect(try terminal.waitForExit() == 0, "\(terminal.text)")
      return terminal.text
    }
  }

  @Test func hookShowsAProgressBarOnATerminal() throws {
    let text = try onTerminal([])
    #expect(text.contains("2/2"), "\(text)")
    #expect(text.contains("100%"), "\(text)")
  }

  @Test func quietHidesTheProgressBar() throws {
    let text = try onTerminal(["--quiet"])
    #expect(!text.contains("%"), "\(text)")
    #expect(!text.contains("2/2"), "\(text)")
  }

  @Test func noProgressBarIntoAPipe() throws {
    let r = try runFlar(arguments: ["-e", ProgressBarTests.hookTwoBatches])
    #expect(r.status == 0, "\(r)")
    #expect(r.stdout == "hook done\n", "\(r)")
    #expect(r.stderr == "", "\(r)")
  }
}
