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
