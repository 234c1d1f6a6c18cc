import FlarCore
import FlarLinAlg
import Foundation
import TestSupport
import Testing

@testable import FlarModels

/// fwsvd's Fisher information, its pairs file, and the method itself, on
/// the tiny random BERT.
@Suite struct FisherStatisticsTests {
  static let model = Result { try EncoderModel.load(directory: ModelFixtures.tinyDirectory) }

  @Test func fisherInformationMatchesPyTorchOnTheTinyModel() throws {
    let (pairs, _, _, _) = try FisherFixtures.batch("tiny")
    let expected = try FisherFixtures.arrays("tiny_fisher.npz")
    let f = try Self.model.get().fisherStatistics(pairs, maxLength: 64, batchSize: 3)
    // 7 pairs in batches of 3: [0, 3) and [3, 7), the single last pair merged.
    #expect(f.batchCount == 2 && f.pairCount == 7)
    for (name, want) in expected {
      let got = try f.information(of: name)
      // Sums of squared Float32 gradients, dominated by the large entries.
      // Measured: at most 6.1e-6.
      let problem = TestSupport.closeness(got, want.storage, rtol: 1e-4)
      #expect(problem == nil, "\(name): \(problem ?? "")")
    }
  }

  @Test(arguments: [
    (7, 3, [0..<3, 3..<7]), (6, 3, [0..<3, 3..<6]), (2, 32, [0..<2]), (33, 32, [0..<33]),
    (65, 32, [0..<32, 32..<65]),
  ])
  func aTrailingSinglePairJoinsTheBatchBefore(count: Int, size: Int, expected: [Range<Int>]) {
    #expect(EncoderModel.fisherBatches(count: count, size: size) == expected)
  }

  @Test func onePairHasNoNegativeAndIsRefused() throws {
    let pairs = CalibrationPairs(queries: ["animal"], definitions: ["a living organism"])
    #expect(throws: FisherError.tooFewPairs(count: 1)) {
      _ = try Self.model.get().fisherStatistics(pairs)
    }
  }

  @Test func cancellationStopsBeforeTheNextBatch() throws {
    let (pairs, _, _, _) = try FisherFixtures.batch("tiny")
    let cancel = Cancellation()
    cancel.cancel()
    #expect(throws: CancelledError.self) {
      _ = try Self.model.get().fisherStatistics(pairs, batchSize: 3, cancellation: cancel)
    }
  }

  @Test func nonFiniteGradientNamesLayerAndBatch() {
    var sum = [Double](repeating: 0, count: 2)
    let g = Matrix<Float>([[1, 2], [.nan, 0]])
    #expect(throws: FisherError.nonFiniteGradient(layer: "encoder.layer.1.output.dense", batch: 4))
    {
      try accumulateSquaredColumns(g, into: &sum, layer: "encoder.layer.1.output.dense", batch: 4)
    }
  }

  @Test func squaredColumnsAreAveragedOverRows() throws {
    var sum = [Double](repeating: 1, count: 2)
    try accumulateSquaredColumns(
      Matrix<Float>([[1, 2], [3, 0]]), into: &sum, layer: "", batch: 0)
    #expect(sum == [1 + 5, 1 + 2])
  }

  // MARK: the pairs file

  @Test func pairsFileIsReadWithALimit() throws {
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/pairs.tsv"
      try "inertness\timmobility by virtue of being inert\n\na, b\tc d\r\nx\ty\n"
        .write(toFile: path, atomically: true, encoding: .utf8)
      let all = try CalibrationPairs.load(path)
      #expect(all.queries == ["inertness", "a, b", "x"])
      #expect(all.definitions == ["immobility by virtue of being inert", "c d", "y"])
      #expect(try CalibrationPairs.load(path, limit: 2).count == 2)
    }
  }

  @Test(arguments: [
    ("a\tb\nno tab here\n", 2, "1 tab-separated field(s)"),
    ("a\tb\nc\td\te\n", 2, "3 tab-separated field(s)"),
    ("a\tb\nc\td\n \tdefinition\n", 3, "an empty field"),
  ])
  func malformedPairNamesFileAndLine(text: String, line: Int, detail: String) throws {
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/calib_pairs.tsv"
      try text.write(toFile: path, atomically: true, encoding: .utf8)
      #expect(throws: FisherError.malformedPair(source: path, line: line, detail: detail)) {
        _ = try CalibrationPairs.load(path)
      }
    }
  }

  @Test func missingPairsFileSaysHowToMakeIt() throws {
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/calib_pairs.tsv"
      #expect(throws: FisherError.missingPairsFile(path: path, reason: "No such file or directory"))
      {
        _ = try CalibrationPairs.load(path)
      }
      let message = FisherError.missingPairsFile(path: path, reason: "No such file or directory")
        .description
      #expect(message.contains(path) && message.contains("scripts/setup.sh"))
    }
  }

  // MARK: the method

  /// Pairs for the compression tests: a query of a gloss's first two words
  /// and the gloss (the tiny model has no lemma names to draw on).
  static func pairs(_ sentences: [String]) -> CalibrationPairs {
    CalibrationPairs(
      queries: sentences.map { $0.split(separator: " ").prefix(2).joined(separator: " ") },
      definitions: sentences)
  }

  /// At equal ranks fwsvd's Fisher-weighted error is no larger than SVD's.
  ///
  /// SVD of `W diag(s)` minimises `‖(W − Ŵ) diag(s)‖_F` over rank-k `Ŵ`
  /// (Hsu et al. 2022, §3).
  @Test func fwsvdHasTheLowestFisherWeightedErrorAtEqualRanks() throws {
    let base = try Self.model.get()
    let sentences = Array(try ModelFixtures.sentences().prefix(48))
    let pairs = Self.pairs(sentences)
    var ranks: [String: Int?] = [:]
    for name in base.linearLayerNames { ranks[name] = 8 }
    func compressed(_ method: CompressionMethod) throws -> CompressionResult {
      var o = CompressionOptions()
      o.method = method
      o.fixedRanks = ranks
      o.target = nil
      o.batchSize = 16
      return try Compressor(options: o).run(
        base, calibration: sentences, search: [], pairs: pairs)
    }
    let fw = try compressed(.fwsvd)
    let plain = try compressed(.svd)
    #expect(fw.timings.map(\.stage).contains("fisher"))
    let fisher = try #require(fw.fisher)
    for name in base.linearLayerNames {
      let s = try fisherScales(try fisher.information(of: name))
      let w = try base.linear(name).denseWeight()
      func weightedError(_ m: EncoderModel) throws -> Double {
        let approx = try m.linear(name).denseWeight()
        var e = 0.0
        for i in 0..<w.rows {
          for j in 0..<w.columns {
            let d = Double(w[i, j] - approx[i, j]) * s[j]
            e += d * d
          }
        }
        return e
      }
      let a = try weightedError(fw.model)
      let b = try weightedError(plain.model)
      // Float32 factors: a margin of 1e-5 relative.
      #expect(a <= b * (1 + 1e-5), "\(name): fwsvd \(a) vs svd \(b)")
    }
  }

  @Test func fwsvdWithoutPairsSaysWhatItNeeds() throws {
    var o = CompressionOptions()
    o.method = .fwsvd
    #expect(
      throws: CompressionError.missingOption(option: "calibration pairs (pairs=)", method: "fwsvd")
    ) {
      _ = try Compressor(options: o).run(try Self.model.get(), calibration: ["a b"], search: [])
    }
  }
}
