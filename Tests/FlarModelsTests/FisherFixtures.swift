import FlarLinAlg
import Foundation
import TestSupport

@testable import FlarModels

/// The fixtures of Tests/Fixtures/fisher, written by generate_fisher.py
/// (PyTorch float64 autograd on a padded batch).
enum FisherFixtures {
  static let formatVersion = 1
  static let generator = "Tests/Fixtures/generate_fisher.py"

  static func path(_ relative: String) -> String { TestSupport.fixture("fisher/" + relative) }

  /// Parsed JSON of a fixture; checks the manifest's format version first.
  static func json(_ relative: String) throws -> JSONValue {
    try ModelFixtures.versionedJSON(
      relative, folder: "fisher", formatVersion: formatVersion, generator: generator)
  }

  /// The pairs, their token ids as the generator's tokenizer made them, and
  /// the loss of the fixture `name` ("tiny" or "minilm").
  static func batch(_ name: String) throws -> (
    pairs: CalibrationPairs, queryIds: [[Int]], definitionIds: [[Int]], loss: Double
  ) {
    let j = try json(name + ".json")
    let pairs = (j["pairs"]?.arrayValue ?? []).map {
      ($0.arrayValue ?? []).compactMap(\.stringValue)
    }
    return (
      CalibrationPairs(queries: pairs.map { $0[0] }, definitions: pairs.map { $0[1] }),
      ModelFixtures.idLists(j["query_ids"]), ModelFixtures.idLists(j["definition_ids"]),
      j["loss"]?.doubleValue ?? .nan
    )
  }

  /// The arrays of an `.npz` fixture as Double matrices (1-D arrays as rows).
  static func arrays(_ relative: String) throws -> [String: Matrix<Double>] {
    try TestSupport.fixtureArchive("fisher/" + relative).mapValues { try $0.matrix() }
  }
}
