import Foundation
import TestSupport
import Testing

@testable import FlarScript

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct PlotBuiltinTests {
  @Test func plotKeepsToTheRequestedWidthAndHeight() throws {
    let s = ResearchSession()
    let out = try s.run("plot([0, 1, 4, 9, 16, 25, 16, 9, 4, 1, 0], width=50, height=12)")
    let lines = out.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    #expect(lines.count == 12)
    #expect(lines.allSatisfy { $0.count <= 50 })
    #expect(lines.contains { $0.count > 40 })
    #expect(out.hasSuffix("\n"))
  }

  @Test func twoSeriesGetALegendWithTheirLabels() throws {
    let s = ResearchSession()
    let out = try s.run(
      "plot([3, 2, 1], [[0, 1], [1, 2], [2, 3]], labels=[\"falling\", \"curve\"], width=60)")
    let legend = out.split(separator: "\n").last { $0.contains("falling") }
    #expect(legend != nil)
    #expect(legend?.contains("curve") == true)
    #expect(!out.contains("\u{1B}["))  // no colour off a terminal
  }

  @Test func hlineDrawsLabelledReferenceLinesInsideTheRange() throws {
    let out = try ResearchSession().run("plot([1, 2, 3], hline=[0.5, 4], width=60, height=10)")
    #expect(out.contains("y = 0.5") && out.contains("y = 4"), "\(out)")
    // The y axis reaches both lines: 4 is above the data's 3.
    #expect(out.split(separator: "\n").first?.hasPrefix("4") == true, "\(out)")
    #expect(
      ResearchSession().errorMessage("plot([1, 2], hline=\"a\")")?.contains("hline") == true)
  }

  @Test func oneUnlabelledSeriesHasNoLegend() throws {
    let out = try ResearchSession().run("plot([1, 2, 3], width=40, height=10)")
    #expect(!out.contains("series 1"))
  }

  @Test func aMatrixPlotsOneSeriesPerColumn() throws {
    let out = try ResearchSession().run("plot([[1, 2, 3], [2, 3, 5]], width=60, height=12)")
    #expect(out.contains("series 1") && out.contains("series 3"))
  }

  @Test func plotReturnsNil() throws {
    #expect(try ResearchSession().display("plot([1, 2], width=40, height=10)") == nil)
  }

  @Test func logScaleRefusesZeroNamingTheIndex() {
    let message = ResearchSession().errorMessage("plot([1, 0, 2], log=true)")
    #expect(
      message == "plot: log-scale y axis needs positive values: series 1 has 0.0 at index 1")
  }

  @Test func fileWritesAParsableSVGAndSaysSo() throws {
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/spectrum.svg"
      let s = ResearchSession()
      let out = try s.run(
        "plot([100, 10, 1, 0.1], [[0, 50], [3, 0.5]], log=true, title=\"σ\", labels=[\"a\", \"b\"], file=\"\(path)\")"
      )
      #expect(out == "wrote \(path)\n")
      let data = try Data(contentsOf: URL(fileURLWithPath: path))
      let elements = SVGElements()
      let parser = XMLParser(data: data)
      parser.delegate = elements
      #expect(parser.parse())
      #expect(elements.names.first == "svg")
      #expect(elements.names.filter { $0 == "path" }.count >= 2)
      #expect(elements.texts.contains("σ"))
    }
  }

  @Test func barFromARecordLabelsBarsWithItsKeys() throws {
    let out = try ResearchSession().run(
      "bar({query: 96, key: 80, value: 120}, title=\"rank\", width=60)")
    let lines = out.split(separator: "\n").map(String.init)
    #expect(lines.first == "rank")
    #expect(lines.dropFirst().map { String($0.prefix(5)) } == ["query", "key  ", "value"])
    #expect(lines.allSatisfy { $0.count <= 60 })
    #expect(lines[3].hasSuffix("120"))
  }

  @Test func barFromAVectorUsesLabelsOrIndices() throws {
    let s = ResearchSession()
    let indexed = try s.run("bar([0.5, 0.25], width=40)")
    #expect(indexed.split(separator: "\n").map { $0.prefix(1) } == ["0", "1"])
    let labelled = try s.run("bar([0.5, 0.25], labels=[\"q\", \"k\"], width=40)")
    #expect(labelled.split(separator: "\n").map { $0.prefix(1) } == ["q", "k"])
  }

  @Test func barWritesAnSVG() throws {
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/ranks.svg"
      let out = try ResearchSession().run("bar({a: 1, b: 2}, file=\"\(path)\")")
      #expect(out == "wrote \(path)\n")
      let text = try String(contentsOfFile: path, encoding: .utf8)
      #expect(text.hasPrefix("<svg") || text.hasPrefix("<?xml"))
      #expect(text.contains("<rect"))
    }
  }

  @Test(arguments: [
    (
      "plot(\"a\")",
      "bad argument \"y\" to plot: expected a vector, a list of [x, y] pairs or a matrix, got \"a\""
    ),
    (
      "plot([1, 2], {a: 1})",
      "bad argument #2 to plot: expected a vector, a list of [x, y] pairs or a matrix, got a record"
    ),
    (
      "plot([1, 2], log=\"z\")",
      "bad argument \"log\" to plot: expected true, false, \"x\", \"y\" or \"xy\", got \"z\""
    ),
    ("plot([1, 2], x=[1, 2, 3])", "plot: series 1 has 3 x values but 2 y values"),
    (
      "plot([1, 2], width=0)",
      "bad argument \"width\" to plot: expected an integer ≥ 1, got 0"
    ),
    (
      "plot([1, 2], labels=3)",
      "bad argument \"labels\" to plot: expected a string or a list of strings, got 3"
    ),
    (
      "bar([1, 2], labels=[\"a\"])",
      "bad argument \"labels\" to bar: expected 2 labels, one per value, got a list of 1"
    ),
    (
      "bar({a: \"x\"})",
      "bad argument \"values\" to bar: expected a record of numbers (\"a\" is \"x\"), got a record"
    ),
    (
      "bar(3)",
      "bad argument \"values\" to bar: expected a list of numbers or a record of name → number, got 3"
    ),
  ])
  func badArgumentsAreNamed(source: String, message: String) {
    #expect(ResearchSession().errorMessage(source) == message)
  }
}

/// Collects element names and text of an SVG document.
final class SVGElements: NSObject, XMLParserDelegate {
  var names: [String] = []
  var texts: [String] = []

  func parser(
    _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
  ) {
    names.append(elementName)
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    texts.append(string)
  }
}
