import FlarCore
import Foundation
import TestSupport
import Testing

@testable import FlarScript

@Suite struct TableBuiltinTests {
  let rows = """
    t = table([{layer: "q", rank: 96, params: 73728}, {layer: "k", rank: 80.5, params: nil}])
    """

  @Test func aTablePrintsAlignedWithNumbersOnTheRight() throws {
    let s = ResearchSession()
    try s.run(rows)
    #expect(
      try s.display("t") == """
        layer  rank  params
        ─────  ────  ──────
        q        96   73728
        k      80.5
        """)
  }

  @Test func rowsAreReachedByFirstColumnIndexAndIteration() throws {
    let s = ResearchSession()
    try s.run(rows)
    #expect(try s.display("t[\"k\"]") == "{layer: \"k\", rank: 80.5, params: nil}")
    #expect(try s.display("t[-1].layer") == "\"k\"")
    #expect(try s.display("t.columns") == "[\"layer\", \"rank\", \"params\"]")
    #expect(try s.display("t.rank") == "[96, 80.5]")
    #expect(try s.display("len(t.rows)") == "2")
    #expect(try s.run("for name in t do print(name) end") == "q\nk\n")
  }

  @Test func aRowIndexOutOfRangeSaysHowManyRowsThereAre() throws {
    let s = ResearchSession()
    try s.run(rows)
    #expect(
      s.errorMessage("t[2]")?.contains("row index 2 is out of range for a table of 2 rows") == true)
  }

  @Test func aLongTableIsElidedButShowPrintsEveryRow() throws {
    let s = ResearchSession()
    let records = (0..<30).map { "{i: \($0)}" }.joined(separator: ", ")
    try s.run("t = table([\(records)])")
    let summary = try #require(try s.display("t"))
    #expect(summary.split(separator: "\n").count == 2 + 16 + 1)
    #expect(summary.contains("14 of 30 rows not shown"))
    let all = try s.run("show(t)")
    #expect(all.split(separator: "\n").count == 2 + 30)
  }

  @Test func showPrintsAHandleSummaryWithItsFields() throws {
    let s = ResearchSession()
    let out = try s.run("show(svd([[3, 0], [0, 1]]))")
    #expect(out.hasPrefix("svd (plain) of a 2x2 matrix"))
    #expect(out.hasSuffix("  fields: U, S, Vt, whitened, errors, cosines\n"))
    #expect(try s.run("show([1, \"a\"])") == "[1, \"a\"]\n")
    #expect(try s.display("show(1)") == nil)
  }

  @Test(arguments: ["csv", "json", "md"])
  func exportWritesTheFormatOfTheExtension(ext: String) throws {
    try TestSupport.withTemporaryDirectory { dir in
      let s = ResearchSession()
      try s.run(rows)
      let path = "\(dir)/ranks.\(ext)"
      #expect(try s.run("export(t, \"\(path)\")") == "wrote \(path)\n")
      let text = try String(contentsOfFile: path, encoding: .utf8)
      switch ext {
      case "csv":
        #expect(text == "layer,rank,params\r\nq,96,73728\r\nk,80.5,\r\n")
      case "json":
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]
        #expect(parsed?.count == 2)
        #expect(parsed?.first?["layer"] as? String == "q")
        #expect(parsed?.last?["rank"] as? Double == 80.5)
      default:
        #expect(
          text.hasPrefix("| layer | rank | params |\n| --- | ---: | ---: |\n| q | 96 | 73728 |"))
      }
    }
  }

  @Test func exportTakesAListOfRecordsToo() throws {
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/r.csv"
      try ResearchSession().run("export([{a: 1}, {a: 2, b: \"x\"}], \"\(path)\")")
      #expect(try String(contentsOfFile: path, encoding: .utf8) == "a,b\r\n1,\r\n2,x\r\n")
    }
  }

  @Test func theHandleWrapsAnyFlarCoreTable() throws {
    var table = try Table(columnNames: ["name", "params"], title: "layers")
    try table.append(["encoder.layer.0.output.dense", 589824])
    let s = ResearchSession()
    s.session.interpreter.setGlobal("t", .handle(TableHandle(table)))
    #expect(try s.display("t[\"encoder.layer.0.output.dense\"].params") == "589824")
    #expect(try s.display("type(t)") == "\"table\"")
  }

  @Test(arguments: [
    (
      "export(t, \"/tmp/x.txt\")",
      "export: cannot export table to \"/tmp/x.txt\": unknown extension \".txt\" (expected .csv, .json or .md)"
    ),
    (
      "export(1, \"a.csv\")",
      "bad argument \"table\" to export: expected a table or a list of records, got 1"
    ),
    ("export(t, 3)", "bad argument \"path\" to export: expected a string, got 3"),
    ("table([1])", "table: element 0 is 1, expected a record (one row)"),
    ("table(\"a\")", "bad argument \"rows\" to table: expected a list of records, got \"a\""),
    ("table([{a: 1}, {a: 2}])[\"b\"].a", nil),
  ])
  func badArgumentsAreNamed(source: String, message: String?) throws {
    let s = ResearchSession()
    try s.run(rows)
    let got = s.errorMessage(source)
    if let message { #expect(got == message) } else { #expect(got != nil) }
  }
}
