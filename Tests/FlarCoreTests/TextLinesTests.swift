import FlarCore
import Testing

/// `textLines` against Python's universal newlines: `open(path).read()`
/// turns `\r\n` and `\r` into `\n`, then `.split("\n")`.
@Suite struct TextLinesTests {
  @Test(arguments: [
    ("a\nb", ["a", "b"]),
    ("a\r\nb\r\n", ["a", "b", ""]),
    ("a\rb\nc\r\nd", ["a", "b", "c", "d"]),
    ("\r\n\r\n", ["", "", ""]),
    ("gloss\texample\r\n", ["gloss\texample", ""]),
    ("", [""]),
    ("é\r\n東京", ["é", "東京"]),
  ])
  func splitsAsPythonReadsATextFile(text: String, expected: [String]) {
    #expect(textLines(text).map(String.init) == expected)
  }
}
