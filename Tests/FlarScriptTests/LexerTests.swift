import TestSupport
import Testing

@testable import FlarScript

@Suite struct LexerTests {
  func kinds(_ text: String) -> [TokenKind] {
    var lexer = Lexer(SourceFile(name: "t", text: text))
    return lexer.tokenize().map(\.kind)
  }

  @Test func numbersStringsNamesAndKeywordsAreTokens() {
    #expect(
      kinds("x = 2.5e-3 + \"a\\n\" if")
        == [
          .name("x"), .symbol(.equal), .number(0.0025), .symbol(.plus),
          .string("a\n"),
          .keyword(.ifKeyword), .endOfInput,
        ])
  }

  @Test func twoCharacterOperatorsWin() {
    #expect(
      kinds("a |> b <= c == d != e >= f")
        == [
          .name("a"), .symbol(.pipe), .name("b"), .symbol(.lessEqual),
          .name("c"),
          .symbol(.equalEqual), .name("d"), .symbol(.bangEqual), .name("e"),
          .symbol(.greaterEqual), .name("f"), .endOfInput,
        ])
  }

  @Test func transposeIsDotThenName() {
    #expect(
      kinds("A.T") == [.name("A"), .symbol(.dot), .name("T"), .endOfInput])
  }

  @Test func newlinesInsideBracketsAreIgnored() {
    #expect(
      kinds("f(1,\n2)\nx")
        == [
          .name("f"), .symbol(.leftParen), .number(1), .symbol(.comma),
          .number(2),
          .symbol(.rightParen), .newline, .name("x"), .endOfInput,
        ])
  }

  @Test func commentsRunToTheEndOfTheLine() {
    #expect(
      kinds("1 # two\n3") == [.number(1), .newline, .number(3), .endOfInput])
  }

  @Test func tokenRangesAreUTF8Offsets() {
    let source = MarkedSource("s = ⟨a⟩\"é\" ⟨b⟩+ 1")
    var lexer = Lexer(SourceFile(name: "t", text: source.text))
    let tokens = lexer.tokenize()
    #expect(
      tokens[2].range == SourceRange(start: source["a"], end: source["a"] + 4))
    #expect(tokens[3].range.start == source["b"])
  }

  @Test func unterminatedStringIsReportedWithItsRange() {
    var lexer = Lexer(SourceFile(name: "t", text: "x = \"abc\ny"))
    _ = lexer.tokenize()
    #expect(lexer.errors.map(\.error) == [.unterminatedString])
    #expect(lexer.errors.first?.range == SourceRange(start: 4, end: 8))
  }

  @Test func malformedExponentIsAnError() {
    var lexer = Lexer(SourceFile(name: "t", text: "1e+"))
    _ = lexer.tokenize()
    #expect(lexer.errors.map(\.error) == [.malformedNumber("1e+")])
  }

  @Test func loneBangSuggestsNot() {
    var lexer = Lexer(SourceFile(name: "t", text: "!x"))
    _ = lexer.tokenize()
    #expect(lexer.errors.map(\.error) == [.loneBang])
  }
}
