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
public struct WordPiece: Sendable, Equatable {
  public let vocabulary: Vocabulary
  /// The token standing for a word that cannot be cut (`[UNK]`).
  public let unknownToken: String
  /// Prefix of every piece that continues a word (`##`).
  public let continuingSubwordPrefix: String
  /// Words longer than this many scalars become `unknownToken` (100).
  public let maxInputCharsPerWord: Int
  private let unknownId: Int

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
  }

  /// The tokens of one word: `scalars` with their source byte ranges.
  public func tokenize(
    _ scalars: ArraySlice<Unicode.Scalar>, sourceRanges: ArraySlice<Range<Int>>
  ) -> [Token] {
    guard let first = sourceRanges.first, let last = sourceRanges.last else { return [] }
    let whole = first.lowerBound..<last.upperBound
    if scalars.count > maxInputCharsPerWord {
      return [Token(id: unknownId, piece: unknownToken, offsets: whole)]
    }
    var tokens: [Token] = []
    var start = scalars.startIndex
    while start < scalars.endIndex {
      var end = scalars.endIndex
      var found: Token? = nil
      while start < end {
        var piece = start > scalars.startIndex ? continuingSubwordPrefix : ""
        piece.unicodeScalars.append(contentsOf: scalars[start..<end])
        if let id = vocabulary.id(piece) {
          let range = sourceRanges[start].lowerBound..<sourceRanges[end - 1].upperBound
          found = Token(id: id, piece: piece, offsets: range)
          break
        }
        end -= 1
      }
      guard let token = found else {
        return [Token(id: unknownId, piece: unknownToken, offsets: whole)]
      }
      tokens.append(token)
      start = end
    }
    return tokens
  }
}
