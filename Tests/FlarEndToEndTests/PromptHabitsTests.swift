import Foundation
import TestSupport
import Testing

/// What a Python and IPython user types at the prompt, on a real terminal:
/// `?name`, `_`, `+=`, `%time`, Python's block colon, completion of argument
/// names and values, `nil` shown, and Ctrl-C in each family of long builtins.
@Suite struct PromptHabitsTests {
  @Test func questionMarkBeforeOrAfterANameShowsItsHelp() throws {
    let repl = try ReplSession()
    try repl.enter("?shrink", expecting: ["shrink(C, method=", "shrink a covariance"])
    try repl.enter("shrink?", expecting: ["shrink(C, method=", "shrink a covariance"])
    try repl.enter("help(\"syntax\")", expecting: ["[x * 2 for x in xs if x > 0]"])
  }

  @Test func underscoreHoldsTheLastShownValues() throws {
    let repl = try ReplSession()
    try repl.enter("6 * 7", expecting: ["\n42\n"])
    try repl.enter("x = 5")
    try repl.enter("[1, 2]", expecting: ["\n[1, 2]\n"])
    try repl.enter("_[0] + __", expecting: ["\n43\n"])
  }

  @Test func compoundAssignmentAndPythonOperators() throws {
    let repl = try ReplSession()
    try repl.enter("x = 1")
    try repl.enter("x += 40")
    try repl.enter("x *= 2")
    try repl.enter("x", expecting: ["\n82\n"])
    try repl.enter("2 ** 10 + 7 // 2", expecting: ["\n1027\n"])
    try repl.enter("[k for k, v in {a: 1, b: 2} if v > 1]", expecting: ["\n[\"b\"]\n"])
  }

  @Test func pythonBlockColonIsAnErrorAtOnceNotAContinuation() throws {
    let repl = try ReplSession()
    try repl.enter("x = 3")
    // The next prompt is the main one: no continuation is waited for.
    let shown = try repl.enter(
      "if x > 1:", expecting: ["':' does not open a block in flar", "if c then … end"])
    #expect(!shown.contains(ReplSession.continuation), "\(shown)")
    try repl.enter("def f(x):", expecting: ["def f(x) … end"])
    try repl.enter("import numpy", expecting: ["flar has no modules: every builtin is global"])
    try repl.enter("y = None", expecting: ["use true / false / nil"])
    try repl.enter("x", expecting: ["\n3\n"])
  }

  @Test func blankLineInsideABlockSaysHowToFinishIt() throws {
    let repl = try ReplSession()
    try repl.enter("def twice(x)", prompt: ReplSession.continuation)
    try repl.enter("  return 2 * x", prompt: ReplSession.continuation)
    try repl.enter(
      "", expecting: ["a blank line does not close 'def' opened at 1:1: type 'end'"],
      prompt: ReplSession.continuation)
    try repl.enter("end")
    try repl.enter("twice(21)", expecting: ["\n42\n"])
  }

  @Test func percentTimeIsColonTime() throws {
    let repl = try ReplSession()
    try repl.enter("%time 40 + 2", expecting: ["42", "CPU time: ", "wall time: "])
  }

  @Test func nilIsShownAsNilButACallsNilIsNot() throws {
    let repl = try ReplSession()
    try repl.enter("r = {rank: nil}")
    try repl.enter("r.rank", expecting: ["\nnil\n"])
    let printed = try repl.enter("print(\"hello\")", expecting: ["\nhello\n"])
    #expect(!printed.contains("nil"), "\(printed)")
  }

  @Test func longListsAreSummarisedAndRecordsShowReadableFloats() throws {
    let repl = try ReplSession()
    try repl.enter(
      "[i for i in 0:256]", expecting: ["[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, … 241 more …, 251,"])
    try repl.enter("{cos: 0.2682778593723883}", expecting: ["{cos: 0.268278}"])
    try repl.enter("repr({cos: 0.2682778593723883})", expecting: ["{cos: 0.2682778593723883}"])
    try repl.enter("str(2 / 3, digits=3)", expecting: ["\"0.667\""])
  }

  @Test func tabCompletesArgumentNamesInsideACall() throws {
    let repl = try ReplSession()
    try repl.enter("H = cov(randn(20, 3, seed=1))")
    // "meth" + Tab must become "method=": the call only works if it did.
    try repl.type("shrink(H, meth\t")
    try repl.terminal.expect("method=")
    try repl.enter("0.25).lambda", expecting: ["\n0.25\n"])
  }

  @Test func tabCompletesTheAllowedValuesOfAnArgument() throws {
    let repl = try ReplSession()
    try repl.enter("H = cov(randn(20, 3, seed=1))")
    try repl.type("shrink(H, method=\"oa\t")
    try repl.terminal.expect("oas")
    try repl.enter("\").method", expecting: ["\n\"oas\"\n"])
    // compress's methods, not layer names or paths.
    try repl.type("compress(m, method=\"fw\t")
    try repl.terminal.expect("fwsvd")
    // The completed call runs (and fails only because m is not defined).
    try repl.enter("\")", expecting: ["unknown name \"m\""])
  }

  @Test func ctrlCStopsALargeAllocation() throws {
    let repl = try ReplSession()
    try repl.enter("kept = 41")
    try repl.type("print(\"alloc \" + \"started\"); Z = zeros(15000, 15000)\r")
    try repl.terminal.expect("alloc started")
    try repl.terminal.send("\u{03}")
    try repl.terminal.expect("error: cancelled")
    try repl.terminal.expect(ReplSession.prompt)
    try repl.enter("kept + 1", expecting: ["\n42\n"])
    try repl.enter("Z", expecting: ["unknown name \"Z\""])
  }

  @Test func ctrlCStopsALargeRandomMatrix() throws {
    let repl = try ReplSession()
    try repl.type("print(\"randn \" + \"started\"); Z = randn(15000, 15000)\r")
    try repl.terminal.expect("randn started")
    try repl.terminal.send("\u{03}")
    try repl.terminal.expect("error: cancelled")
    try repl.terminal.expect(ReplSession.prompt)
    try repl.enter("Z", expecting: ["unknown name \"Z\""])
  }

  @Test func ctrlCStopsOneLargeMatrixProduct() throws {
    let repl = try ReplSession()
    try repl.enter("A = randn(3000, 3000, seed=1)")
    // 2.7e10 multiply-adds: seconds even alone; without the blocked
    // product B would be assigned before the interrupt is seen.
    try repl.type("print(\"product \" + \"started\"); B = A @ A\r")
    try repl.terminal.expect("product started")
    try repl.terminal.send("\u{03}")
    try repl.terminal.expect("error: cancelled")
    try repl.terminal.expect(ReplSession.prompt)
    try repl.enter("B", expecting: ["unknown name \"B\""])
  }

  @Test(.enabled(if: modelIsAvailable, "needs models/ from scripts/setup.sh"))
  func ctrlCStopsEvaluateAndEmbed() throws {
    let repl = try ReplSession(arguments: ["--quiet"])
    try repl.enter("m = load(\"models/all-MiniLM-L6-v2\")")
    try repl.type("print(\"evaluate \" + \"started\"); e = evaluate(m, reference=m)\r")
    try repl.terminal.expect("evaluate started")
    try repl.terminal.send("\u{03}")
    try repl.terminal.expect("error: cancelled", timeout: 10)
    try repl.terminal.expect(ReplSession.prompt)
    try repl.enter("e", expecting: ["unknown name \"e\""])
    try repl.enter("lines = text(\"data/eval.txt\")")
    try repl.type("print(\"embed \" + \"started\"); E = embed(m, lines)\r")
    try repl.terminal.expect("embed started")
    try repl.terminal.send("\u{03}")
    try repl.terminal.expect("error: cancelled", timeout: 10)
    try repl.terminal.expect(ReplSession.prompt)
    try repl.enter("E", expecting: ["unknown name \"E\""])
  }

  @Test func ctrlCStopsALatencyMeasurement() throws {
    let repl = try ReplSession(arguments: ["--quiet"])
    try repl.type(
      "print(\"latency \" + \"started\"); d = latency_dataset(n=2000, runs=50)\r")
    try repl.terminal.expect("latency started")
    try repl.terminal.send("\u{03}")
    try repl.terminal.expect("error: cancelled", timeout: 10)
    try repl.terminal.expect(ReplSession.prompt)
    try repl.enter("d", expecting: ["unknown name \"d\""])
  }

  @Test func ctrlCStopsTrainingALatencyPredictor() throws {
    let repl = try ReplSession()
    let csv = TestSupport.fixture("latency/synthetic.csv")
    try repl.type(
      "print(\"training \" + \"started\"); p = train_latency(\"\(csv)\", n_trees=1000000)\r")
    try repl.terminal.expect("training started")
    try repl.terminal.send("\u{03}")
    try repl.terminal.expect("error: cancelled", timeout: 30)
    try repl.terminal.expect(ReplSession.prompt)
    try repl.enter("p", expecting: ["unknown name \"p\""])
  }

  @Test func ctrlCStopsANotebookRunWithoutWritingIt() throws {
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/spin.md"
      let marker = dir + "/started.csv"
      // Cell 2 says it started by writing a file (a cell's output is
      // captured, not shown), then spins until Ctrl-C; cell 3 never runs.
      let notebook = """
        ```flar
        x = 1
        ```

        ```flar
        export([{a: 1}], "\(marker)")
        while true do x = x + 1 end
        ```

        ```flar
        x
        ```
        """ + "\n"
      try notebook.write(toFile: path, atomically: true, encoding: .utf8)
      let terminal = try PseudoTerminal(
        executable: try TestSupport.flarBinary(), arguments: ["notebook", "run", path],
        environment: TestSupport.flarEnvironment(home: dir, ["TERM": "xterm"]))
      let deadline = Date().addingTimeInterval(60)
      while !FileManager.default.fileExists(atPath: marker) && Date() < deadline {
        Thread.sleep(forTimeInterval: 0.05)
      }
      try terminal.send("\u{03}")
      #expect(try terminal.waitForExit() == 130, "\(terminal.text)")
      #expect(terminal.text.contains("cancelled; the notebook was not written"), "\(terminal.text)")
      #expect(try String(contentsOfFile: path, encoding: .utf8) == notebook)
    }
  }
}
