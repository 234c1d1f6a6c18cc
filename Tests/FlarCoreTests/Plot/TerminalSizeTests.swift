import Testing

@testable import FlarCore

@Suite struct TerminalSizeTests {
  @Test func terminalWidthComesFirst() {
    #expect(
      TerminalSize.resolvedColumns(window: 132, environment: "100") == 132)
  }

  @Test func columnsVariableIsTheFallback() {
    #expect(
      TerminalSize.resolvedColumns(window: nil, environment: "100") == 100)
    #expect(
      TerminalSize.resolvedColumns(window: 0, environment: " 120 ") == 120)
  }

  @Test func unusableValuesFallBackTo80() {
    #expect(TerminalSize.resolvedColumns(window: nil, environment: nil) == 80)
    #expect(
      TerminalSize.resolvedColumns(window: nil, environment: "wide") == 80)
    #expect(TerminalSize.resolvedColumns(window: nil, environment: "-5") == 80)
  }

  @Test func columnsIsPositiveWhateverStdoutIs() {
    #expect(TerminalSize.columns() > 0)
  }

  @Test func aPipeIsNotATerminal() {
    #expect(TerminalSize.windowColumns(fileDescriptor: -1) == nil)
  }
}
