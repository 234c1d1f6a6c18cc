import FlarLinAlg
import Foundation
import TestSupport
import Testing

@testable import FlarCore

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Collects the elements and the text of an XML document.
final class XMLCollector: NSObject, XMLParserDelegate {
  var elements: [(name: String, attributes: [String: String])] = []
  var texts: [String] = []
  var current = ""
  var error: Error?

  func parser(
    _ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
    qualifiedName: String?, attributes: [String: String]
  ) {
    elements.append((name, attributes))
    current = ""
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    current += string
  }

  func parser(
    _ parser: XMLParser, didEndElement name: String, namespaceURI: String?,
    qualifiedName: String?
  ) {
    if name == "text" || name == "title" { texts.append(current) }
    current = ""
  }

  func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
    error = parseError
  }

  /// Parses `svg`, recording an issue when it is not well-formed XML.
  static func parse(
    _ svg: String, sourceLocation: SourceLocation = #_sourceLocation
  ) -> XMLCollector {
    let collector = XMLCollector()
    let parser = XMLParser(data: Data(svg.utf8))
    parser.delegate = collector
    let ok = parser.parse()
    #expect(
      ok && collector.error == nil,
      "not well-formed: \(String(describing: collector.error))",
      sourceLocation: sourceLocation)
    return collector
  }

  func all(_ name: String) -> [[String: String]] {
    elements.filter { $0.name == name }.map(\.attributes)
  }
}

@Suite struct SVGPlotTests {
  @Test func logSpectrumIsWellFormedWithViewBoxAndBackground() throws {
    let svg = try SVGPlot.render(
      TerminalPlotTests.spectrumSpec, width: 640, height: 400)
    let xml = XMLCollector.parse(svg)
    let root = try #require(xml.elements.first)
    #expect(root.name == "svg")
    #expect(root.attributes["viewBox"] == "0 0 640 400")
    #expect(
      root.attributes["width"] == "640" && root.attributes["height"] == "400")
    #expect(xml.all("rect").first?["fill"] == "white")
    #expect(xml.all("path").count == 1)
    for label in [
      "spectrum of W S", "index", "singular value", "1e-2", "1e-1", "1e0", "σ",
    ] {
      #expect(xml.texts.contains(label), "missing text \(label)")
    }
  }

  @Test func eachSeriesHasItsOwnPathAndColour() throws {
    let svg = try SVGPlot.render(TerminalPlotTests.twoSeriesSpec)
    let xml = XMLCollector.parse(svg)
    let paths = xml.all("path")
    #expect(paths.count == 2)
    #expect(paths.map { $0["data-label"] } == ["feat_mse", "1 - cos"])
    #expect(Set(paths.compactMap { $0["stroke"] }).count == 2)
    #expect(paths.allSatisfy { ($0["d"] ?? "").hasPrefix("M") })
    #expect(xml.texts.contains("feat_mse") && xml.texts.contains("1 - cos"))
    #expect(xml.texts.contains("0.5") || xml.texts.contains("0.4"))
  }

  @Test func textIsEscapedForXML() throws {
    let spec = PlotSpec(
      series: [PlotSeries(y: [1, 2], label: "a<b & \"c\"")], title: "x < y & z",
      xLabel: "'rank'", yLabel: "<σ>")
    let svg = try SVGPlot.render(spec)
    #expect(svg.contains("x &lt; y &amp; z"))
    #expect(svg.contains("a&lt;b &amp; &quot;c&quot;"))
    #expect(!svg.contains("x < y"))
    let xml = XMLCollector.parse(svg)
    #expect(xml.texts.contains("x < y & z"))
    #expect(xml.texts.contains("a<b & \"c\""))
    #expect(xml.texts.contains("'rank'") && xml.texts.contains("<σ>"))
  }

  @Test func barsAreRectsWithLabelsAndValues() throws {
    let svg = try SVGPlot.render(TerminalPlotTests.rankBars)
    let xml = XMLCollector.parse(svg)
    let bars = xml.all("rect").filter { $0["class"] == "bar" }
    #expect(bars.count == 6)
    #expect(xml.texts.contains("encoder.layer.0.query"))
    #expect(xml.texts.contains("384") && xml.texts.contains("rank"))
    let widths = bars.compactMap { $0["width"].flatMap(Double.init) }
    #expect(widths.max() == widths[4], "384 is the longest bar")
  }

  @Test func gapsSplitThePathAndAreNoted() throws {
    let spec = PlotSpec(series: [PlotSeries(y: [1, 2, .nan, 3, 4])])
    let xml = XMLCollector.parse(try SVGPlot.render(spec))
    let d = try #require(xml.all("path").first?["d"])
    #expect(d.filter { $0 == "M" }.count == 2)
    #expect(
      xml.texts.contains("note: series 1: 1 NaN or infinite value skipped"))
  }

  @Test func pointsAreDrawnAsDiscsInOnePath() throws {
    let spec = PlotSpec(series: [PlotSeries(y: [1, 2, 3])], kind: .points)
    let xml = XMLCollector.parse(try SVGPlot.render(spec))
    let path = try #require(xml.all("path").first)
    #expect(path["fill"] != "none")
    #expect((path["d"] ?? "").filter { $0 == "a" }.count == 6)
  }

  @Test func logXAxisIsTickedAtDecades() throws {
    let x = [1.0, 10, 100, 1000]
    let spec = PlotSpec(
      series: [PlotSeries(y: [4, 3, 2, 1], x: x)], kind: .points, logX: true)
    let xml = XMLCollector.parse(try SVGPlot.render(spec))
    for label in ["1e0", "1e1", "1e2", "1e3"] {
      #expect(xml.texts.contains(label), "missing tick \(label)")
    }
    let terminal = try TerminalPlot.render(spec, width: 50, height: 10)
    #expect(terminal.contains("1e0") && terminal.contains("1e3"))
  }

  @Test func writeStoresTheRenderedDocument() throws {
    let spec = TerminalPlotTests.spectrumSpec
    try TestSupport.withTemporaryDirectory { dir in
      try SVGPlot.write(spec, to: "\(dir)/s.svg", width: 320, height: 200)
      let bytes = try AtomicFile.read("\(dir)/s.svg")
      #expect(
        String(decoding: bytes, as: UTF8.self)
          == (try SVGPlot.render(spec, width: 320, height: 200)))
    }
  }

  @Test func outputIsDeterministic() throws {
    let a = try SVGPlot.render(TerminalPlotTests.twoSeriesSpec)
    #expect(a == (try SVGPlot.render(TerminalPlotTests.twoSeriesSpec)))
  }

  @Test func coordinatesHaveAtMostTwoDecimals() {
    #expect(SVGDocument.number(12.345) == "12.35")
    #expect(SVGDocument.number(3) == "3")
    #expect(SVGDocument.number(-0.5) == "-0.5")
  }
}
