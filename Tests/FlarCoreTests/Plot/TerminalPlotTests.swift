import Foundation
import Testing

@testable import FlarCore

/// Golden-text tests of the terminal renderer.
///
/// A golden changes only when the layout does on purpose: re-check the new text by eye, then paste it.
@Suite struct TerminalPlotTests {
  /// 384 decaying singular values over three decades.
  static let spectrum = (0..<384).map { i in exp(-Double(i) / 60) + 1e-3 }
  static let ranks = (0..<50).map { Double($0) * 8 }
  static let layerNames = [
    "query", "key", "value", "attention.output.dense", "intermediate.dense",
    "output.dense",
  ].map { "encoder.layer.0." + $0 }

  static let spectrumSpec = PlotSpec(
    series: [PlotSeries(y: spectrum, label: "σ")], title: "spectrum of W S",
    xLabel: "index", yLabel: "singular value", logY: true)

  static let twoSeriesSpec = PlotSpec(
    series: [
      PlotSeries(
        y: ranks.map { 1 / (1 + $0 / 40) }, x: ranks, label: "feat_mse"),
      PlotSeries(
        y: ranks.map { 0.8 / (1 + $0 / 20) + 0.05 }, x: ranks, label: "1 - cos"),
    ], title: "error vs rank", xLabel: "rank")

  static let rankBars = PlotSpec.bars(
    [100, 52, 112, 80, 384, 250], categories: layerNames,
    title: "ranks at 50 %",
    valueLabel: "rank")

  /// Compares with a line-by-line report of the first difference.
  func expectGolden(
    _ actual: String, _ expected: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let first =
      zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset
      ?? (a.count == e.count ? nil : min(a.count, e.count))
    #expect(
      first == nil, "first difference at line \(first ?? -1):\n\(actual)",
      sourceLocation: sourceLocation)
  }

  @Test func logSpectrumAtWidth60MatchesGolden() throws {
    let text = try TerminalPlot.render(Self.spectrumSpec, width: 60, height: 20)
    expectGolden(
      text,
      """
                               spectrum of W S
      singular value
       1e0 ┤⠤⣄⡀
           │  ⠉⠓⢦⣀
           │     ⠈⠙⠲⢤⣀
           │         ⠈⠙⠲⢤⣀
           │             ⠈⠑⠢⢄⡀
      1e-1 ┤                 ⠈⠑⠢⣄⡀
           │                     ⠉⠓⠦⣄⡀
           │                         ⠉⠓⠦⣄⡀
           │                             ⠉⠓⠤⣄⡀
           │                                 ⠉⠓⠦⣄⡀
      1e-2 ┤                                     ⠉⠓⠦⣄⡀
           │                                         ⠉⠑⠲⢤⣀
           │                                             ⠈⠉⠓⠦⢤⣀
           │                                                   ⠉⠓⠒
           └┬─────────────┬─────────────┬─────────────┬───────────
            0            100           200           300
                                    index
            ⠤⠤ σ
      """)
    #expect(text.split(separator: "\n").count == 20)
    #expect(text.split(separator: "\n").allSatisfy { $0.count <= 60 })
  }

  @Test func twoSeriesWithoutColourUseBrailleAndMarkers() throws {
    let text = try TerminalPlot.render(
      Self.twoSeriesSpec, width: 60, height: 16)
    expectGolden(
      text,
      """
                                error vs rank
        1 ┤⢣
          │•⡄
          │•⠱⡀
          │ •⠑⡄
          │ • ⠈⢆
      0.5 ┤  •  ⠣⣀
          │   •   ⠉⠢⢄
          │    •••   ⠑⠢⠤⠤⣀
          │       ••••••••⠉⠉⠑⠒⠢⠤⠤⠤⣀⣀⣀
          │               ••••••••••••••••••••••••••••••••••••••••
        0 ┤
          └┬─────────────┬─────────────┬────────────┬─────────────
           0            100           200          300
                                    rank
           ⠤⠤ feat_mse   • 1 - cos
      """)
    #expect(!text.contains("\u{1B}"))
  }

  @Test func barChartOfSixRanksMatchesGolden() throws {
    expectGolden(
      try TerminalPlot.render(Self.rankBars, width: 60),
      """
      ranks at 50 %
                                      rank
      encoder.layer.0.query          │██████▎ 100
      encoder.layer.0.key            │███▎ 52
      encoder.layer.0.value          │███████ 112
      encoder.layer.0…n.output.dense │█████ 80
      encoder.layer.0…rmediate.dense │████████████████████████ 384
      encoder.layer.0.output.dense   │███████████████▋ 250
      """)
  }

  @Test func colourWrapsEachSeriesInItsOwnAnsiCode() throws {
    let text = try TerminalPlot.render(
      Self.twoSeriesSpec, width: 60, height: 16, color: true)
    #expect(text.contains("\u{1B}[34m") && text.contains("\u{1B}[33m"))
    #expect(text.contains("\u{1B}[0m"))
    #expect(!text.contains("•"), "in colour every series is drawn in braille")
    let plain = text.replacingOccurrences(of: "\u{1B}[34m", with: "")
      .replacingOccurrences(of: "\u{1B}[33m", with: "").replacingOccurrences(
        of: "\u{1B}[0m", with: "")
    #expect(plain.split(separator: "\n").count == 16)
  }

  @Test func renderingIsDeterministic() throws {
    let a = try TerminalPlot.render(
      Self.twoSeriesSpec, width: 70, height: 18, color: true)
    let b = try TerminalPlot.render(
      Self.twoSeriesSpec, width: 70, height: 18, color: true)
    #expect(a == b)
  }

  @Test func nonFiniteValuesAreSkippedAndNoted() throws {
    var y = Self.spectrum
    y[10] = .nan
    y[20] = .infinity
    let spec = PlotSpec(series: [PlotSeries(y: y, label: "σ")], logY: true)
    let text = try TerminalPlot.render(spec, width: 60, height: 16)
    #expect(
      text.hasSuffix("note: series 1 (\"σ\"): 2 NaN or infinite values skipped")
    )
    #expect(text.split(separator: "\n").count == 16)
  }

  @Test func constantSeriesSitsMidPlot() throws {
    let text = try TerminalPlot.render(
      PlotSpec(series: [PlotSeries(y: [3, 3, 3, 3])]), width: 40, height: 9)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let drawn = lines.indices.filter {
      lines[$0].contains {
        (0x2801...0x28FF).contains($0.unicodeScalars.first!.value)
      }
    }
    #expect(drawn == [3], "the line lies on the middle row of 7:\n\(text)")
    #expect(text.contains("3 ┤"))
  }

  @Test func singlePointIsDrawn() throws {
    let text = try TerminalPlot.render(
      PlotSpec(series: [PlotSeries(y: [0.5], x: [2])], kind: .points),
      width: 30, height: 8)
    let braille = text.unicodeScalars.filter {
      (0x2801...0x28FF).contains($0.value)
    }
    let dots = braille.map { ($0.value - 0x2800).nonzeroBitCount }.reduce(0, +)
    #expect(dots == 4, "a point is a 2×2 block of braille dots")
  }

  @Test func gapBreaksALine() throws {
    let y: [Double] = [1, 2, .nan, 2, 1]
    let text = try TerminalPlot.render(
      PlotSpec(series: [PlotSeries(y: y)]), width: 30, height: 8)
    #expect(text.contains("1 NaN or infinite value skipped"))
  }

  @Test func groupedBarsWithoutColourUseShades() throws {
    let spec = PlotSpec(
      series: [
        PlotSeries(y: [4, 2], label: "flar"),
        PlotSeries(y: [3, 1], label: "svd"),
      ],
      kind: .bar(categories: ["a", "b"]))
    let text = try TerminalPlot.render(spec, width: 30)
    #expect(
      text == """
        a │█████████████████████████ 4
          │▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓ 3
        b │████████████▌ 2
          │▓▓▓▓▓▓ 1
          ██ flar   ▓▓ svd
        """)
  }

  @Test func negativeBarsGrowLeftOfZero() throws {
    let text = try TerminalPlot.render(
      .bars([2, -2], categories: ["up", "down"]), width: 30)
    #expect(
      text == """
        up              │██████████▌ 2
        down ███████████│ -2
        """)
  }
}

@Suite struct TerminalPlotLayoutTests {
  @Test func longLegendWrapsAndKeepsTheHeight() throws {
    let labels = ["lw shrinkage", "oas shrinkage", "reference", "fixed 0.1"]
    let spec = PlotSpec(
      series: labels.enumerated().map { i, label in
        PlotSeries(y: (0..<20).map { Double($0 * (i + 1)) }, label: label)
      })
    let text = try TerminalPlot.render(spec, width: 40, height: 15)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.count == 15)
    #expect(lines.allSatisfy { $0.count <= 40 }, "\(text)")
    #expect(lines.suffix(2).joined().contains("fixed 0.1"))
  }

  @Test func colouredBarsWrapEachBarInItsSeriesColour() throws {
    let text = try TerminalPlot.render(
      TerminalPlotTests.rankBars, width: 60, color: true)
    #expect(text.contains("│\u{1B}[34m██████▎\u{1B}[0m 100"))
  }

  @Test func nonFiniteBarShowsItsValueWithoutABar() throws {
    let spec = PlotSpec.bars([3, .nan], categories: ["a", "b"])
    let text = try TerminalPlot.render(spec, width: 30)
    #expect(text.contains("b │ nan"))
    #expect(text.hasSuffix("note: series 1: 1 NaN or infinite value skipped"))
  }
}
