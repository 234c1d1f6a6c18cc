import Testing

@testable import FlarCore

@Suite struct BrailleCanvasTests {
  func text(_ canvas: BrailleCanvas) -> String {
    (0..<canvas.rows).map { canvas.line(row: $0, colors: nil) }.joined(
      separator: "\n")
  }

  @Test func dotsMapToUnicodeBraillePatternBits() {
    var canvas = BrailleCanvas(columns: 3, rows: 1)
    canvas.setDot(x: 0, y: 0, series: 0)
    canvas.setDot(x: 3, y: 3, series: 0)
    for x in 4...5 {
      for y in 0...3 { canvas.setDot(x: x, y: y, series: 0) }
    }
    #expect(text(canvas) == "⠁⢀⣿")
  }

  @Test func dotsOutsideTheCanvasAreIgnored() {
    var canvas = BrailleCanvas(columns: 1, rows: 1)
    canvas.setDot(x: -1, y: 0, series: 0)
    canvas.setDot(x: 2, y: 4, series: 0)
    #expect(text(canvas) == " ")
  }

  @Test func bresenhamVisitsBothEndsAndEveryStep() {
    var visited: [(Int, Int)] = []
    BrailleCanvas.walk(from: (0, 0), to: (4, 2)) { visited.append(($0, $1)) }
    #expect(visited.count == 5)
    #expect(visited.first! == (0, 0) && visited.last! == (4, 2))
    var back: [(Int, Int)] = []
    BrailleCanvas.walk(from: (3, 3), to: (3, 0)) { back.append(($0, $1)) }
    #expect(back.map(\.1) == [3, 2, 1, 0])
  }

  @Test func markersReplaceDotsAndColourRunsPerSeries() {
    var canvas = BrailleCanvas(columns: 4, rows: 1)
    canvas.dotLine(from: (0, 0), to: (3, 0), series: 0)
    canvas.markerLine(from: (2, 0), to: (3, 0), marker: "•", series: 1)
    #expect(text(canvas) == "⠉⠉••")
    let colours = ["<a>", "<b>"]
    #expect(
      canvas.line(row: 0, colors: colours) == "<a>⠉⠉\u{1B}[0m<b>••\u{1B}[0m")
  }
}
