import FlarLinAlg
import Foundation
import TestSupport
import Testing

@testable import FlarModels

/// The cases of Tests/Fixtures/tokenizer, written by generate_tokenizer.py:
/// 400 edited glosses that reach every branch of the normaliser,
/// pre-tokeniser and WordPiece, with Hugging Face `tokenizers`' ids and byte
/// offsets for each tokenizer.
enum TokenizerFixtures {
  static let formatVersion = 1
  static let generator = "Tests/Fixtures/generate_tokenizer.py"

  static func json(_ relative: String) throws -> JSONValue {
    try ModelFixtures.versionedJSON(
      relative, folder: "tokenizer", formatVersion: formatVersion, generator: generator)
  }

  /// The tokenizer a case names: a model directory's own, or its
  /// vocabulary under the case's normaliser flags.
  static func tokenizer(_ entry: JSONValue) throws -> BertTokenizer {
    let model = entry["model"]?.stringValue ?? ""
    let directory = TestSupport.repositoryRoot.appendingPathComponent(model).path
    let saved = try BertTokenizer.load(directory: directory)
    guard let flags = entry["normalizer"] else { return saved }
    let normalizer = BertNormalizer(
      cleanText: flags["clean_text"]?.boolValue ?? true,
      handleChineseChars: flags["handle_chinese_chars"]?.boolValue ?? true,
      stripAccents: flags["strip_accents"]?.boolValue,
      lowercase: flags["lowercase"]?.boolValue ?? true)
    return try BertTokenizer(
      vocabulary: saved.vocabulary, normalizer: normalizer, addedTokens: saved.addedTokens)
  }
}

@Suite struct TokenizerCasesTests {
  static let cases = Result { try TokenizerFixtures.json("cases.json") }

  static var names: [String] {
    (try? cases.get()["tokenizers"]?.arrayValue?.compactMap { $0["name"]?.stringValue }) ?? []
  }

  @Test(arguments: names)
  func idsAndByteOffsetsMatchHuggingFace(name: String) throws {
    let cases = try Self.cases.get()
    let strings = (cases["strings"]?.arrayValue ?? []).compactMap(\.stringValue)
    let entry = try #require(
      cases["tokenizers"]?.arrayValue?.first { $0["name"]?.stringValue == name })
    let tokenizer = try TokenizerFixtures.tokenizer(entry)
    let expected = ModelFixtures.idLists(entry["encodings"])
    #expect(strings.count == 400 && expected.count == entry["count"]?.intValue)
    var mismatches = 0
    for (text, flat) in zip(strings, expected) {
      let got = tokenizer.tokenize(text).flatMap {
        [$0.id, $0.offsets.lowerBound, $0.offsets.upperBound]
      }
      if got != flat {
        mismatches += 1
        let i =
          (0..<min(got.count, flat.count)).first { got[$0] != flat[$0] }
          ?? min(got.count, flat.count)
        let at = i / 3 * 3
        Issue.record(
          "\(name): \(text.debugDescription): token \(i / 3) is \(Array(got[at..<min(at + 3, got.count)])), Hugging Face gives \(Array(flat[at..<min(at + 3, flat.count)])) (\(got.count / 3) tokens, expected \(flat.count / 3))"
        )
      }
      if mismatches >= 10 { break }
    }
  }
}

/// Every Unicode scalar through each normaliser step and the
/// pre-tokeniser's classes, against HF (`scalars.json`).
@Suite struct TokenizerScalarTests {
  /// HF's answer for each scalar of one step: nil where the scalar stays
  /// itself.
  static func expectations(_ step: JSONValue) -> [UInt32: [UInt32]] {
    var out: [UInt32: [UInt32]] = [:]
    func each(_ kind: String, _ body: (UInt32) -> [UInt32]) {
      for r in ModelFixtures.idLists(step[kind]) where r.count == 2 {
        for v in UInt32(r[0])...UInt32(r[1]) { out[v] = body(v) }
      }
    }
    each("removed") { _ in [] }
    each("space") { _ in [0x20] }
    each("padded") { [0x20, $0, 0x20] }
    for entry in step["mapped"]?.arrayValue ?? [] {
      guard let pair = entry.arrayValue, pair.count == 2, let v = pair[0].intValue else { continue }
      out[UInt32(v)] = (pair[1].arrayValue ?? []).compactMap(\.intValue).map(UInt32.init)
    }
    return out
  }

  @Test(arguments: ["clean_text", "handle_chinese_chars", "strip_accents", "lowercase"])
  func normaliserStepMatchesHuggingFaceOnEveryScalar(step: String) throws {
    let table = try TokenizerFixtures.json("scalars.json")
    let expected = Self.expectations(try #require(table["steps"]?[step]))
    #expect(!expected.isEmpty)
    let normalizer = BertNormalizer(
      cleanText: step == "clean_text", handleChineseChars: step == "handle_chinese_chars",
      stripAccents: step == "strip_accents", lowercase: step == "lowercase")
    var mismatches = 0
    for v in UInt32(0)...0x10FFFF {
      guard let s = Unicode.Scalar(v) else { continue }
      var got: [UInt32] = []
      normalizer.expand(s) { got.append($0.value) }
      let want = expected[v] ?? [v]
      if got != want {
        mismatches += 1
        if mismatches <= 10 {
          Issue.record("\(step): U+\(String(v, radix: 16)) gives \(got), HF \(want)")
        }
      }
    }
    #expect(mismatches == 0)
  }

  @Test func preTokenizerClassesMatchHuggingFaceOnEveryScalar() throws {
    let table = try TokenizerFixtures.json("scalars.json")
    func set(_ key: String) -> Set<UInt32> {
      Set(
        ModelFixtures.idLists(table[key]).flatMap { r in
          r.count == 2 ? Array(UInt32(r[0])...UInt32(r[1])) : []
        })
    }
    let (whitespace, punctuation) = (set("whitespace"), set("punctuation"))
    #expect(whitespace.count >= 25 && punctuation.count >= 500)
    var mismatches = 0
    for v in UInt32(0)...0x10FFFF {
      guard let s = Unicode.Scalar(v) else { continue }
      let isWhitespace = BertCharacters.isWhitespace(s)
      let isPunctuation = !isWhitespace && BertCharacters.isPunctuation(s)
      if isWhitespace != whitespace.contains(v) || isPunctuation != punctuation.contains(v) {
        mismatches += 1
        if mismatches <= 10 {
          Issue.record(
            "U+\(String(v, radix: 16)): whitespace \(isWhitespace), punctuation \(isPunctuation); HF says \(whitespace.contains(v)), \(punctuation.contains(v))"
          )
        }
      }
    }
    #expect(mismatches == 0)
  }
}
