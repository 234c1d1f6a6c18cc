import FlarCore
import FlarLinAlg
import TestSupport
import Testing

@testable import FlarModels

/// The compression pipeline on the tiny random BERT (2 layers, H 48, I 96),
/// with ranks in steps of 4 so every layer has several candidates.
@Suite struct CompressionTests {
  static let model = Result { try BertModel.load(directory: ModelFixtures.tinyDirectory) }
  static let sentences = Result { try ModelFixtures.sentences() }

  func run(_ configure: (inout CompressionOptions) -> Void) throws -> CompressionResult {
    var options = CompressionOptions()
    options.step = 4
    options.batchSize = 16
    configure(&options)
    let all = try Self.sentences.get()
    let calibration = Array(all.prefix(96))
    return try Compressor(options: options).run(
      try Self.model.get(), calibration: calibration, search: Array(all.suffix(24)),
      pairs: FisherStatisticsTests.pairs(calibration))
  }

  @Test(arguments: CompressionMethod.allCases, [0.3, 0.5, 0.7])
  func everyMethodMeetsItsTargetWithinOneStepPerLayer(method: CompressionMethod, target: Double)
    throws
  {
    let r = try run {
      $0.method = method
      $0.target = target
    }
    let budget = Double(r.linearParamsBefore) * target
    #expect(Double(r.linearParamsAfter) <= budget)
    // The miss is at most one rank step (4 (m + n) weights) per layer, plus
    // the biases, which are kept and counted in both totals.
    let slack = r.layers.reduce(0) { $0 + 4 * ($1.outFeatures + $1.inFeatures) + $1.outFeatures }
    if method != .flar || r.layers.allSatisfy({ $0.latency == nil }) {
      #expect(budget - Double(r.linearParamsAfter) <= Double(slack))
    }
    #expect(r.layers.allSatisfy { ($0.rank ?? 0) % 4 == 0 })
    // The model really is what the result says.
    #expect(r.model.parameterCount == r.modelParamsAfter)
    for layer in r.layers {
      #expect(try r.model.linear(layer.name).rank == layer.rank)
    }
  }

  @Test func suffixAndFullRerunSearchesChooseIdenticalRanksAndValues() throws {
    let suffix = try run { $0.method = .flar }
    let full = try run {
      $0.method = .flar
      $0.suffixEvaluation = false
    }
    #expect(suffix.tau == full.tau)
    #expect(suffix.layers.map(\.searchedRank) == full.layers.map(\.searchedRank))
    #expect(suffix.layers.map(\.rank) == full.layers.map(\.rank))
    for (a, b) in zip(suffix.layers, full.layers) {
      #expect(a.curve.map(\.rank) == b.curve.map(\.rank))
      #expect(a.curve.map(\.value) == b.curve.map(\.value))
    }
    // The saving shows on MiniLM (flar-bench compress --full-rerun); counted
    // per block, a 2-block model with one batch per layer cache saves nothing.
    #expect(suffix.forwardPasses > 0 && full.forwardPasses > 0)
  }

  @Test func whitenedFactorsHaveLowerCalibrationErrorThanPlainSVDAtEqualRanks() throws {
    let plain = try run { $0.method = .svd }
    let whitened = try run { $0.method = .svdLLM }
    #expect(plain.layers.map(\.rank) == whitened.layers.map(\.rank))
    let all = try Self.sentences.get()
    let stats = try Self.model.get().calibrate(Array(all.prefix(96)), batchSize: 16)
    let base = try Self.model.get()
    let e1 = try plain.model.calibrationOutputErrors(reference: base, statistics: stats)
    let e2 = try whitened.model.calibrationOutputErrors(reference: base, statistics: stats)
    // SVD-LLM's factorisation minimises exactly this error layer by layer.
    for (a, b) in zip(e1, e2) where a.error > 0 {
      #expect(b.error <= a.error * (1 + 1e-9), "\(a.layer): \(b.error) vs \(a.error)")
    }
  }

  @Test func fixedRanksAreUsedAsGiven() throws {
    let names = try Self.model.get().linearLayerNames
    var ranks: [String: Int?] = [:]
    for (i, name) in names.enumerated() { ranks[name] = i % 3 == 0 ? nil : 4 * (1 + i % 3) }
    let r = try run {
      $0.method = .svdLLM
      $0.fixedRanks = ranks
      $0.target = nil
    }
    for layer in r.layers { #expect(layer.rank == ranks[layer.name]!) }
  }

  @Test func aFlopTargetAsksMoreOfTheLinearLayersThanAParameterTarget() throws {
    let byParams = try run {
      $0.method = .svd
      $0.target = 0.6
    }
    let byFlops = try run {
      $0.method = .svd
      $0.target = 0.6
      $0.measure = .flops
    }
    #expect(byFlops.linearParamsAfter <= byParams.linearParamsAfter)
  }

  @Test func endFeatureErrorVanishesAtFullRank() throws {
    let base = try Self.model.get()
    let c = try EndFeatureCriterion(
      base: base, sentences: Array(try Self.sentences.get().prefix(8)), batchSize: 8)
    let name = "encoder.layer.0.intermediate.dense"
    let d = try plainSVD(weight: try base.linear(name).denseWeight(), layer: name)
    let full = try c.error(layer: name, factors: d.factors(rank: d.maxRank))
    let low = try c.error(layer: name, factors: d.factors(rank: 4))
    // Float32 forward pass: full rank reproduces the layer to rounding.
    #expect(full < 1e-9)
    #expect(low > full)
  }

  @Test func badTargetIsRejected() {
    #expect(throws: CompressionError.badTarget(1.5)) {
      _ = try run { $0.target = 1.5 }
    }
  }
}
