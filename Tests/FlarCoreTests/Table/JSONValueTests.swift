import Foundation
import Testing

@testable import FlarCore

@Suite struct JSONValueTests {
  @Test func jsonStringsEscapeControlCharacters() {
    #expect(
      JSONValue.quoted("a\"b\\c\n\u{01}é") == "\"a\\\"b\\\\c\\n\\u0001é\"")
  }

  @Test func objectsSortTheirKeysAndNestCompactly() {
    let value = JSONValue.object([
      "b": .array([.number(1), .bool(true), .null]), "a": .string("x"),
      "c": .object(["z": .number(0.5)]),
    ])
    #expect(
      value.text
        == "{\"a\": \"x\", \"b\": [1, true, null], \"c\": {\"z\": 0.5}}")
    #expect(
      value.lines(indent: 0)
        == "{\n  \"a\": \"x\",\n  \"b\": [1, true, null],\n  \"c\": {\"z\": 0.5}\n}"
    )
  }

  @Test func nonFiniteNumbersBecomeNull() {
    #expect(
      JSONValue.array([.number(.nan), .number(-.infinity)]).text
        == "[null, null]")
  }

  @Test func textParsesBackWithFoundation() throws {
    let value = JSONValue.object([
      "checksum": .string("53aa51\u{7}\"q\""), "lines": .number(2048),
      "lambda": .number(0.1 + 0.2),
    ])
    let parsed = try JSONSerialization.jsonObject(with: Data(value.text.utf8))
    let object = try #require(parsed as? [String: Any])
    #expect(object["checksum"] as? String == "53aa51\u{7}\"q\"")
    // swift-corelibs-foundation's parser reads this text as
    // 0.3000000000000001, one ulp off, so the round trip is checked with
    // Swift's own correctly rounded parser instead.
    #expect(object["lambda"] is Double)
    #expect(value.text.contains("\"lambda\": 0.30000000000000004"))
    #expect(Double("0.30000000000000004") == 0.1 + 0.2)
  }
}
