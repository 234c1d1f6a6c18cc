import Foundation
import TestSupport
import Testing

@testable import FlarScript

/// `allocate`, `allocation_point` and the trade-off plot through the
/// language, on the tiny random BERT.
@Suite struct AllocateBuiltinTests {
  static let setup =
    CompressBuiltinTests.setup
    + "\na = allocate(m, params=0.5, calib=calib, search=calib, step=4, points=3, batch=3)"

  @Test func allocateReportsCurvesChoiceAndTotals() throws {
    let s = ResearchSession()
    try s.run(Self.setup)
    #expect(try s.display("a.allocation.method") == "\"global\"")
    #expect(try s.display("a.allocation.predicted_cost <= a.allocation.budget") == "true")
    #expect(try s.display("a.allocation.gap >= 0") == "true")
    #expect(try s.display("len(a.allocation.layers[0].curve)") == "3")
    #expect(try s.display("a.evals == 3 * len(a.ranks)") == "true")
    #expect(try s.display("a.allocation.point[1] == a.allocation.predicted_error") == "true")
    #expect(try s.display("a.manifest.allocation") == "\"global\"")
    #expect(try s.run("print(a)").contains("allocation global (params): cost "))
    let text = try s.run("show(a, \"encoder.layer.0.intermediate.dense\")")
    #expect(text.contains("allocation global: the least summed error within the params budget"))
    #expect(text.contains("chosen: "), "\(text)")
  }

  @Test func flarsPointLiesOnOrAboveTheFrontAndBothPlot() throws {
    let s = ResearchSession()
    try s.run(Self.setup)
    try s.run("c = compress(m, target=0.5, calib=calib, search=calib, step=4)")
    try s.run("q = allocation_point(a, c)")
    try s.run(
      """
      best = 1e9
      for p in a.allocation.front do
        if p[0] <= q[0] + 1e-12 then best = p[1] end
      end
      """)
    #expect(try s.display("q[1] >= best - 1e-12") == "true")
    try TestSupport.withTemporaryDirectory { dir in
      let text = try s.run(
        "plot(a.allocation.front, [q], points=true, labels=[\"global\", \"flar\"], file=\"\(dir)/t.svg\")"
      )
      #expect(text.contains("wrote"))
      #expect(try String(contentsOfFile: dir + "/t.svg", encoding: .utf8).contains("<svg"))
    }
    #expect(
      s.errorMessage("allocation_point(c, a)")?.contains(
        "a result of allocate() or allocation=\"global\"") == true)
    #expect(
      s.errorMessage("allocation_point(a, {x: 0.5})")?.contains("a record of layer name") == true)
  }
}
