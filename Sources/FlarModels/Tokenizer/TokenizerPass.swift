// The three stages of the BERT tokenizer fused into one pass over UTF-8.
//
// Goals, in order: the ids and byte offsets of Hugging Face `tokenizers`
// (Tests/Fixtures/tokenizer holds its answers for every branch); no heap
// allocation per scalar, word or candidate piece once the buffers have
// grown; ASCII, most of the text flar reads, without a Unicode property
// lookup.
//
// The normaliser's output is never stored whole: each normalised scalar goes
// straight to the pre-tokeniser's decision (end the word, be a word of its
// own, or extend the word), and each finished word to WordPiece. A scalar
// outside ASCII is normalised once per pass (`BertNormalizer.expand`, which
// may decompose it through Foundation) and its result, with the character
// class of each output scalar, is kept in a table for its next occurrence.
//
// A tokenizer with added tokens that HF matches in the normalised text
// (`"normalized": true`, as MPNet's `<unk>`) holds the normalised scalars of
// each run between raw added tokens until the run ends, finds those tokens
// there, leftmost and then longest, and pre-tokenises the rest.

/// One tokenisation pass: the buffers and the table of normalised scalars,
/// reused across the texts of a batch.
struct TokenizerPass {
  let normalizer: BertNormalizer
  let wordPiece: WordPiece
  /// Stop after the word that makes at least this many tokens (truncation
  /// keeps a prefix, and later words cannot change earlier tokens).
  var limit = Int.max
  var tokens = TokenSink()
  private var word = WordBuffer()
  /// Normalised forms of the non-ASCII scalars met so far: start and count
  /// in `expansions`, packed as `start << 8 | count`.
  private var expanded: [UInt32: Int] = [:]
  /// Normalised scalars with their class in the high bits (`whitespace`,
  /// `punctuation`).
  private var expansions: [UInt32] = []

  private static let whitespace: UInt32 = 1 << 30
  private static let punctuation: UInt32 = 1 << 29
  private static let scalarBits: UInt32 = (1 << 21) - 1

  /// Added tokens matched in the normalised text: id and normalised scalars.
  let normalizedTokens: [(id: Int, scalars: [UInt32])]
  /// The normalised run awaiting `normalizedTokens` (units with their
  /// class bits, and their source byte ranges).
  private var held = (units: [UInt32](), starts: [Int](), ends: [Int]())

  init(
    normalizer: BertNormalizer, wordPiece: WordPiece,
    normalizedTokens: [(id: Int, scalars: [UInt32])] = []
  ) {
    self.normalizer = normalizer
    self.wordPiece = wordPiece
    self.normalizedTokens = normalizedTokens
  }

  /// Whether `limit` tokens have been made.
  var isFull: Bool { tokens.count >= limit }

  /// Starts a new text: no tokens.
  mutating func reset(limit: Int) {
    self.limit = limit
    tokens.truncate(to: 0)
    word.removeAll()
  }

  /// Tokenises `bytes[range]`, a run of whole UTF-8 scalars between added
  /// tokens; offsets are indices into `bytes`.
  mutating func run(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
    var i = range.lowerBound
    let end = range.upperBound
    let holding = !normalizedTokens.isEmpty
    while i < end, !isFull {
      let b0 = bytes[i]
      if b0 < 0x80 {
        if let unit = asciiUnit(b0) {
          if holding {
            hold(unit, from: i, to: i + 1)
          } else {
            preTokenize(unit, from: i, to: i + 1)
          }
        }
        i += 1
        continue
      }
      // The bytes come from a Swift String, so they are valid UTF-8.
      var value: UInt32
      var width: Int
      if b0 < 0xE0 {
        value = UInt32(b0 & 0x1F)
        width = 2
      } else if b0 < 0xF0 {
        value = UInt32(b0 & 0x0F)
        width = 3
      } else {
        value = UInt32(b0 & 0x07)
        width = 4
      }
      for k in 1..<width { value = value << 6 | UInt32(bytes[i + k] & 0x3F) }
      feed(scalar: value, from: i, to: i + width)
      i += width
    }
    if holding { releaseHeld() }
    finishWord()
  }

  /// An added token, matched in the raw text: a word of its own.
  mutating func appendAddedToken(_ id: Int, from start: Int, to end: Int) {
    finishWord()
    if !isFull { tokens.append(id, start, end) }
  }

  /// The normalised form of an ASCII byte with its class bits, or nil
  /// when cleaning removes it: what `BertNormalizer.expand` and the
  /// character classes give, without a table lookup.
  private func asciiUnit(_ b: UInt8) -> UInt32? {
    switch b {
    case 0x09, 0x0A, 0x0D, 0x20:
      return 0x20 | Self.whitespace
    case 0x0B, 0x0C:
      // Vertical tab and form feed are White_Space and control characters:
      // cleaning removes them, else they split words.
      return normalizer.cleanText ? nil : UInt32(b) | Self.whitespace
    case 0x00..<0x20, 0x7F:
      return normalizer.cleanText ? nil : UInt32(b)
    case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E:
      return UInt32(b) | Self.punctuation
    case 0x41...0x5A:
      return UInt32(normalizer.lowercase ? b + 0x20 : b)
    default:
      return UInt32(b)
    }
  }

  private mutating func hold(_ unit: UInt32, from start: Int, to end: Int) {
    held.units.append(unit)
    held.starts.append(start)
    held.ends.append(end)
  }

  private mutating func feed(scalar value: UInt32, from start: Int, to end: Int) {
    let packed = expanded[value] ?? expand(value)
    var k = packed >> 8
    let stop = k + packed & 0xFF
    let holding = !normalizedTokens.isEmpty
    while k < stop {
      if holding {
        hold(expansions[k], from: start, to: end)
      } else {
        preTokenize(expansions[k], from: start, to: end)
      }
      k += 1
    }
  }

  /// The pre-tokeniser's step for one normalised scalar: end the word at
  /// whitespace, make punctuation a word of its own, else extend the word.
  private mutating func preTokenize(_ unit: UInt32, from start: Int, to end: Int) {
    if unit & Self.whitespace != 0 {
      finishWord()
    } else if unit & Self.punctuation != 0 {
      finishWord()
      word.append(unit & Self.scalarBits, from: start, to: end)
      finishWord()
    } else {
      word.append(unit, from: start, to: end)
    }
  }

  /// Finds `normalizedTokens` in the held run and pre-tokenises the rest.
  private mutating func releaseHeld() {
    let n = held.units.count
    var i = 0
    while i < n, !isFull {
      var match: (id: Int, length: Int)? = nil
      for (id, scalars) in normalizedTokens
      where scalars.count > (match?.length ?? 0) && i + scalars.count <= n {
        var k = 0
        while k < scalars.count, held.units[i + k] & Self.scalarBits == scalars[k] { k += 1 }
        if k == scalars.count { match = (id, k) }
      }
      if let (id, length) = match {
        appendAddedToken(id, from: held.starts[i], to: held.ends[i + length - 1])
        i += length
      } else {
        preTokenize(held.units[i], from: held.starts[i], to: held.ends[i])
        i += 1
      }
    }
    held.units.removeAll(keepingCapacity: true)
    held.starts.removeAll(keepingCapacity: true)
    held.ends.removeAll(keepingCapacity: true)
  }

  /// Normalises a scalar met for the first time and keeps the result.
  private mutating func expand(_ value: UInt32) -> Int {
    let start = expansions.count
    // `value` was decoded from valid UTF-8, so it is a scalar.
    normalizer.expand(Unicode.Scalar(value)!) { s in
      var unit = s.value
      if BertCharacters.isWhitespace(s) {
        unit |= Self.whitespace
      } else if BertCharacters.isPunctuation(s) {
        unit |= Self.punctuation
      }
      expansions.append(unit)
    }
    let packed = start << 8 | (expansions.count - start)
    expanded[value] = packed
    return packed
  }

  private mutating func finishWord() {
    if word.count == 0 || isFull { return }
    wordPiece.cut(word, into: &tokens)
    word.removeAll()
  }
}
