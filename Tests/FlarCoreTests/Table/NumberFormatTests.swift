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

  @Test func negativeZeroAndLargeIntegersReadBackUnchanged() {
    // Python's repr keeps the sign of zero and writes integral floats below
    // 1e16 whole; both read back to the same Double.
    #expect(NumberFormat.shortest(-0.0) == "-0")
    #expect(Double(NumberFormat.shortest(-0.0))!.sign == .minus)
    #expect(NumberFormat.shortest(9_007_199_254_740_994) == "9007199254740994")
    #expect(NumberFormat.shortest(1e16) == "1e+16")
    #expect(Double(NumberFormat.shortest(9_007_199_254_740_994)) == 9_007_199_254_740_994)
  }

  @Test func significantDigitsForTheTerminalAndStr() {
    // As Python's f"{x:.6g}", then the shortest text of that value.
    #expect(NumberFormat.significant(0.2682778593723883, digits: 6) == "0.268278")
    #expect(NumberFormat.significant(2.0 / 3.0, digits: 3) == "0.667")
    #expect(NumberFormat.significant(1.23456789e-7, digits: 4) == "1.235e-07")
    #expect(NumberFormat.significant(184320, digits: 3) == "184320")
    #expect(NumberFormat.significant(2.0 / 3.0, digits: 17) == "0.6666666666666666")
  }

  @Test func theTerminalShowsSixDigitsAndTheCSVEveryDigit() throws {
    let table = try Table(
      columns: [TableColumn("cos")], rows: [[.number(0.2682778593723883)], [.number(-0.0)]])
    #expect(table.description.contains("0.268278"))
    #expect(!table.description.contains("0.2682778593723883"))
    #expect(table.csv == "cos\r\n0.2682778593723883\r\n-0\r\n")
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
