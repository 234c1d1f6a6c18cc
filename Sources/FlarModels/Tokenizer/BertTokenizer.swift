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
  public let classifierId: Int  // [CLS] or <s>
  public let separatorId: Int  // [SEP] or </s>
  public let paddingId: Int  // [PAD] or <pad>

  public var vocabulary: Vocabulary { wordPiece.vocabulary }

  /// A tokenizer from its parts.
  public init(
    vocabulary: Vocabulary, normalizer: BertNormalizer = BertNormalizer(),
    unknownToken: String = "[UNK]", maxInputCharsPerWord: Int = 100,
    addedTokens: [String]? = nil, classifierToken: String = "[CLS]",
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
    let added = json["added_tokens"]?.arrayValue?.compactMap { $0["content"]?.stringValue }
    return try BertTokenizer(
      vocabulary: vocabulary, normalizer: normalizer,
      unknownToken: model?["unk_token"]?.stringValue ?? "[UNK]",
      maxInputCharsPerWord: model?["max_input_chars_per_word"]?.intValue ?? 100,
      addedTokens: added, classifierToken: cls, separatorToken: sep, paddingToken: pad)
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
    var tokens: [Token] = []
    let utf8 = Array(text.utf8)
    var segmentStart = 0
    var i = 0
    // Added tokens are found first, leftmost and then longest, in the raw
    // bytes; the text between them goes through the normal pipeline.
    let added = addedTokens.map { Array($0.utf8) }
    while i < utf8.count {
      guard
        let match = added.firstIndex(where: { b in
          b.first == utf8[i] && i + b.count <= utf8.count
            && utf8[i..<(i + b.count)].elementsEqual(b)
        }).map({ addedTokens[$0] })
      else {
        i += 1
        continue
      }
      tokens += tokenizeSegment(utf8, segmentStart..<i)
      let end = i + match.utf8.count
      tokens.append(Token(id: vocabulary.id(match)!, piece: match, offsets: i..<end))
      i = end
      segmentStart = end
    }
    tokens += tokenizeSegment(utf8, segmentStart..<utf8.count)
    return tokens
  }

  private func tokenizeSegment(_ utf8: [UInt8], _ range: Range<Int>) -> [Token] {
    if range.isEmpty { return [] }
    let text = String(decoding: utf8[range], as: UTF8.self)
    let normalized = normalizer.normalize(Substring(text), baseOffset: range.lowerBound)
    return preTokenizer.split(normalized).flatMap { word in
      wordPiece.tokenize(normalized.scalars[word], sourceRanges: normalized.sourceRanges[word])
    }
  }

  /// The ids of `text` as the model reads them: `[CLS] tokens [SEP]`, the
  /// tokens truncated so that the whole has at most `maxLength` ids.
  ///
  /// - Throws: `TokenizerError.maxLengthTooSmall` when `maxLength < 3`.
  public func encode(_ text: String, maxLength: Int = 128) throws -> [Int] {
    guard maxLength >= 3 else { throw TokenizerError.maxLengthTooSmall(maxLength: maxLength) }
    let ids = tokenize(text).prefix(maxLength - 2).map(\.id)
    return [classifierId] + ids + [separatorId]
  }

  /// Encodes many texts into a batch of variable-length sequences.
  public func encode(_ texts: [String], maxLength: Int = 128) throws -> TokenBatch {
    TokenBatch(
      sequences: try texts.map { try encode($0, maxLength: maxLength) }, paddingId: paddingId)
  }
}
