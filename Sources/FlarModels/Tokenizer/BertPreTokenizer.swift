// The BERT pre-tokeniser of Hugging Face tokenizers (`BertPreTokenizer`),
// stage 2 of 3: split normalised text into words on whitespace (which is
// dropped) and around punctuation (each punctuation scalar is its own word).

/// Splits normalised text into words.
public struct BertPreTokenizer: Sendable, Equatable {
  public init() {}

  /// The words of `text`, as ranges of indices into `text.scalars`.
  public func split(_ text: NormalizedText) -> [Range<Int>] {
    var words: [Range<Int>] = []
    var start: Int? = nil
    for (i, s) in text.scalars.enumerated() {
      if BertCharacters.isWhitespace(s) {
        if let b = start { words.append(b..<i) }
        start = nil
      } else if BertCharacters.isPunctuation(s) {
        if let b = start { words.append(b..<i) }
        words.append(i..<(i + 1))
        start = nil
      } else if start == nil {
        start = i
      }
    }
    if let b = start { words.append(b..<text.scalars.count) }
    return words
  }
}
