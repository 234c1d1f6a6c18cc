// The sentence pairs of fwsvd's Fisher loss: `data/calib_pairs.tsv`, one
// "lemmas<TAB>definition" line per calibration synset, in the order of
// `data/calib.txt` (scripts/derive_data.py writes both).

import FlarLinAlg

/// Query/definition pairs for the contrastive Fisher loss.
public struct CalibrationPairs: Sendable, Equatable {
  /// The queries: a synset's lemma names, "inertness, inactivity".
  public var queries: [String]
  /// The definitions (the same text as the synset's calib.txt line).
  public var definitions: [String]

  public init(queries: [String], definitions: [String]) {
    precondition(queries.count == definitions.count, "pairs must have two sides")
    self.queries = queries
    self.definitions = definitions
  }

  /// The number of pairs.
  public var count: Int { queries.count }

  /// Pairs from "query<TAB>definition" lines; blank lines are skipped.
  ///
  /// - Parameters:
  ///   - lines: the lines, without their line ends.
  ///   - source: where they came from, for errors ("data/calib_pairs.tsv",
  ///     or "pairs" for a list given in a script).
  ///   - limit: keep only the first `limit` pairs.
  /// - Throws: `FisherError.malformedPair` naming the source and 1-based
  ///   line; `.noPairs` when none is left.
  public init(lines: [String], source: String, limit: Int? = nil) throws {
    var queries: [String] = []
    var definitions: [String] = []
    for (i, raw) in lines.enumerated() {
      if let limit, queries.count >= limit { break }
      let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : raw
      if line.allSatisfy(\.isWhitespace) { continue }
      let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
      guard fields.count == 2 else {
        throw FisherError.malformedPair(
          source: source, line: i + 1, detail: "\(fields.count) tab-separated field(s)")
      }
      guard !fields[0].allSatisfy(\.isWhitespace), !fields[1].allSatisfy(\.isWhitespace) else {
        throw FisherError.malformedPair(source: source, line: i + 1, detail: "an empty field")
      }
      queries.append(String(fields[0]))
      definitions.append(String(fields[1]))
    }
    guard !queries.isEmpty else { throw FisherError.noPairs(source: source) }
    self.init(queries: queries, definitions: definitions)
  }

  /// Reads a pairs file (UTF-8, "query<TAB>definition" per line).
  ///
  /// - Throws: `FisherError.missingPairsFile` when it cannot be read, and
  ///   the errors of `init(lines:source:limit:)`.
  public static func load(_ path: String, limit: Int? = nil) throws -> CalibrationPairs {
    let bytes: [UInt8]
    do {
      bytes = try AtomicFile.read(path)
    } catch let FileError.cannotOpen(_, reason), let FileError.cannotRead(_, reason) {
      throw FisherError.missingPairsFile(path: path, reason: reason)
    }
    // Split the bytes, not the String: in Swift "\r\n" is one Character,
    // so a String split on "\n" would not split CRLF lines.
    let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
      .map { String(decoding: $0, as: UTF8.self) }
    return try CalibrationPairs(lines: lines, source: path, limit: limit)
  }

  /// The pairs `range` as a set of their own.
  public func slice(_ range: Range<Int>) -> CalibrationPairs {
    CalibrationPairs(
      queries: Array(queries[range]), definitions: Array(definitions[range]))
  }
}

/// Failures of the Fisher statistics and their data.
public enum FisherError: Error, Equatable, CustomStringConvertible {
  case missingPairsFile(path: String, reason: String)
  case malformedPair(source: String, line: Int, detail: String)
  case noPairs(source: String)
  /// The in-batch loss needs at least two pairs (one negative).
  case tooFewPairs(count: Int)
  /// `batch` is 0-based.
  case nonFiniteLoss(batch: Int)
  case nonFiniteGradient(layer: String, batch: Int)

  public var description: String {
    switch self {
    case .missingPairsFile(let p, let why):
      return
        "cannot read calibration pairs \"\(p)\" (\(why)); scripts/setup.sh derives data/calib_pairs.tsv"
    case .malformedPair(let s, let l, let d):
      return "\(s):\(l): expected query<TAB>definition (2 non-empty fields), found \(d)"
    case .noPairs(let s):
      return "\(s) holds no calibration pairs"
    case .tooFewPairs(let n):
      return "the in-batch contrastive loss needs at least 2 pairs, got \(n)"
    case .nonFiniteLoss(let b):
      return "the Fisher loss of batch \(b) is NaN or infinite"
    case .nonFiniteGradient(let l, let b):
      return "the gradient of layer \"\(l)\" in batch \(b) holds NaN or infinity"
    }
  }
}
