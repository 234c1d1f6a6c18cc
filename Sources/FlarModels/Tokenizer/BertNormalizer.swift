// The BERT normaliser of Hugging Face tokenizers (`BertNormalizer`), stage 1
// of 3 (normaliser → pre-tokeniser → WordPiece).
//
// Steps, in HF's order: clean text, pad CJK characters with spaces, strip
// accents, lowercase. Work is per Unicode scalar, and every output scalar
// remembers the UTF-8 byte range of the input scalar it came from, so tokens
// can carry byte offsets into the original text. Character classes follow
// Unicode general categories (UAX #44, Table 12) as the Rust code does.

import Foundation

/// Text after normalisation: scalars, each with its source byte range.
public struct NormalizedText: Sendable, Equatable {
  /// The normalised scalars.
  public var scalars: [Unicode.Scalar] = []
  /// For each scalar, the byte range in the original text it came from.
  public var sourceRanges: [Range<Int>] = []

  mutating func append(_ s: Unicode.Scalar, from range: Range<Int>) {
    scalars.append(s)
    sourceRanges.append(range)
  }
}

/// BERT's text normaliser, with HF's flags and defaults.
public struct BertNormalizer: Sendable, Equatable {
  /// Remove control characters and map all whitespace to a space.
  public var cleanText = true
  /// Surround CJK ideographs with spaces, so each becomes a word.
  public var handleChineseChars = true
  /// Strip accents (NFD, then drop Mn); nil means "same as `lowercase`".
  public var stripAccents: Bool? = nil
  /// Lowercase every character.
  public var lowercase = true

  public init(
    cleanText: Bool = true, handleChineseChars: Bool = true,
    stripAccents: Bool? = nil, lowercase: Bool = true
  ) {
    self.cleanText = cleanText
    self.handleChineseChars = handleChineseChars
    self.stripAccents = stripAccents
    self.lowercase = lowercase
  }

  /// Normalises `text`, whose bytes start at `baseOffset` in the original.
  public func normalize(_ text: Substring, baseOffset: Int = 0) -> NormalizedText {
    var out = NormalizedText()
    var offset = baseOffset
    let strip = stripAccents ?? lowercase
    for scalar in text.unicodeScalars {
      let range = offset..<(offset + UTF8.width(scalar))
      offset = range.upperBound
      var pieces: [Unicode.Scalar] = [scalar]
      if cleanText {
        if scalar.value == 0 || scalar.value == 0xFFFD || BertCharacters.isControl(scalar) {
          continue
        }
        if BertCharacters.isWhitespace(scalar) { pieces = [" "] }
      }
      if handleChineseChars, BertCharacters.isChineseCharacter(scalar) {
        pieces = [" ", scalar, " "]
      }
      if strip { pieces = pieces.flatMap(Self.strippingAccents) }
      if lowercase { pieces = pieces.flatMap(Self.lowercased) }
      for p in pieces { out.append(p, from: range) }
    }
    return out
  }

  /// NFD decomposition with the nonspacing marks (Mn) removed.
  static func strippingAccents(_ s: Unicode.Scalar) -> [Unicode.Scalar] {
    if s.isASCII { return [s] }
    return String(Character(s)).decomposedStringWithCanonicalMapping.unicodeScalars
      .filter { $0.properties.generalCategory != .nonspacingMark }
  }

  /// The full lowercase mapping of one scalar (may be several scalars).
  static func lowercased(_ s: Unicode.Scalar) -> [Unicode.Scalar] {
    if s.isASCII {
      return [(0x41...0x5A).contains(s.value) ? Unicode.Scalar(s.value + 32)! : s]
    }
    return Array(s.properties.lowercaseMapping.unicodeScalars)
  }
}

/// The character classes BERT's normaliser and pre-tokeniser use.
public enum BertCharacters {
  /// Tab, newline, carriage return, space, or a Unicode `White_Space` scalar.
  public static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
    s == " " || s == "\t" || s == "\n" || s == "\r" || s.properties.isWhitespace
  }

  /// A scalar of general category C* (Cc, Cf, Cn, Co, Cs), except `\t \n \r`.
  public static func isControl(_ s: Unicode.Scalar) -> Bool {
    if s == "\t" || s == "\n" || s == "\r" { return false }
    switch s.properties.generalCategory {
    case .control, .format, .unassigned, .privateUse, .surrogate: return true
    default: return false
    }
  }

  /// ASCII punctuation and symbols (`!`…`/`, `:`…`@`, `[`…`` ` ``, `{`…`~`)
  /// or a scalar of general category P* (Pc, Pd, Ps, Pe, Pi, Pf, Po).
  public static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
    let v = s.value
    if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v)
      || (123...126).contains(v)
    {
      return true
    }
    switch s.properties.generalCategory {
    case .connectorPunctuation, .dashPunctuation, .openPunctuation,
      .closePunctuation, .initialPunctuation, .finalPunctuation, .otherPunctuation:
      return true
    default: return false
    }
  }

  /// A CJK Unified Ideograph or compatibility ideograph, by the blocks BERT
  /// lists (the Rust code's `is_chinese_char`).
  public static func isChineseCharacter(_ s: Unicode.Scalar) -> Bool {
    switch s.value {
    case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
      0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
      return true
    default: return false
    }
  }
}
