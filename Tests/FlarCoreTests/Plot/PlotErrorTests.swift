import Testing

@testable import FlarCore

/// One test per `PlotError` case, checking the case, its payload and its
/// text; both renderers refuse the same inputs.
@Suite struct PlotErrorTests {
  func error(_ spec: PlotSpec, width: Int = 60, height: Int = 20) -> PlotError? {
    do {
      _ = try TerminalPlot.render(spec, width: width, height: height)
      return nil
    } catch let e as PlotError {
      return e
    } catch {
      return nil
    }
  }

  func svgError(_ spec: PlotSpec) -> PlotError? {
    do {
      _ = try SVGPlot.render(spec)
      return nil
    } catch {
      return error as? PlotError
    }
  }

  @Test func noSeriesIsRefused() {
    let spec = PlotSpec(series: [])
    #expect(error(spec) == .noSeries)
    #expect(svgError(spec) == .noSeries)
    #expect(
      PlotError.noSeries.description == "nothing to plot: no series given")
  }

  @Test func emptySeriesIsNamed() {
    let spec = PlotSpec(series: [
      PlotSeries(y: [1]), PlotSeries(y: [], label: "svd"),
    ])
    #expect(error(spec) == .emptySeries(series: 1, label: "svd"))
    #expect(svgError(spec) == .emptySeries(series: 1, label: "svd"))
    #expect(
      error(spec)?.description == "nothing to plot: series 2 (\"svd\") is empty"
    )
  }

  @Test func allNonFiniteIsRefused() {
    let spec = PlotSpec(series: [PlotSeries(y: [.nan, .infinity, -.infinity])])
    #expect(error(spec) == .noFiniteValues(nonFinite: 3))
    #expect(
      error(spec)?.description
        == "nothing to plot: all 3 values are NaN or infinite")
  }

  @Test func xAndYLengthsMustMatch() {
    let spec = PlotSpec(series: [PlotSeries(y: [1, 2, 3], x: [0, 1])])
    #expect(
      error(spec)
        == .lengthMismatch(series: 0, label: nil, xCount: 2, yCount: 3))
    #expect(
      error(spec)?.description == "series 1 has 2 x values but 3 y values")
  }

  @Test func negativeOnLogScaleNamesTheValue() {
    let spec = PlotSpec(
      series: [PlotSeries(y: [1, 0.1, -0.5], label: "σ")], logY: true)
    #expect(
      error(spec)
        == .nonPositiveOnLogScale(
          axis: "y", series: 0, label: "σ", index: 2, value: -0.5))
    #expect(svgError(spec) == error(spec))
    #expect(
      error(spec)?.description
        == "log-scale y axis needs positive values: series 1 (\"σ\") has -0.5 at index 2"
    )
  }

  @Test func zeroOnLogXIsRefused() {
    let spec = PlotSpec(series: [PlotSeries(y: [1, 2])], logX: true)
    #expect(
      error(spec)
        == .nonPositiveOnLogScale(
          axis: "x", series: 0, label: nil, index: 0, value: 0))
  }

  @Test func barCategoriesMustMatchValues() {
    let spec = PlotSpec.bars([1, 2, 3], categories: ["a", "b"])
    #expect(
      error(spec) == .categoryCountMismatch(series: 0, categories: 2, values: 3)
    )
    #expect(
      error(spec)?.description
        == "bar chart has 2 category labels but series 1 has 3 values")
  }

  @Test func barsHaveNoLogScale() {
    var spec = PlotSpec.bars([1, 2], categories: ["a", "b"])
    spec.logY = true
    #expect(error(spec) == .logScaleForBars)
  }

  @Test func tooSmallSaysWhatIsNeeded() {
    let spec = PlotSpec(series: [PlotSeries(y: [1, 2, 3])], title: "t")
    let e = error(spec, width: 60, height: 4)
    #expect(
      e == .tooSmall(width: 60, height: 4, minimumWidth: 13, minimumHeight: 6))
    #expect(
      e?.description
        == "plot of 60x4 characters is too small: needs at least 13x6")
    guard case .tooSmall = error(spec, width: 8, height: 20) else {
      Issue.record("a width of 8 leaves no plot area")
      return
    }
  }
}
