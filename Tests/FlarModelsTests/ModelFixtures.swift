import FlarLinAlg
import Foundation
import TestSupport
import Testing

@testable import FlarModels

/// The fixtures of Tests/Fixtures/models, written by generate_models.py.
enum ModelFixtures {
  static let formatVersion = 1
  static let generator = "Tests/Fixtures/generate_models.py"

  static func path(_ relative: String) -> String { TestSupport.fixture("models/" + relative) }

  /// all-MiniLM-L6-v2 as scripts/setup.sh installs it.
  static let miniLMDirectory = TestSupport.repositoryRoot
    .appendingPathComponent("models/all-MiniLM-L6-v2").path

  /// The tiny random BERT model directory.
  static let tinyDirectory = path("tiny")

  /// Expects `tokenizer` to give Hugging Face's ids, pieces and byte offsets
  /// (between the specials) for each awkward string, as `cases` (a
  /// `tokens.json`'s "awkward" list) records them.
  static func expectAwkwardStringsMatch(
    _ tokenizer: BertTokenizer, cases: [JSONValue],
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let texts = try awkward()
    #expect(cases.count == texts.count && texts.count >= 20, sourceLocation: sourceLocation)
    for (text, c) in zip(texts, cases) {
      let ids = idLists(c["ids"].map { .array([$0]) }).first ?? []
      #expect(
        try tokenizer.encode(text, maxLength: 128) == ids, "text: \(text.debugDescription)",
        sourceLocation: sourceLocation)
      let pieces = (c["tokens"]?.arrayValue ?? []).compactMap(\.stringValue)
      let offsets = idLists(c["offsets"]).map { $0[0]..<$0[1] }
      let got = tokenizer.tokenize(text).prefix(126)
      let want = zip(pieces, offsets).dropFirst().dropLast()
      #expect(
        got.map(\.piece) == want.map(\.0), "pieces of \(text.debugDescription)",
        sourceLocation: sourceLocation)
      #expect(
        got.map(\.offsets) == want.map(\.1), "offsets of \(text.debugDescription)",
        sourceLocation: sourceLocation)
    }
  }

  /// Parsed JSON of a fixture; checks the manifest's format version first.
  static func json(_ relative: String) throws -> JSONValue {
    try versionedJSON(
      relative, folder: "models", formatVersion: formatVersion, generator: generator)
  }

  /// `folder/relative` parsed, after checking that `folder/manifest.json`
  /// has the format version the tests expect (shared by every fixture folder
  /// whose generator writes a manifest).
  static func versionedJSON(
    _ relative: String, folder: String, formatVersion: Int, generator: String
  ) throws -> JSONValue {
    let manifest = try parseJSON(
      try AtomicFile.read(TestSupport.fixture(folder + "/manifest.json")))
    let version = manifest["format_version"]?.intValue
    guard version == formatVersion else {
      throw FixtureError.missing(
        folder + "/manifest.json",
        "format version \(String(describing: version)), tests expect \(formatVersion); re-run \(generator)"
      )
    }
    return try parseJSON(try AtomicFile.read(TestSupport.fixture(folder + "/" + relative)))
  }

  /// Ragged integer lists such as token ids.
  static func idLists(_ value: JSONValue?) -> [[Int]] {
    (value?.arrayValue ?? []).map { ($0.arrayValue ?? []).compactMap(\.intValue) }
  }

  static func sentences() throws -> [String] {
    let text = String(decoding: try AtomicFile.read(path("sentences.txt")), as: UTF8.self)
    return text.split(separator: "\n").map(String.init)
  }

  static func awkward() throws -> [String] {
    (try json("awkward.json").arrayValue ?? []).compactMap(\.stringValue)
  }

  static func npy(_ relative: String) throws -> Matrix<Double> {
    try TestSupport.fixtureMatrix("models/" + relative)
  }

  /// Largest absolute difference and smallest row cosine between two
  /// matrices of the same shape.
  static func compare(_ a: Matrix<Float>, _ b: Matrix<Double>) -> (maxAbs: Double, minCos: Double) {
    precondition(a.rows == b.rows && a.columns == b.columns)
    var maxAbs = 0.0
    var minCos = 1.0
    for i in 0..<a.rows {
      var dot = 0.0
      var na = 0.0
      var nb = 0.0
      for j in 0..<a.columns {
        let x = Double(a[i, j])
        let y = b[i, j]
        maxAbs = max(maxAbs, abs(x - y))
        dot += x * y
        na += x * x
        nb += y * y
      }
      minCos = min(minCos, dot / max((na * nb).squareRoot(), 1e-300))
    }
    return (maxAbs, minCos)
  }
}
