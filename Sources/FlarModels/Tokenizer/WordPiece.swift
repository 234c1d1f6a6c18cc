// The WordPiece model of Hugging Face tokenizers, stage 3 of 3: each word is
// cut greedily into the longest vocabulary pieces from the left, pieces after
// the first carrying the `##` prefix. A word with no complete cut, or longer
// than `maxInputCharsPerWord` scalars, becomes the unknown token.
//
// Schuster, M. & Nakajima, K. (2012). Japanese and Korean voice search.
// ICASSP 2012, 5149–5152; as used by Devlin et al. (2019), BERT.

/// One token: its id, its text, and the byte range of the original text.
public struct Token: Sendable, Equatable {
  public let id: Int
  public let piece: String
  /// Byte offsets into the original text (`0..<0` for added special tokens).
  public let offsets: Range<Int>

  public init(id: Int, piece: String, offsets: Range<Int>) {
    self.id = id
    self.piece = piece
    self.offsets = offsets
  }
}

/// Greedy longest-match-first subword tokenisation.
public struct WordPiece: Sendable {
  public let vocabulary: Vocabulary
  /// The token standing for a word that cannot be cut (`[UNK]`).
  public let unknownToken: String
  /// Prefix of every piece that continues a word (`##`).
  public let continuingSubwordPrefix: String
  /// Words longer than this many scalars become `unknownToken` (100).
  public let maxInputCharsPerWord: Int
  let unknownId: Int
  /// Every token, by its UTF-8: the lookup of a word's first piece.
  private let firstPieces: PieceTable
  /// The tokens that begin with `continuingSubwordPrefix`, by the UTF-8
  /// after it: the lookup of every later piece, which HF makes by
  /// prefixing the candidate.
  private let laterPieces: PieceTable

  /// - Throws: `TokenizerError.missingSpecialToken` when the vocabulary
  ///   lacks `unknownToken`.
  public init(
    vocabulary: Vocabulary, unknownToken: String = "[UNK]",
    continuingSubwordPrefix: String = "##", maxInputCharsPerWord: Int = 100
  ) throws {
    guard let unk = vocabulary.id(unknownToken) else {
      throw TokenizerError.missingSpecialToken(token: unknownToken)
    }
    self.vocabulary = vocabulary
    self.unknownToken = unknownToken
    self.continuingSubwordPrefix = continuingSubwordPrefix
    self.maxInputCharsPerWord = maxInputCharsPerWord
    self.unknownId = unk
    let tokens = vocabulary.tokens.enumerated()
    firstPieces = PieceTable(tokens.map { (key: Substring($0.element), id: $0.offset) })
    laterPieces = PieceTable(
      tokens.compactMap { (id, token) in
        token.hasPrefix(continuingSubwordPrefix)
          ? (key: token.dropFirst(continuingSubwordPrefix.count), id: id) : nil
      })
  }

  /// The tokens of one word: `scalars` with their source byte ranges.
  public func tokenize(
    _ scalars: ArraySlice<Unicode.Scalar>, sourceRanges: ArraySlice<Range<Int>>
  ) -> [Token] {
    var word = WordBuffer()
    for (s, range) in zip(scalars, sourceRanges) {
      word.append(s.value, from: range.lowerBound, to: range.upperBound)
    }
    var out = TokenSink()
    cut(word, into: &out)
    return out.tokens(vocabulary)
  }

  /// Appends the pieces of `word` to `out`: HF's greedy loop, longest
  /// candidate first, the whole word as the unknown token when a position
  /// has no piece or the word is longer than `maxInputCharsPerWord`.
  func cut(_ word: WordBuffer, into out: inout TokenSink) {
    let n = word.count
    guard n > 0 else { return }
    let whole = (word.sourceStarts[0], word.sourceEnds[n - 1])
    if n > maxInputCharsPerWord {
      out.append(unknownId, whole.0, whole.1)
      return
    }
    let mark = out.count
    word.utf8.withUnsafeBufferPointer { bytes in
      var start = 0
      while start < n {
        let table = start == 0 ? firstPieces : laterPieces
        let from = word.byteStarts[start]
        // Candidates longer than the longest key cannot match.
        var end = n
        while end > start, word.byteStarts[end] - from > table.longestKey { end -= 1 }
        var found: Int? = nil
        while end > start {
          found = table.id(bytes, from, word.byteStarts[end])
          if found != nil { break }
          end -= 1
        }
        guard let id = found else {
          out.truncate(to: mark)
          out.append(unknownId, whole.0, whole.1)
          return
        }
        out.append(id, word.sourceStarts[start], word.sourceEnds[end - 1])
        start = end
      }
    }
  }
}

extension WordPiece: Equatable {
  /// Equal settings and vocabulary (the lookup tables follow from them).
  public static func == (a: WordPiece, b: WordPiece) -> Bool {
    a.vocabulary == b.vocabulary && a.unknownToken == b.unknownToken
      && a.continuingSubwordPrefix == b.continuingSubwordPrefix
      && a.maxInputCharsPerWord == b.maxInputCharsPerWord
  }
}

/// One word of normalised text on its way to WordPiece: its UTF-8, where
/// each scalar starts in it, and the source byte range of each scalar.
struct WordBuffer {
  var utf8: [UInt8] = []
  /// Byte offset in `utf8` of each scalar, and `utf8.count` at the end.
  var byteStarts: [Int] = [0]
  var sourceStarts: [Int] = []
  var sourceEnds: [Int] = []

  /// Number of scalars.
  var count: Int { sourceStarts.count }

  mutating func append(_ scalar: UInt32, from start: Int, to end: Int) {
    if scalar < 0x80 {
      utf8.append(UInt8(truncatingIfNeeded: scalar))
    } else {
      for b in UTF8.encode(Unicode.Scalar(scalar)!)! { utf8.append(b) }
    }
    byteStarts.append(utf8.count)
    sourceStarts.append(start)
    sourceEnds.append(end)
  }

  mutating func removeAll() {
    utf8.removeAll(keepingCapacity: true)
    byteStarts.removeAll(keepingCapacity: true)
    byteStarts.append(0)
    sourceStarts.removeAll(keepingCapacity: true)
    sourceEnds.removeAll(keepingCapacity: true)
  }
}

/// Tokens as three parallel arrays: ids and source byte ranges.
struct TokenSink {
  var ids: [Int] = []
  var starts: [Int] = []
  var ends: [Int] = []

  var count: Int { ids.count }

  mutating func append(_ id: Int, _ start: Int, _ end: Int) {
    ids.append(id)
    starts.append(start)
    ends.append(end)
  }

  mutating func truncate(to count: Int) {
    ids.removeSubrange(count...)
    starts.removeSubrange(count...)
    ends.removeSubrange(count...)
  }

  /// The tokens, each with its vocabulary piece.
  func tokens(_ vocabulary: Vocabulary) -> [Token] {
    (0..<ids.count).map {
      Token(id: ids[$0], piece: vocabulary.token(ids[$0]), offsets: starts[$0]..<ends[$0])
    }
  }
}
