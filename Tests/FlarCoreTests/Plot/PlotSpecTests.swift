import Testing

@testable import FlarCore

@Suite struct PlotSpecTests {
  @Test func pairsBecomeXAndY() {
    let series = PlotSeries(
      pairs: [[8, 0.5], [16, 0.25], [1]], label: "curve")
    #expect(
      series.x?.prefix(2) == [8, 16] && series.y.prefix(2) == [0.5, 0.25])
    #expect(series.y[2].isNaN && series.x![2].isNaN)
  }

  @Test func legendOnlyWhenSeveralOrLabelled() {
    #expect(!PlotSpec(series: [PlotSeries(y: [1])]).needsLegend)
    #expect(PlotSpec(series: [PlotSeries(y: [1], label: "a")]).needsLegend)
    #expect(PlotSpec.lines([[1], [2]]).needsLegend)
    #expect(!PlotSpec.bars([1], categories: ["a"]).needsLegend)
    #expect(
      PlotSpec.lines([[1], [2]], labels: ["a"]).legendLabel(1) == "series 2")
  }
}
