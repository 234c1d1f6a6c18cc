import Testing

@testable import FlarCore

@Suite struct PlotAxisTests {
  func labels(_ axis: PlotAxis) -> [String] { axis.ticks.map(\.label) }

  @Test func looseLinearAxisWidensToOneTwoFiveTicks() {
    let axis = PlotAxis.make(
      min: 0.05, max: 0.93, scale: .linear, maxTicks: 6, loose: true)
    #expect(labels(axis) == ["0", "0.2", "0.4", "0.6", "0.8", "1"])
    #expect(axis.lo == 0 && axis.hi == 1)
    #expect(axis.ticks.map(\.value) == [0, 0.2, 0.4, 0.6, 0.8, 1])
  }

  @Test func tightLinearAxisKeepsDataRange() {
    let axis = PlotAxis.make(
      min: 0, max: 383, scale: .linear, maxTicks: 6, loose: false)
    #expect(labels(axis) == ["0", "100", "200", "300"])
    #expect(axis.lo == 0 && axis.hi == 383)
  }

  @Test func stepsOfFiveAndNegativeRanges() {
    let axis = PlotAxis.make(
      min: -12, max: 9, scale: .linear, maxTicks: 6, loose: true)
    #expect(labels(axis) == ["-15", "-10", "-5", "0", "5", "10"])
  }

  @Test func hugeAndTinyStepsUseExponents() {
    let big = PlotAxis.make(
      min: 0, max: 3.2e7, scale: .linear, maxTicks: 5, loose: true)
    #expect(labels(big) == ["0", "1e7", "2e7", "3e7", "4e7"])
    let small = PlotAxis.make(
      min: 1e-6, max: 2.5e-6, scale: .linear, maxTicks: 4, loose: true)
    #expect(labels(small) == ["1e-6", "1.5e-6", "2e-6", "2.5e-6"])
  }

  @Test func flatRangeIsWidened() {
    #expect(PlotAxis.widenedIfFlat(0, 0) == (-1, 1))
    #expect(PlotAxis.widenedIfFlat(10, 10) == (9, 11))
    #expect(PlotAxis.widenedIfFlat(-10, -10) == (-11, -9))
  }

  @Test func logAxisTicksAtDecadesWithinData() {
    let axis = PlotAxis.make(
      min: 1.6e-3, max: 1.001, scale: .log, maxTicks: 6, loose: true)
    #expect(labels(axis) == ["1e-2", "1e-1", "1e0"])
    #expect(axis.lo < 1.6e-3 && axis.hi > 1.001 && axis.hi < 2)
    #expect(axis.minorTicks.contains(0.002) && axis.minorTicks.contains(0.9))
  }

  @Test func narrowLogRangeWidensToEnclosingDecades() {
    let axis = PlotAxis.make(
      min: 0.2, max: 0.5, scale: .log, maxTicks: 6, loose: true)
    #expect(labels(axis) == ["1e-1", "1e0"])
    #expect(axis.lo == 0.1 && axis.hi == 1)
    #expect(
      abs(axis.fraction(PlotAxis.power10(-1) * 3.1622776601683795) - 0.5)
        < 1e-12)
  }

  @Test func manyDecadesAreStrided() {
    let axis = PlotAxis.make(
      min: 1e-16, max: 1, scale: .log, maxTicks: 5, loose: true)
    #expect(labels(axis) == ["1e-16", "1e-12", "1e-8", "1e-4", "1e0"])
    #expect(axis.minorTicks.isEmpty)
  }

  @Test func decimalAndScientificTextAreExact() {
    #expect(PlotAxis.decimalText(15, -1) == "1.5")
    #expect(PlotAxis.decimalText(-5, -3) == "-0.005")
    #expect(PlotAxis.decimalText(30, -1) == "3")
    #expect(PlotAxis.decimalText(3, 2) == "300")
    #expect(PlotAxis.scientificText(12, 5) == "1.2e6")
    #expect(PlotAxis.scientificText(-25, -7) == "-2.5e-6")
  }
}

@Suite struct PlotAxisExtremeTests {
  @Test func subnormalAndHugeRangesDoNotTrap() throws {
    let tiny = Double.leastNonzeroMagnitude
    let cases: [[Double]] = [
      [2000 * tiny, 6000 * tiny], [-1e308, 1e308], [1e10, 1e10 + 1e-5],
      [0, tiny],
    ]
    for y in cases {
      let spec = PlotSpec(series: [PlotSeries(y: y)])
      #expect(try TerminalPlot.render(spec, width: 50, height: 10).count > 0)
      #expect(try SVGPlot.render(spec).contains("<path"))
    }
    let log = PlotSpec(
      series: [PlotSeries(y: [2000 * tiny, 1e300])], logY: true)
    #expect(try TerminalPlot.render(log, width: 50, height: 10).contains("1e"))
  }

  @Test func uncountableStepsLabelOnlyTheEnds() {
    let axis = PlotAxis.make(
      min: 1e10, max: 1e10 + 1e-5, scale: .linear, maxTicks: 5, loose: true)
    #expect(axis.ticks.count == 2)
    #expect(axis.ticks.first?.value == 1e10)
  }
}
