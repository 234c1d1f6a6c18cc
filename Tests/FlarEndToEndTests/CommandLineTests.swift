import Foundation
import TestSupport
import Testing

/// The `flar` binary run as a command: scripts, `-e`, standard input, flags.
@Suite struct CommandLineTests {
  /// Writes `source` to a script in a temporary directory and runs it.
  private func runScript(
    _ source: String, arguments: [String] = [], flags: [String] = []
  ) throws -> (result: FlarResult, path: String) {
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/script.flar"
      try source.write(toFile: path, atomically: true, encoding: .utf8)
      return (try runFlar(arguments: flags + [path] + arguments), path)
    }
  }

  @Test func scriptThatSucceedsExitsZeroWithItsOutput() throws {
    let (r, _) = try runScript(
      """
      x = 6
      x * 7            # a script does not echo values
      print(x * 7)
      def twice(v) return 2 * v end
      print(twice(21))
      """)
    #expect(r.status == 0, "\(r)")
    #expect(r.stdout == "42\n42\n", "\(r)")
    #expect(r.stderr == "", "\(r)")
  }

  @Test func scriptSeesItsArgumentsInArgs() throws {
    let (r, _) = try runScript(
      "print(args)\nprint(len(args))\n", arguments: ["alpha", "beta gamma"])
    #expect(r.status == 0, "\(r)")
    #expect(r.stdout == "[\"alpha\", \"beta gamma\"]\n2\n", "\(r)")
  }

  @Test func scriptWithoutArgumentsHasAnEmptyArgsList() throws {
    let (r, _) = try runScript("print(len(args))\n")
    #expect(r.stdout == "0\n", "\(r)")
  }

  @Test func runtimeErrorEndsTheScriptWithStatusOneAndACaret() throws {
    let (r, path) = try runScript(
      """
      print("before")
      y = 1 + nosuch
      print("after")
      """)
    #expect(r.status == 1, "\(r)")
    #expect(r.stdout == "before\n", "the statements after the error must not run: \(r)")
    #expect(r.stderr.hasPrefix("\(path):2:9: error: unknown name \"nosuch\""), "\(r)")
    let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    // file:line:col: error, then the source line and a caret under column 9.
    #expect(lines.contains("2 | y = 1 + nosuch"), "\(r)")
    #expect(lines.contains { $0.hasPrefix("  |         ^") }, "\(r)")
  }

  @Test func syntaxErrorExitsOneAndPointsAtTheColumn() throws {
    let (r, path) = try runScript("x = 1\ny = (x +\nprint(y)\n")
    #expect(r.status == 1, "\(r)")
    #expect(r.stderr.hasPrefix("\(path):"), "\(r)")
    #expect(r.stderr.contains(": error: "), "\(r)")
    #expect(r.stderr.contains("^"), "\(r)")
  }

  @Test func unclosedBlockInAScriptIsAnError() throws {
    let (r, path) = try runScript("for i in 0:3 do\n  print(i)\n")
    #expect(r.status == 1, "\(r)")
    #expect(r.stderr.hasPrefix("\(path):"), "\(r)")
    #expect(r.stdout == "", "\(r)")
  }

  @Test func missingScriptFileExitsOneAndNamesIt() throws {
    let r = try runFlar(arguments: ["/nonexistent/dir/missing.flar"])
    #expect(r.status == 1, "\(r)")
    #expect(r.stderr.contains("missing.flar"), "\(r)")
  }

  /// A matrix over half the memory is refused before it is allocated;
  /// FLAR_MEMORY_LIMIT_MB stands in for the machine's memory, so the check is
  /// seen here without a 12 GiB request.
  @Test func aMatrixOverHalfTheMemoryIsRefusedUpFront() throws {
    let r = try runFlar(
      arguments: ["-e", "zeros(4000, 4000)"],
      environment: TestSupport.flarEnvironment(["FLAR_MEMORY_LIMIT_MB": "200"]))
    #expect(r.status == 1, "\(r)")
    #expect(
      r.stderr.contains(
        "zeros: a 4000x4000 matrix needs 122 MiB of float64, more than half of the 200 MiB FLAR_MEMORY_LIMIT_MB allows"
      ), "\(r)")
    let fits = try runFlar(
      arguments: ["-e", "shape(zeros(3000, 4000))"],
      environment: TestSupport.flarEnvironment(["FLAR_MEMORY_LIMIT_MB": "200"]))
    #expect(fits.stdout == "[3000, 4000]\n", "\(fits)")
  }

  @Test func evalOfAnExpressionPrintsItsValue() throws {
    let r = try runFlar(arguments: ["-e", "1+1"])
    #expect(r.status == 0, "\(r)")
    #expect(r.stdout == "2\n", "\(r)")
    #expect(r.stderr == "", "\(r)")
  }

  @Test func evalOfAnAssignmentPrintsNothing() throws {
    let r = try runFlar(arguments: ["-e", "x = 3"])
    #expect(r.status == 0, "\(r)")
    #expect(r.stdout == "", "\(r)")
  }

  @Test func evalRunsSeveralStatementsAndPrintsEachExpression() throws {
    let r = try runFlar(arguments: ["-e", "x = 2; x * 21; \"s\" + \"t\""])
    #expect(r.status == 0, "\(r)")
    #expect(r.stdout == "42\n\"st\"\n", "\(r)")
  }

  @Test func evalErrorExitsOneWithALocation() throws {
    let r = try runFlar(arguments: ["-e", "1 + nosuch"])
    #expect(r.status == 1, "\(r)")
    #expect(r.stderr.hasPrefix("<-e>:1:5: error: unknown name \"nosuch\""), "\(r)")
  }

  @Test func evalPrintsNumbersAsTheShortestRoundTrip() throws {
    let r = try runFlar(arguments: ["-e", "0.1 + 0.2; 14.0; 1e-3"])
    #expect(r.stdout == "0.30000000000000004\n14\n0.001\n", "\(r)")
  }

  @Test func scriptOnStandardInputRuns() throws {
    let r = try runFlar(
      arguments: [], stdin: "x = 2\nfor i in 0:2 do\n  x = x * 3\nend\nprint(x + 24)\nx\n")
    #expect(r.status == 0, "\(r)")
    #expect(r.stdout == "42\n", "values are not echoed from a piped script: \(r)")
  }

  @Test func errorInAScriptOnStandardInputExitsOne() throws {
    let r = try runFlar(arguments: [], stdin: "print(1)\nprint(nosuch)\nprint(3)\n")
    #expect(r.status == 1, "\(r)")
    #expect(r.stdout == "1\n", "\(r)")
    #expect(r.stderr.hasPrefix("<stdin>:2:7: error: unknown name \"nosuch\""), "\(r)")
  }

  @Test func emptyStandardInputExitsZero() throws {
    let r = try runFlar(arguments: [], stdin: "")
    #expect(r.status == 0, "\(r)")
    #expect(r.stdout == "", "\(r)")
  }

  @Test func quietFlagKeepsResultsAndAddsNothing() throws {
    let e = try runFlar(arguments: ["--quiet", "-e", "6 * 7"])
    #expect(e.status == 0, "\(e)")
    #expect(e.stdout == "42\n", "\(e)")
    #expect(e.stderr == "", "\(e)")
    let (s, _) = try runScript("print(args)\n", arguments: ["a"], flags: ["--quiet"])
    #expect(s.status == 0, "\(s)")
    #expect(s.stdout == "[\"a\"]\n", "\(s)")
  }

  @Test func scriptArgumentsThatLookLikeFlagsReachTheScript() throws {
    let (r, _) = try runScript("print(args)\n", arguments: ["--quiet", "-e", "x"])
    #expect(r.status == 0, "\(r)")
    #expect(r.stdout == "[\"--quiet\", \"-e\", \"x\"]\n", "\(r)")
  }

  struct UsageCase: CustomTestStringConvertible, Sendable {
    var id: String
    var arguments: [String]
    var testDescription: String { id }
  }

  @Test(arguments: [
    UsageCase(id: "unknown flag", arguments: ["--bogus"]),
    UsageCase(id: "-e without a value", arguments: ["-e"]),
    UsageCase(id: "unknown notebook subcommand", arguments: ["notebook", "bogus"]),
    UsageCase(id: "notebook check without a file", arguments: ["notebook", "check"]),
  ])
  func badUsageExitsSixtyFour(_ c: UsageCase) throws {
    let r = try runFlar(arguments: c.arguments)
    #expect(r.status == 64, "\(r)")
    #expect(!r.stderr.isEmpty, "a usage error says what is wrong: \(r)")
  }

  @Test func helpAndVersionExitZero() throws {
    let help = try runFlar(arguments: ["--help"])
    #expect(help.status == 0, "\(help)")
    #expect(help.stdout.contains("USAGE: flar"), "\(help)")
    #expect(help.stdout.contains("notebook"), "\(help)")
    let notebookHelp = try runFlar(arguments: ["notebook", "--help"])
    #expect(notebookHelp.status == 0, "\(notebookHelp)")
    #expect(notebookHelp.stdout.contains("flar notebook"), "\(notebookHelp)")
    let version = try runFlar(arguments: ["--version"])
    #expect(version.status == 0, "\(version)")
    #expect(version.stdout.first?.isNumber == true, "\(version)")
  }

  @Test func builtinHelpListsEveryFamily() throws {
    let r = try runFlar(arguments: ["-e", "help()"])
    #expect(r.status == 0, "\(r)")
    for name in ["shrink", "chol", "svd", "bisect", "replace", "evaluate"] {
      #expect(r.stdout.contains("\n  \(name) "), "help() lists \(name): \(r)")
    }
    let one = try runFlar(arguments: ["-e", "help(\"shrink\")"])
    #expect(one.stdout.hasPrefix("shrink(C, method=\"lw\""), "\(one)")
  }
}
