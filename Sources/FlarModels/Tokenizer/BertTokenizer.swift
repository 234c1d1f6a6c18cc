// The whole WordPiece tokenizer of BERT-like families: added (special) tokens
// matched in the raw text, then normaliser → pre-tokeniser → WordPiece on the
// text between them, then `[CLS] … [SEP]` (BERT) or `<s> … </s>` (MPNet's
// RobertaProcessing) and truncation. Settings come from `tokenizer.json`
// when present (what HF's fast tokenizer reads), else `tokenizer_config.json`.
// A `tokenizer.json` of another kind (BPE, Unigram, other normalisers or
// pre-tokenisers) is refused with the part and kind named.

import FlarLinAlg

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A BERT WordPiece tokenizer with Hugging Face's behaviour.
public struct BertTokenizer: Sendable {
  public let normalizer: BertNormalizer
  public let preTokenizer = BertPreTokenizer()
  public let wordPiece: WordPiece
  /// Tokens matched verbatim in the raw text before normalisation
  /// (`[CLS]`, `[SEP]`, `[MASK]`, …), longest first.
  public let addedTokens: [String]
  /// Added tokens matched in the normalised text (`"normalized": true` in
  /// `tokenizer.json`), after the normaliser, as HF matches them.
  public let normalizedAddedTokens: [String]
  /// Their ids and normalised scalars.
  private let normalizedTokenScalars: [(id: Int, scalars: [UInt32])]
  /// The added tokens' ids and UTF-8, longest first.
  private let addedTokenBytes: [(Int, [UInt8])]
  /// Whether an added token begins with each byte value.
  private let addedTokenStarts: [Bool]
  public let classifierId: Int  // [CLS] or <s>
  public let separatorId: Int  // [SEP] or </s>
  public let paddingId: Int  // [PAD] or <pad>

  public var vocabulary: Vocabulary { wordPiece.vocabulary }

  /// A tokenizer from its parts.
  public init(
    vocabulary: Vocabulary, normalizer: BertNormalizer = BertNormalizer(),
    unknownToken: String = "[UNK]", maxInputCharsPerWord: Int = 100,
    addedTokens: [String]? = nil, normalizedAddedTokens: [String] = [],
    classifierToken: String = "[CLS]",
    separatorToken: String = "[SEP]", paddingToken: String = "[PAD]"
  ) throws {
    wordPiece = try WordPiece(
      vocabulary: vocabulary, unknownToken: unknownToken,
      maxInputCharsPerWord: maxInputCharsPerWord)
    self.normalizer = normalizer
    func id(_ t: String) throws -> Int {
      guard let i = vocabulary.id(t) else { throw TokenizerError.missingSpecialToken(token: t) }
      return i
    }
    classifierId = try id(classifierToken)
    separatorId = try id(separatorToken)
    paddingId = try id(paddingToken)
    let added =
      addedTokens
      ?? [paddingToken, unknownToken, classifierToken, separatorToken, "[MASK]"]
      .filter { vocabulary.id($0) != nil }
    self.addedTokens = added.filter { !$0.isEmpty }.sorted { $0.utf8.count > $1.utf8.count }
    addedTokenBytes = try self.addedTokens.map { token in
      guard let id = vocabulary.id(token) else {
        throw TokenizerError.missingSpecialToken(token: token)
      }
      return (id, Array(token.utf8))
    }
    self.normalizedAddedTokens = normalizedAddedTokens
    normalizedTokenScalars = try normalizedAddedTokens.map { token in
      guard let id = vocabulary.id(token) else {
        throw TokenizerError.missingSpecialToken(token: token)
      }
      return (id, normalizer.normalize(Substring(token)).scalars.map(\.value))
    }.filter { !$0.scalars.isEmpty }
    var starts = [Bool](repeating: false, count: 256)
    for (_, bytes) in addedTokenBytes { starts[Int(bytes[0])] = true }
    addedTokenStarts = starts
  }

  /// Loads the tokenizer of a model directory.
  ///
  /// - Throws: `TokenizerError` or `FileError` naming the file.
  public static func load(directory: String) throws -> BertTokenizer {
    let jsonPath = directory + "/tokenizer.json"
    let vocabPath = directory + "/vocab.txt"
    let configPath = directory + "/tokenizer_config.json"
    let json = try? AtomicFile.read(jsonPath)
    let settings: JSONValue? = try json.map { bytes in
      do { return try parseJSON(bytes) } catch {
        throw TokenizerError.badSettings(path: jsonPath, detail: "\(error)")
      }
    }
    let vocabulary: Vocabulary
    if access(vocabPath, R_OK) == 0 {
      vocabulary = try Vocabulary.read(vocabTxt: vocabPath)
    } else if let settings {
      vocabulary = try Vocabulary.fromTokenizerJSON(settings, path: jsonPath)
    } else {
      throw TokenizerError.noVocabulary(directory: directory)
    }
    if let settings {
      return try fromTokenizerJSON(settings, vocabulary: vocabulary, path: jsonPath)
    }
    let config = try (try? AtomicFile.read(configPath)).map { bytes in
      do { return try parseJSON(bytes) } catch {
        throw TokenizerError.badSettings(path: configPath, detail: "\(error)")
      }
    }
    let lower = config?["do_lower_case"]?.boolValue ?? true
    let normalizer = BertNormalizer(
      cleanText: true, handleChineseChars: config?["tokenize_chinese_chars"]?.boolValue ?? true,
      stripAccents: config?["strip_accents"]?.boolValue, lowercase: lower)
    return try BertTokenizer(
      vocabulary: vocabulary, normalizer: normalizer,
      unknownToken: config?["unk_token"]?.stringValue ?? "[UNK]",
      classifierToken: config?["cls_token"]?.stringValue ?? "[CLS]",
      separatorToken: config?["sep_token"]?.stringValue ?? "[SEP]",
      paddingToken: config?["pad_token"]?.stringValue ?? "[PAD]")
  }

  private static func fromTokenizerJSON(
    _ json: JSONValue, vocabulary: Vocabulary, path: String
  ) throws -> BertTokenizer {
    func require(_ part: String, _ key: String, _ supported: [String]) throws {
      let kind = json[key]?["type"]?.stringValue ?? "null"
      guard supported.contains(kind) else {
        throw TokenizerError.unsupportedKind(
          path: path, part: part, kind: kind, supported: supported)
      }
    }
    try require("model", "model", ["WordPiece"])
    try require("normalizer", "normalizer", ["BertNormalizer"])
    try require("pre-tokenizer", "pre_tokenizer", ["BertPreTokenizer"])
    try require(
      "post-processor", "post_processor",
      ["TemplateProcessing", "BertProcessing", "RobertaProcessing"])
    let (cls, sep) = try specialTokens(json["post_processor"]!, path: path)
    let pad =
      json["padding"]?["pad_token"]?.stringValue
      ?? (vocabulary.id("[PAD]") != nil ? "[PAD]" : "<pad>")
    let n = json["normalizer"]
    let normalizer = BertNormalizer(
      cleanText: n?["clean_text"]?.boolValue ?? true,
      handleChineseChars: n?["handle_chinese_chars"]?.boolValue ?? true,
      stripAccents: n?["strip_accents"]?.boolValue,
      lowercase: n?["lowercase"]?.boolValue ?? true)
    let model = json["model"]
    let entries = json["added_tokens"]?.arrayValue
    let added = entries?.filter { $0["normalized"]?.boolValue != true }
      .compactMap { $0["content"]?.stringValue }
    let normalized =
      entries?.filter { $0["normalized"]?.boolValue == true }
      .compactMap { $0["content"]?.stringValue } ?? []
    return try BertTokenizer(
      vocabulary: vocabulary, normalizer: normalizer,
      unknownToken: model?["unk_token"]?.stringValue ?? "[UNK]",
      maxInputCharsPerWord: model?["max_input_chars_per_word"]?.intValue ?? 100,
      addedTokens: added, normalizedAddedTokens: normalized, classifierToken: cls,
      separatorToken: sep, paddingToken: pad)
  }

  /// The tokens a post-processor puts around a single sequence: `cls`/`sep`
  /// of BertProcessing and RobertaProcessing, the first and last special
  /// token of TemplateProcessing's `single` template (`X $A Y`).
  private static func specialTokens(
    _ post: JSONValue, path: String
  ) throws -> (String, String) {
    if post["type"]?.stringValue == "TemplateProcessing" {
      let single = post["single"]?.arrayValue ?? []
      let specials = single.map { $0["SpecialToken"]?["id"]?.stringValue }
      guard single.count == 3, let first = specials[0], let last = specials[2],
        single[1]["Sequence"] != nil
      else {
        throw TokenizerError.badSettings(
          path: path,
          detail: "post_processor.single is not a special token, the sequence, a special token")
      }
      return (first, last)
    }
    guard let cls = post["cls"]?.arrayValue?.first?.stringValue,
      let sep = post["sep"]?.arrayValue?.first?.stringValue
    else {
      throw TokenizerError.badSettings(path: path, detail: "post_processor has no cls and sep")
    }
    return (cls, sep)
  }

  /// The tokens of `text` without `[CLS]`/`[SEP]` and without truncation.
  public func tokenize(_ text: String) -> [Token] {
    var pass = TokenizerPass(
      normalizer: normalizer, wordPiece: wordPiece, normalizedTokens: normalizedTokenScalars)
    run(text, limit: Int.max, &pass)
    return pass.tokens.tokens(vocabulary)
  }

  /// Runs `pass` over `text`, stopping once `limit` tokens are made.
  ///
  /// Added tokens are found first, leftmost and then longest, in the raw
  /// bytes; the text between them goes through the normaliser,
  /// pre-tokeniser and WordPiece.
  func run(_ text: String, limit: Int, _ pass: inout TokenizerPass) {
    pass.reset(limit: limit)
    var text = text
    text.withUTF8 { bytes in
      var segmentStart = 0
      var i = 0
      while i < bytes.count, !pass.isFull {
        guard addedTokenStarts[Int(bytes[i])], let (id, length) = addedToken(bytes, at: i) else {
          i += 1
          continue
        }
        pass.run(bytes, segmentStart..<i)
        pass.appendAddedToken(id, from: i, to: i + length)
        i += length
        segmentStart = i
      }
      pass.run(bytes, segmentStart..<bytes.count)
    }
  }

  /// The longest added token at `bytes[i...]`: its id and length in bytes.
  private func addedToken(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (Int, Int)? {
    // `addedTokenBytes` is sorted longest first.
    for (id, token) in addedTokenBytes where i + token.count <= bytes.count {
      var k = 0
      while k < token.count, bytes[i + k] == token[k] { k += 1 }
      if k == token.count { return (id, token.count) }
    }
    return nil
  }

  /// The ids of `text` as the model reads them: `[CLS] tokens [SEP]`, the
  /// tokens truncated so that the whole has at most `maxLength` ids.
  ///
  /// - Throws: `TokenizerError.maxLengthTooSmall` when `maxLength < 3`.
  public func encode(_ text: String, maxLength: Int = 128) throws -> [Int] {
    guard maxLength >= 3 else { throw TokenizerError.maxLengthTooSmall(maxLength: maxLength) }
    var pass = TokenizerPass(
      normalizer: normalizer, wordPiece: wordPiece, normalizedTokens: normalizedTokenScalars)
    return encode(text, maxLength: maxLength, &pass)
  }

  private func encode(_ text: String, maxLength: Int, _ pass: inout TokenizerPass) -> [Int] {
    run(text, limit: maxLength - 2, &pass)
    var ids = [classifierId]
    ids.reserveCapacity(min(pass.tokens.count, maxLength - 2) + 2)
    ids += pass.tokens.ids.prefix(maxLength - 2)
    ids.append(separatorId)
    return ids
  }

  /// Encodes many texts into a batch of variable-length sequences.
  ///
  /// - Throws: `TokenizerError.maxLengthTooSmall` when `maxLength < 3`.
  public func encode(_ texts: [String], maxLength: Int = 128) throws -> TokenBatch {
    guard maxLength >= 3 else { throw TokenizerError.maxLengthTooSmall(maxLength: maxLength) }
    // One pass for the batch: its buffers and its table of normalised
    // scalars serve every text.
    var pass = TokenizerPass(
      normalizer: normalizer, wordPiece: wordPiece, normalizedTokens: normalizedTokenScalars)
    return TokenBatch(
      sequences: texts.map { encode($0, maxLength: maxLength, &pass) }, paddingId: paddingId)
  }
}
