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
    for scalar in text.unicodeScalars {
      let range = offset..<(offset + UTF8.width(scalar))
      offset = range.upperBound
      expand(scalar) { out.append($0, from: range) }
    }
    return out
  }

  /// Passes the normalised form of one scalar to `emit`, scalar by scalar
  /// (none when the scalar is removed).
  ///
  /// HF applies each step to the whole string; every step maps one scalar
  /// to zero or more scalars without looking at its neighbours, so the same
  /// steps per scalar give the same text. (NFD's canonical reordering is the
  /// exception: it can swap two adjacent combining marks from different
  /// source scalars, and only strips what it then drops.)
  func expand(_ scalar: Unicode.Scalar, _ emit: (Unicode.Scalar) -> Void) {
    if cleanText {
      if scalar.value == 0 || scalar.value == 0xFFFD || BertCharacters.isControl(scalar) {
        return
      }
      if BertCharacters.isWhitespace(scalar) { return emit(" ") }
    }
    if handleChineseChars, BertCharacters.isChineseCharacter(scalar) {
      emit(" ")
      stripAndLower(scalar, emit)
      return emit(" ")
    }
    stripAndLower(scalar, emit)
  }

  private func stripAndLower(_ scalar: Unicode.Scalar, _ emit: (Unicode.Scalar) -> Void) {
    guard stripAccents ?? lowercase, !scalar.isASCII,
      BertCharacters.isInHuggingFaceTables(scalar)
    else { return lower(scalar, emit) }
    let decomposed = String(Character(scalar)).decomposedStringWithCanonicalMapping
    for s in decomposed.unicodeScalars where !BertCharacters.isNonspacingMark(s) {
      lower(s, emit)
    }
  }

  private func lower(_ scalar: Unicode.Scalar, _ emit: (Unicode.Scalar) -> Void) {
    guard lowercase else { return emit(scalar) }
    if scalar.isASCII {
      return emit(
        (0x41...0x5A).contains(scalar.value) ? Unicode.Scalar(scalar.value + 32)! : scalar)
    }
    for s in scalar.properties.lowercaseMapping.unicodeScalars { emit(s) }
  }
}

/// The character classes BERT's normaliser and pre-tokeniser use.
public enum BertCharacters {
  /// Tab, newline, carriage return, space, or a Unicode `White_Space` scalar.
  public static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
    s == " " || s == "\t" || s == "\n" || s == "\r" || s.properties.isWhitespace
  }

  /// A scalar of general category Cc, Cf, Co or Cs, except `\t \n \r`.
  ///
  /// Unassigned scalars (Cn) are not control characters: HF's
  /// `is_control` keeps them, and a scalar assigned after Unicode 8.0 (see
  /// `isInHuggingFaceTables`) counts as unassigned.
  public static func isControl(_ s: Unicode.Scalar) -> Bool {
    if s == "\t" || s == "\n" || s == "\r" { return false }
    switch s.properties.generalCategory {
    case .control, .format, .privateUse, .surrogate: return isInHuggingFaceTables(s)
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
    // Punctuation in Unicode 8.0, a symbol and a mark since.
    if v == 0x166D || v == 0x111C9 { return true }
    switch s.properties.generalCategory {
    case .connectorPunctuation, .dashPunctuation, .openPunctuation,
      .closePunctuation, .initialPunctuation, .finalPunctuation, .otherPunctuation:
      return isInHuggingFaceTables(s)
    default: return false
    }
  }

  /// A nonspacing mark (Mn), which stripping accents removes after NFD.
  public static func isNonspacingMark(_ s: Unicode.Scalar) -> Bool {
    // Scalars whose category changed after Unicode 8.0: Mn then, Mc now;
    // Lo, Mc and Po then, Mn now.
    switch s.value {
    case 0x1734, 0x1171E: return true
    case 0x1885, 0x1886, 0xA9BD, 0x111C9: return false
    default: return s.properties.generalCategory == .nonspacingMark && isInHuggingFaceTables(s)
    }
  }

  /// Whether `s` was assigned by Unicode 8.0, the version of the category
  /// tables HF's BERT normaliser and pre-tokeniser use (the Rust crate
  /// `unicode_categories`).
  ///
  /// A scalar assigned later is unassigned there: kept by cleaning, neither
  /// punctuation nor a nonspacing mark. Lowercasing and `White_Space` come
  /// from Rust's standard library, which follows current Unicode as Swift
  /// does. `Tests/Fixtures/generate_tokenizer.py` checks every scalar
  /// against HF.
  public static func isInHuggingFaceTables(_ s: Unicode.Scalar) -> Bool {
    guard let age = s.properties.age else { return false }
    return age.major <= 8
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
