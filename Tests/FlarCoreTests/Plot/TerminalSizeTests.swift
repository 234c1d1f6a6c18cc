import Testing

@testable import FlarCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

  /// A pseudo-terminal set to 97 columns reports 97.
  ///
  /// No default or fallback gives 97, so the kernel's answer is what is
  /// read. The size set on the master side is the pair's, so no follower
  /// needs opening.
  @Test func windowColumnsReadsAPseudoTerminalsWidth() throws {
    let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
    try #require(master >= 0)
    defer { close(master) }
    var size = winsize(ws_row: 31, ws_col: 97, ws_xpixel: 0, ws_ypixel: 0)
    try #require(ioctl(master, UInt(TIOCSWINSZ), &size) == 0)
    #expect(TerminalSize.windowColumns(fileDescriptor: master) == 97)
  }

  @Test func aPipeIsNotATerminal() throws {
    var ends: [Int32] = [0, 0]
    try #require(pipe(&ends) == 0)
    defer { for fd in ends { close(fd) } }
    #expect(TerminalSize.windowColumns(fileDescriptor: ends[1]) == nil)
    #expect(TerminalSize.windowColumns(fileDescriptor: -1) == nil)
  }
}
