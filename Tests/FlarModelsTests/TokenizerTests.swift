import FlarLinAlg
import Foundation
import TestSupport
import Testing

@testable import FlarModels

@Suite struct TokenizerTests {
  static let tokenizer = Result { try BertTokenizer.load(directory: ModelFixtures.miniLMDirectory) }

  @Test func idsMatchHuggingFaceOnWordNetSentences() throws {
    let tokenizer = try Self.tokenizer.get()
    let expected = ModelFixtures.idLists(try ModelFixtures.json("tokens.json")["sentences"])
    let sentences = try ModelFixtures.sentences()
    #expect(sentences.count == 220 && expected.count == 220)
    for (i, (s, ids)) in zip(sentences, expected).enumerated() {
      #expect(try tokenizer.encode(s, maxLength: 128) == ids, "sentence \(i): \(s)")
    }
  }

  @Test func idsAndByteOffsetsMatchHuggingFaceOnAwkwardStrings() throws {
    let tokenizer = try Self.tokenizer.get()
    try ModelFixtures.expectAwkwardStringsMatch(
      tokenizer, cases: try ModelFixtures.json("tokens.json")["awkward"]?.arrayValue ?? [])
  }

  @Test func wordLongerThanMaxInputCharsBecomesUnknown() throws {
    let tokenizer = try Self.tokenizer.get()
    let tokens = tokenizer.tokenize(String(repeating: "a", count: 101) + " b")
    #expect(tokens.map(\.piece) == ["[UNK]", "b"])
    #expect(tokens.map(\.offsets) == [0..<101, 102..<103])
  }

  @Test func truncationKeepsClassifierAndSeparator() throws {
    let tokenizer = try Self.tokenizer.get()
    let ids = try tokenizer.encode(
      Array(repeating: "word", count: 50).joined(separator: " "), maxLength: 10)
    #expect(ids.count == 10 && ids.first == 101 && ids.last == 102)
    #expect(throws: TokenizerError.maxLengthTooSmall(maxLength: 2)) {
      try tokenizer.encode("x", maxLength: 2)
    }
  }

  @Test func batchPaddingAndAttentionMask() throws {
    let tokenizer = try Self.tokenizer.get()
    let batch = try tokenizer.encode(["a b c", "a"], maxLength: 16)
    #expect(batch.offsets == [0, 5, 8])
    let (ids, mask) = batch.padded(to: 6)
    #expect(ids[1] == [101, 1037, 102, 0, 0, 0])
    #expect(mask == [[1, 1, 1, 1, 1, 0], [1, 1, 1, 0, 0, 0]])
  }

  @Test func normalizerStepsFollowHuggingFaceFlags() {
    let n = BertNormalizer(
      cleanText: true, handleChineseChars: true, stripAccents: nil, lowercase: false)
    let out = n.normalize("Ç\u{7}中\t")
    // Accents stay when neither flag asks for stripping; the bell goes; the
    // ideograph is padded; the tab becomes a space.
    #expect(String(String.UnicodeScalarView(out.scalars)) == "Ç 中  ")
    #expect(out.sourceRanges == [0..<2, 3..<6, 3..<6, 3..<6, 6..<7])
  }

  @Test func duplicateVocabularyTokenIsRejected() {
    #expect(throws: TokenizerError.duplicateToken(path: "v", token: "x", firstId: 0, secondId: 2)) {
      try Vocabulary(tokens: ["x", "y", "x"], source: "v")
    }
  }
}
