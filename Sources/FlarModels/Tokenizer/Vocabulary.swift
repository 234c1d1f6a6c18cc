// A WordPiece vocabulary: token strings and their ids.

import FlarCore
import FlarLinAlg

/// Token ↔ id maps read from `vocab.txt` (one token per line, id = line
/// number) or from `tokenizer.json`'s `model.vocab`.
public struct Vocabulary: Sendable, Equatable {
  /// Tokens by id.
  public let tokens: [String]
  private let ids: [String: Int]

  /// A vocabulary from tokens in id order.
  ///
  /// - Throws: `TokenizerError.duplicateToken` when a token appears twice.
  public init(tokens: [String], source: String = "vocabulary") throws {
    var ids: [String: Int] = [:]
    ids.reserveCapacity(tokens.count)
    for (i, t) in tokens.enumerated() {
      if let first = ids[t] {
        throw TokenizerError.duplicateToken(path: source, token: t, firstId: first, secondId: i)
      }
      ids[t] = i
    }
    self.tokens = tokens
    self.ids = ids
  }

  /// Reads `vocab.txt`: one token per line, `\n` or `\r\n` line ends.
  ///
  /// - Throws: `FileError` when unreadable, `TokenizerError` when malformed.
  public static func read(vocabTxt path: String) throws -> Vocabulary {
    let bytes = try AtomicFile.read(path)
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw TokenizerError.invalidUTF8(path: path)
    }
    var lines = textLines(text).map(String.init)
    if lines.last == "" { lines.removeLast() }
    return try Vocabulary(tokens: lines, source: path)
  }

  /// Reads `model.vocab` (token → id) of a parsed `tokenizer.json`.
  public static func fromTokenizerJSON(_ json: JSONValue, path: String) throws -> Vocabulary {
    guard let pairs = json["model"]?["vocab"]?.objectValue else {
      throw TokenizerError.badSettings(path: path, detail: "no \"model.vocab\" object")
    }
    var tokens = [String?](repeating: nil, count: pairs.count)
    for (token, value) in pairs {
      guard let id = value.intValue, id >= 0, id < pairs.count, tokens[id] == nil else {
        throw TokenizerError.badSettings(
          path: path, detail: "id of \"\(token)\" is not a unique integer below \(pairs.count)")
      }
      tokens[id] = token
    }
    return try Vocabulary(tokens: tokens.map { $0! }, source: path)
  }

  /// Number of tokens.
  public var count: Int { tokens.count }

  /// The id of `token`, or nil.
  public func id(_ token: String) -> Int? { ids[token] }

  /// The token of `id`.
  public func token(_ id: Int) -> String { tokens[id] }
}
