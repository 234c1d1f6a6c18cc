import FlarLinAlg
import Foundation
import TestSupport
import Testing

@testable import FlarModels

/// Replacement by low-rank factors, hooks, suffix evaluation and saving, on
/// the tiny random BERT.
@Suite struct LowRankTests {
  static func factors(out: Int, in n: Int, rank k: Int, seed: UInt64) -> (
    Matrix<Float>, Matrix<Float>
  ) {
    var state = seed
    func next() -> Float {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Float(Int64(bitPattern: state >> 11) % 2000 - 1000) / 5000
    }
    let l = Matrix<Float>(rows: out, columns: k, storage: (0..<(out * k)).map { _ in next() })
    let r = Matrix<Float>(rows: k, columns: n, storage: (0..<(k * n)).map { _ in next() })
    return (l, r)
  }

  static func compressed() throws -> EncoderModel {
    let base = try BertModelTests.model.get()
    let (l, r) = factors(out: 96, in: 48, rank: 7, seed: 1)
    let (l2, r2) = factors(out: 48, in: 48, rank: 5, seed: 2)
    return try base.replacing("encoder.layer.0.intermediate.dense", l: l, r: r)
      .replacing("encoder.layer.1.attention.self.key", l: l2, r: r2)
  }

  @Test func lowRankLayerComputesLTimesRxPlusBias() throws {
    let model = try Self.compressed()
    let layer = try model.linear("encoder.layer.0.intermediate.dense")
    guard case .lowRank(let l, let r) = layer.weights else {
      Issue.record("layer is not low-rank")
      return
    }
    let x9 = Matrix<Float>(
      rows: 9, columns: 48, storage: (0..<(9 * 48)).map { Float($0 % 17) / 17 - 0.4 })
    let y = try layer(x9)
    // By hand in Double: y = L (R x) + b for each token row x.
    var expected: [Double] = []
    for t in 0..<9 {
      let rx = (0..<7).map { a in (0..<48).reduce(0.0) { $0 + Double(r[a, $1]) * Double(x9[t, $1]) }
      }
      for o in 0..<96 {
        expected.append((0..<7).reduce(Double(layer.bias[o])) { $0 + Double(l[o, $1]) * rx[$1] })
      }
    }
    // Float32 sums of 48 then 7 products against Double: entries near zero
    // lose relative accuracy to cancellation, so 1e-4 rather than the 1e-5
    // Float32 default (the worst case seen is 1.2e-5).
    #expect(TestSupport.closeness(y.storage.map(Double.init), expected, rtol: 1e-4) == nil)
    #expect(layer.rank == 7 && layer.parameterCount == 7 * (96 + 48) + 96)
    #expect(layer.flopsPerToken == 2 * 7 * (96 + 48))
  }

  @Test func replacingLeavesTheOriginalUnchanged() throws {
    let base = try BertModelTests.model.get()
    let before = try base.lastHiddenState(try BertModelTests.batch())
    let model = try Self.compressed()
    #expect(try base.linear("encoder.layer.0.intermediate.dense").rank == nil)
    let after = try base.lastHiddenState(try BertModelTests.batch())
    let changed = try model.lastHiddenState(try BertModelTests.batch())
    #expect(after == before)
    #expect(changed != before)
    #expect(model.parameterCount == base.parameterCount - (96 * 48 - 7 * 144) - (48 * 48 - 5 * 96))
  }

  @Test func factorsOfWrongShapeAreRejected() throws {
    let base = try BertModelTests.model.get()
    let (l, r) = Self.factors(out: 96, in: 40, rank: 3, seed: 4)
    #expect(
      throws: ModelError.factorShapeMismatch(
        layer: "encoder.layer.0.intermediate.dense", out: 96, in: 48, l: [96, 3], r: [3, 40])
    ) { try base.replacing("encoder.layer.0.intermediate.dense", l: l, r: r) }
  }

  @Test(arguments: [
    "encoder.layer.0.attention.self.query", "encoder.layer.0.attention.output.dense",
    "encoder.layer.0.intermediate.dense", "encoder.layer.1.output.dense",
  ])
  func suffixEvaluationEqualsFullRun(layer: String) throws {
    let base = try BertModelTests.model.get()
    let batch = try BertModelTests.batch()
    let cache = try base.cacheInput(of: layer, batch: batch)
    let old = try base.linear(layer)
    let (l, r) = Self.factors(out: old.outFeatures, in: old.inFeatures, rank: 4, seed: 5)
    let replaced = try base.replacing(layer, l: l, r: r)
    let suffix = try replaced.evaluateSuffix(from: cache)
    let full = try replaced.lastHiddenState(batch)
    #expect(suffix == full)
    let unchangedSuffix = try base.evaluateSuffix(from: cache)
    let unchangedFull = try base.lastHiddenState(batch)
    #expect(unchangedSuffix == unchangedFull)
  }

  /// The search caches layer inputs by walking the dense model a block at a
  /// time (`cacheBlock`); each cached input and residual must be the prefix
  /// run's, bit for bit, on BERT and on MPNet (whose blocks read a relative
  /// position bias).
  @Test(arguments: ["bert", "mpnet"])
  func blockWalkCachesEqualPrefixCaches(family: String) throws {
    let model: EncoderModel
    let batch: TokenBatch
    if family == "bert" {
      model = try BertModelTests.model.get()
      batch = try BertModelTests.batch()
    } else {
      model = try EncoderModel.load(directory: MPNetFixtures.tinyDirectory)
      batch = TokenBatch(
        sequences: ModelFixtures.idLists(try MPNetFixtures.json("tiny_tokens.json")["sentences"]),
        paddingId: 1)
    }
    var x = try model.blockZeroInput(batch)
    for block in 0..<model.layers.count {
      let cached = try model.cacheBlock(block, input: x, offsets: batch.offsets)
      for name in model.linearLayerNames where try model.inputPoint(of: name).block == block {
        let (_, point) = try model.inputPoint(of: name)
        let walked = cached.layerCache(name, point: point)
        let prefix = try model.cacheInput(of: name, batch: batch)
        #expect(walked.point == prefix.point, "\(name)")
        #expect(walked.input == prefix.input, "\(name)")
        #expect(walked.residual == prefix.residual, "\(name)")
      }
      let next = try model.runBlock(block, input: x, offsets: batch.offsets)
      #expect(next == cached.output)
      x = next
    }
    #expect(x == (try model.lastHiddenState(batch)))
  }

  @Test func hooksReportSharedQKVInputOnceAndMatchCachedInputs() throws {
    let base = try BertModelTests.model.get()
    let batch = try BertModelTests.batch()
    var seen: [[String]] = []
    var intermediate1: Matrix<Float>? = nil
    try base.hook([batch.slice(0..<10), batch.slice(10..<24)], layers: "*") { b in
      seen.append(b.names)
      #expect(b.input.columns == (b.point == .intermediateOutput ? 96 : 48))
      if b.names == ["encoder.layer.1.intermediate.dense"] && b.input.rows > 0
        && intermediate1 == nil
      {
        intermediate1 = b.input
      }
    }
    #expect(seen.count == 2 * 2 * 4)
    #expect(seen[0].map { $0.split(separator: ".").last! } == ["query", "key", "value"])
    let cache = try base.cacheInput(
      of: "encoder.layer.1.intermediate.dense", batch: batch.slice(0..<10))
    #expect(intermediate1 == cache.input)

    var keys: [[String]] = []
    try base.hook([batch], layers: "encoder.layer.0.attention.self.k*") { keys.append($0.names) }
    #expect(keys == [["encoder.layer.0.attention.self.key"]])
  }

  @Test func saveThenLoadGivesBitIdenticalOutputs() throws {
    let model = try Self.compressed()
    let batch = try BertModelTests.batch()
    try TestSupport.withTemporaryDirectory { dir in
      let out = dir + "/tiny-flar"
      try model.save(to: out)
      try model.save(to: out)  // replacing an existing directory works too
      let config = try parseJSON(try AtomicFile.read(out + "/config.json"))
      #expect(
        config["flar"]?["low_rank"]
          == .object([
            ("encoder.layer.0.intermediate.dense", JSONValue(integer: 7)),
            ("encoder.layer.1.attention.self.key", JSONValue(integer: 5)),
          ]))
      let loaded = try EncoderModel.load(directory: out)
      let reloaded = try loaded.lastHiddenState(batch)
      let original = try model.lastHiddenState(batch)
      #expect(reloaded == original)
      let layersReloaded = try loaded.linearLayers()
      let layersOriginal = try model.linearLayers()
      #expect(layersReloaded == layersOriginal)
      #expect(loaded.parameterCount == model.parameterCount)
      #expect(loaded.tokenizer?.vocabulary == model.tokenizer?.vocabulary)
      let left = try FileManager.default.contentsOfDirectory(atPath: dir)
      #expect(left == ["tiny-flar"], "no staging directory is left behind")
    }
  }
}

@Suite struct LayerSuffixEvaluatorTests {
  @Test func evaluatorMatchesFullRunsAndErrorShrinksWithRank() throws {
    let base = try BertModelTests.model.get()
    let batch = try BertModelTests.batch()
    let batches = [batch.slice(0..<12), batch.slice(12..<24)]
    let name = "encoder.layer.0.intermediate.dense"
    let evaluator = try LayerSuffixEvaluator(model: base, layer: name, batches: batches)
    #expect(evaluator.reference[1] == (try base.lastHiddenState(batches[1])))
    // Truncations of the exact dense weight: W = W[:, :] as L = W, R = I.
    let w = try base.linear(name).denseWeight()  // (96, 48)
    let exact = try evaluator.endFeatures(l: w, r: Matrix<Float>.identity(48))
    #expect(evaluator.meanSquaredError(exact) < 1e-10)
    let (l, r) = LowRankTests.factors(out: 96, in: 48, rank: 3, seed: 9)
    let rough = try evaluator.endFeatures(l: l, r: r)
    let full = try base.replacing(name, l: l, r: r).lastHiddenState(batches[0])
    #expect(rough[0] == full)
    #expect(evaluator.meanSquaredError(rough) > 1e-4)
  }
}
