import Testing

@testable import FlarCore

@Suite struct NumberFormatTests {
  @Test func numbersUseShortestRoundTripText() {
    #expect(NumberFormat.shortest(14) == "14")
    #expect(NumberFormat.shortest(0.1) == "0.1")
    #expect(NumberFormat.shortest(1e-5) == "1e-05")
    #expect(NumberFormat.shortest(0.30000000000000004) == "0.30000000000000004")
    #expect(NumberFormat.shortest(1_234_567) == "1234567")
    #expect(NumberFormat.shortest(.nan) == "nan")
    #expect(NumberFormat.shortest(-.infinity) == "-inf")
    #expect(Double(NumberFormat.shortest(2.0 / 3.0)) == 2.0 / 3.0)
  }

  @Test func fixedDecimalsRoundAndNeverShowNegativeZero() {
    #expect(NumberFormat.fixed(0.5, decimals: 3) == "0.500")
    #expect(NumberFormat.fixed(2.0 / 3.0, decimals: 2) == "0.67")
    #expect(NumberFormat.fixed(-0.0001, decimals: 2) == "0.00")
    #expect(NumberFormat.fixed(1234567.891, decimals: 1) == "1234567.9")
  }

  @Test func compactLabelsStayShort() {
    #expect(NumberFormat.compact(384) == "384")
    #expect(NumberFormat.compact(130.5) == "130.5")
    #expect(NumberFormat.compact(0.123456789) == "0.1235")
    #expect(NumberFormat.compact(1.23456e-5) == "1.235e-5")
  }

  @Test func columnFormatPicksTheNotation() {
    #expect(NumberFormat.shortest.text(0.25) == "0.25")
    #expect(NumberFormat.fixed(decimals: 1).text(0.25) == "0.2")
    #expect(NumberFormat.fixed(decimals: 0).text(2.5) == "2")
  }
}
