import FlarLinAlg
import Foundation
import TestSupport
import Testing

@testable import FlarModels

/// The backward pass (EncoderModel+Backward, EncoderLayer+Backward,
/// EncoderBackwardOps) against PyTorch float64 autograd on a padded batch.
///
/// Tolerances: flar runs in Float32 and PyTorch in float64, so the
/// difference is Float32 rounding carried through the forward and backward
/// passes. Relative errors are judged against `max(|expected|, 1e-3 ·
/// max|expected|)` (TestSupport.worstRelativeError). Measured worst cases
/// are noted at each check.
@Suite struct BertBackwardTests {
  static let tiny = Result { try EncoderModel.load(directory: ModelFixtures.tinyDirectory) }

  static func contrastive(_ e: Matrix<Float>) -> (value: Double, gradient: Matrix<Float>) {
    MultipleNegativesRankingLoss(scale: 20).valueAndGradient(e)
  }

  static func packed(_ queries: [[Int]], _ definitions: [[Int]]) -> TokenBatch {
    TokenBatch(sequences: queries + definitions)
  }

  @Test func tinyTokenizerGivesTheGeneratorsIds() throws {
    let (pairs, q, d, _) = try FisherFixtures.batch("tiny")
    let model = try Self.tiny.get()
    #expect(try model.encode(pairs.queries, maxLength: 64).sequences == q)
    #expect(try model.encode(pairs.definitions, maxLength: 64).sequences == d)
    // Different lengths on both sides, so packing and pooling are exercised.
    #expect(Set(q.map(\.count)).count > 3 && Set(d.map(\.count)).count > 3)
  }

  @Test func lossAndEveryWeightGradientMatchPyTorchOnTheTinyModel() throws {
    let (_, q, d, expectedLoss) = try FisherFixtures.batch("tiny")
    let expected = try FisherFixtures.arrays("tiny_grads.npz")
    let model = try Self.tiny.get()
    let g = try model.weightGradients(Self.packed(q, d), loss: Self.contrastive)
    // Measured: 1.6e-7 relative.
    #expect(
      TestSupport.relativeError(g.loss, expectedLoss) <= 1e-5, "loss \(g.loss) vs \(expectedLoss)")
    #expect(g.byLayer.count == 12)
    for name in model.linearLayerNames {
      let got: Matrix<Double> = try #require(g.byLayer[name]).converted()
      let want = try #require(expected[name])
      // The whole gradient: ‖g − g_ref‖_F / ‖g_ref‖_F. Measured 1.3e-6 to
      // 2.5e-6; PyTorch's own float32 autograd on this batch is 1.3e-6 to
      // 2.3e-6 from float64.
      var difference = want
      for i in difference.storage.indices { difference.storage[i] -= got.storage[i] }
      let frobenius = (difference.squaredFrobeniusNorm / want.squaredFrobeniusNorm).squareRoot()
      #expect(frobenius <= 2e-5, "\(name): relative Frobenius error \(frobenius)")
      // Entry by entry (floor 1e-3 of the largest entry): measured at most
      // 9.4e-4; PyTorch float32 reaches 9.6e-4 here (the random tiny model's
      // embeddings are close, and the softmax differences cancel digits).
      let problem = TestSupport.closeness(got, want, rtol: 2e-3)
      #expect(problem == nil, "\(name): \(problem ?? "")")
    }
  }

  @Test func gradientsOfSomeLayersEqualThoseOfTheFullBackwardPass() throws {
    let (_, q, d, _) = try FisherFixtures.batch("tiny")
    let model = try Self.tiny.get()
    let all = try model.weightGradients(Self.packed(q, d), loss: Self.contrastive)
    let names: Set = ["encoder.layer.1.attention.self.key", "encoder.layer.1.output.dense"]
    let some = try model.weightGradients(Self.packed(q, d), layers: names, loss: Self.contrastive)
    #expect(Set(some.byLayer.keys) == names)
    // The same arithmetic on both paths, but not always the same bits: the
    // test process's other tests split OpenBLAS to one thread at a time
    // (`BLASThreads.split` is process-wide), and a weight gradient's GEMM
    // computed at one thread and at two may round differently. One such
    // difference failed a full-suite run; alone the two agree bit for bit.
    for name in names {
      let got: Matrix<Double> = try #require(some.byLayer[name]).converted()
      let want: Matrix<Double> = try #require(all.byLayer[name]).converted()
      #expect(TestSupport.closeness(got, want, rtol: 1e-5) == nil, "\(name)")
    }
    #expect(TestSupport.relativeError(some.loss, all.loss) <= 1e-6)
  }

  @Test func keptForwardPassGivesTheModelsOwnLastHiddenState() throws {
    let (_, q, d, _) = try FisherFixtures.batch("tiny")
    let model = try Self.tiny.get()
    let batch = Self.packed(q, d)
    var x = try model.run(batch, through: 0, tap: nil)
    for (i, layer) in model.layers.enumerated() {
      x = try layer.forwardKeepingActivations(x, offsets: batch.offsets, block: i).output
    }
    let reference: Matrix<Double> = try model.lastHiddenState(batch).converted()
    // Same formulas in Float32; only the order of a few sums may differ.
    #expect(TestSupport.closeness(x.converted(), reference, rtol: 1e-5) == nil)
  }

  @Test func contrastiveLossGradientMatchesCentralDifferences() throws {
    // 3 pairs of unit vectors in R^4; the loss in Double, perturbed per entry.
    var e = Matrix<Float>(rows: 6, columns: 4)
    for i in 0..<6 {
      let row = (0..<4).map { Float(sin(Double(7 * i + 3 * $0 + 1))) }
      let norm = row.map { $0 * $0 }.reduce(0, +).squareRoot()
      for j in 0..<4 { e[i, j] = row[j] / norm }
    }
    let loss = MultipleNegativesRankingLoss(scale: 20)
    let (_, g) = loss.valueAndGradient(e)
    let step: Float = 1e-2
    for i in 0..<6 {
      for j in 0..<4 {
        var plus = e
        var minus = e
        plus[i, j] += step
        minus[i, j] -= step
        let numeric =
          (loss.valueAndGradient(plus).value - loss.valueAndGradient(minus).value)
          / Double(2 * step)
        // Central differences in Float inputs: O(step²) error.
        #expect(abs(numeric - Double(g[i, j])) <= 2e-3 * max(1, abs(numeric)), "(\(i), \(j))")
      }
    }
  }

  @Test func symmetricLossIsTheMeanOfBothDirections() {
    // Two pairs of unit vectors: S = 20 [[a₁·p₁, a₁·p₂], [a₂·p₁, a₂·p₂]] = 20 [[1, 0], [0.6, 0.8]].
    let e = Matrix<Float>([[1, 0], [0.6, 0.8], [1, 0], [0, 1]])
    let s = [[20.0, 0.0], [12.0, 16.0]]
    func ce(_ row: [Double], _ target: Int) -> Double {
      log(row.map { exp($0) }.reduce(0, +)) - row[target]
    }
    let rows = (ce(s[0], 0) + ce(s[1], 1)) / 2
    let columns = (ce([s[0][0], s[1][0]], 0) + ce([s[0][1], s[1][1]], 1)) / 2
    let value = MultipleNegativesRankingLoss(scale: 20).valueAndGradient(e).value
    // 0.6 and 0.8 are rounded to Float on the way in: 1e-8 relative.
    #expect(abs(value - (rows + columns) / 2) <= 1e-6)
  }

  @Test func lowRankLayerIsRejectedWithItsName() throws {
    let (_, q, d, _) = try FisherFixtures.batch("tiny")
    let model = try LowRankTests.compressed()
    #expect(throws: BackwardError.lowRankLayer(name: "encoder.layer.0.intermediate.dense", rank: 7))
    {
      _ = try model.weightGradients(Self.packed(q, d), loss: Self.contrastive)
    }
  }

  /// One default batch (32 pairs of data/calib_pairs.tsv) on the real
  /// model: the whole gradients would be 88 MB, so the fixture holds per
  /// layer the mean squared gradient of each input channel (what fwsvd
  /// uses) and of each output row, and the first row.
  @Test func miniLMBatchGradientMatchesPyTorch() throws {
    let model = try MiniLMTests.model.get()
    let (pairs, q, d, expectedLoss) = try FisherFixtures.batch("minilm")
    #expect(try model.encode(pairs.queries, maxLength: 128).sequences == q)
    #expect(try model.encode(pairs.definitions, maxLength: 128).sequences == d)
    let expected = try FisherFixtures.arrays("minilm_grads.npz")
    let g = try model.weightGradients(Self.packed(q, d), loss: Self.contrastive)
    // Measured: 1.8e-7 relative.
    #expect(
      TestSupport.relativeError(g.loss, expectedLoss) <= 1e-5, "loss \(g.loss) vs \(expectedLoss)")
    for name in model.linearLayerNames {
      let w = try #require(g.byLayer[name])
      var columns = [Double](repeating: 0, count: w.columns)
      var rows = [Double](repeating: 0, count: w.rows)
      for i in 0..<w.rows {
        for j in 0..<w.columns {
          let v = Double(w[i, j])
          columns[j] += v * v / Double(w.rows)
          rows[i] += v * v / Double(w.columns)
        }
      }
      let firstRow = (0..<w.columns).map { Double(w[0, $0]) }
      // Measured over the 36 layers: colms at most 3.9e-6, rowms 1.6e-5,
      // row0 7.7e-4 (single entries, floor 1e-3 of the row's largest).
      for (kind, got, rtol) in [
        ("colms", columns, 1e-4), ("rowms", rows, 2e-4), ("row0", firstRow, 2e-3),
      ] {
        let want = try #require(expected[name + "." + kind]).storage
        let problem = TestSupport.closeness(got, want, rtol: rtol)
        #expect(problem == nil, "\(name).\(kind): \(problem ?? "")")
      }
    }
  }
}
