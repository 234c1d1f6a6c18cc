import FlarCore
import FlarLinAlg
import TestSupport
import Testing

@testable import FlarModels

/// The compression pipeline on the tiny random BERT (2 layers, H 48, I 96),
/// with ranks in steps of 4 so every layer has several candidates.
@Suite struct CompressionTests {
  static let model = Result { try EncoderModel.load(directory: ModelFixtures.tinyDirectory) }
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

  /// Layers searched two at a time, each on a thread of its own, take the
  /// same priors, probes, values, ranks and work as one at a time.
  ///
  /// Batches of 8 make three search batches, so rounds of two leave one
  /// after them and early exits can happen.
  @Test(arguments: [16, 8])
  func layersSearchedSideBySideMatchOneAtATime(batchSize: Int) throws {
    let one = try run {
      $0.method = .flar
      $0.batchSize = batchSize
      $0.searchThreads = 1
    }
    let two = try run {
      $0.method = .flar
      $0.batchSize = batchSize
      $0.searchThreads = 2
    }
    #expect(two.tau == one.tau)
    #expect(two.forwardPasses == one.forwardPasses)
    #expect(two.layers.count == one.layers.count)
    for (a, b) in zip(one.layers, two.layers) {
      #expect(a.name == b.name)
      #expect(a.searchedRank == b.searchedRank)
      #expect(a.rank == b.rank)
      #expect(a.evaluations == b.evaluations)
      #expect(a.earlyExits == b.earlyExits)
      #expect(a.guidedProbes == b.guidedProbes)
      #expect(a.forwardPasses == b.forwardPasses)
      #expect(a.curve.map(\.rank) == b.curve.map(\.rank))
      #expect(a.curve.map(\.value) == b.curve.map(\.value))
    }
  }

  /// Every linear layer of the tiny BERT with its plain-SVD factors, in
  /// model order: what the side-by-side search tests search.
  static func plainSVDLayers() throws -> [(String, LowRankDecomposition)] {
    let model = try model.get()
    return try model.linearLayerNames.map {
      ($0, try plainSVD(weight: try model.linear($0).denseWeight(), layer: $0))
    }
  }

  /// A fresh end-feature search over the last 24 sentences, batches of 8.
  static func sideBySideSearcher() throws -> LayerRankSearch {
    try LayerRankSearch(
      criterion: .featMSEDense, model: try model.get(),
      sentences: Array(try sentences.get().suffix(24)), step: 4, batchSize: 8)
  }

  /// The side-by-side search itself, on every layer of the tiny BERT with
  /// plain-SVD factors, against one search after another in the same order.
  @Test func sideBySideSearchRunsAndMatchesTheSearchesOneAfterAnother() throws {
    let names = try Self.model.get().linearLayerNames
    let layers = try Self.plainSVDLayers()
    let order = Array(names.indices.reversed())
    let searcher = Self.sideBySideSearcher
    // Random weights are far from low rank: a tolerance that the first
    // layer meets at rank 12 of its 24 leaves some layers dense, not all.
    let tolerance = try searcher().evaluate(names[0], layers[0].1, rank: 12).value
    let sequential = try searcher()
    var expected: [RankSearchResult?] = Array(repeating: nil, count: names.count)
    for i in order {
      expected[i] = try sequential.search(names[i], layers[i].1, tolerance: tolerance)
    }
    let sideBySide = try searcher()
    let found = try #require(
      try sideBySide.searchSideBySide(
        layers, order: order, tolerance: tolerance, threads: 3, progress: SilentProgress(),
        cancellation: nil))
    #expect(sideBySide.forwardPasses == sequential.forwardPasses)
    for (a, b) in zip(expected.map { $0! }, found) {
      #expect(a.rank == b.rank)
      #expect(a.evaluations == b.evaluations)
      #expect(a.earlyExitRanks == b.earlyExitRanks)
      #expect(a.forwardPasses == b.forwardPasses)
      #expect(a.curve.map(\.rank) == b.curve.map(\.rank))
      #expect(a.curve.map(\.value) == b.curve.map(\.value))
    }
    #expect(expected.contains { $0!.rank != nil })
    #expect(expected.contains { $0!.evaluations > 2 })
  }

  /// A cancellation that one of the side-by-side threads meets is the
  /// search's error, whatever the other thread was doing, and nothing hangs.
  @Test func aCancelledSideBySideSearchThrowsCancelled() throws {
    let names = try Self.model.get().linearLayerNames
    let layers = try Self.plainSVDLayers()
    let search = try Self.sideBySideSearcher()
    let stop = Cancellation()
    stop.cancel()
    #expect(throws: CancelledError.self) {
      try search.searchSideBySide(
        layers, order: Array(names.indices), tolerance: 0.05, threads: 2,
        progress: SilentProgress(), cancellation: stop)
    }
  }

  @Test func aLayerThatFailsMidWayStopsTheSideBySideSearchWithItsError() throws {
    let names = try Self.model.get().linearLayerNames
    let layers = try Self.plainSVDLayers()
    // The intermediate layer's factors (96 x 48) given to the last layer of
    // the order, an attention projection (48 x 48): its search starts while
    // others run or have finished, and its first evaluation throws.
    let failing = try #require(names.lastIndex { $0.hasSuffix("attention.self.query") })
    let wrong = try #require(names.firstIndex { $0.hasSuffix("intermediate.dense") })
    var broken = layers
    broken[failing].1 = layers[wrong].1
    let order = Array(names.indices.filter { $0 != failing }) + [failing]
    let searcher = Self.sideBySideSearcher
    let tolerance = try searcher().evaluate(names[0], layers[0].1, rank: 12).value
    let search = try searcher()
    #expect(throws: ModelError.self) {
      try search.searchSideBySide(
        broken, order: order, tolerance: tolerance, threads: 3, progress: SilentProgress(),
        cancellation: nil)
    }
    // The same criterion searches again afterwards, to the ranks a fresh one
    // finds: the failure left nothing half-made behind.
    let again = try #require(
      try search.searchSideBySide(
        layers, order: order, tolerance: tolerance, threads: 3, progress: SilentProgress(),
        cancellation: nil))
    let fresh = try #require(
      try searcher().searchSideBySide(
        layers, order: order, tolerance: tolerance, threads: 3, progress: SilentProgress(),
        cancellation: nil))
    #expect(again.map(\.rank) == fresh.map(\.rank))
  }

  @Test func earlyExitChoosesTheExactBisectionsRanksWithFewerPasses() throws {
    // Plain bisection on both sides: a certified search calibrates its
    // predictions on exact values only, so early exits may reorder its
    // probes (same ranks; `certifiedSearchChoosesTheBisectionsRanks`).
    let exact = try run {
      $0.method = .flar
      $0.criterion = .featMSEDense
      $0.earlyExit = false
      $0.certify = false
    }
    let early = try run {
      $0.method = .flar
      $0.criterion = .featMSEDense
      $0.certify = false
    }
    #expect(early.tau == exact.tau)
    #expect(early.layers.map(\.searchedRank) == exact.layers.map(\.searchedRank))
    #expect(early.layers.map(\.rank) == exact.layers.map(\.rank))
    #expect(early.evaluations == exact.evaluations)
    #expect(exact.earlyExits == 0)
    // The search batches run as many at a time as OpenBLAS has threads, and
    // an early exit is decided at the end of a round: it saves the rounds
    // after its own, and when one round holds every batch (24 search
    // sentences in batches of 16: two) there is nothing to save, so every
    // value is exact.
    if EndFeatureCriterion.roundWidth(2) < 2 {
      #expect(early.earlyExits > 0)
      #expect(early.forwardPasses < exact.forwardPasses)
    } else {
      #expect(early.earlyExits == 0)
      #expect(early.forwardPasses == exact.forwardPasses)
    }
    // Per layer, the passes add up to the search's (the threshold's and the
    // dense reference's are counted in the total only).
    let perLayer = early.layers.reduce(0) { $0 + $1.forwardPasses }
    #expect(perLayer > 0 && perLayer < early.forwardPasses)
    // Visits that did not stop early carry the exact value.
    for (a, b) in zip(early.layers, exact.layers) {
      #expect(a.curve.map(\.rank) == b.curve.map(\.rank))
      for (x, y) in zip(a.curve, b.curve) where x.value <= early.tau! {
        #expect(x.value == y.value)
      }
    }
  }

  @Test(arguments: [0.3, 0.5, 0.7], [SearchCriterion.featMSEDense, .featMSE])
  func certifiedSearchChoosesTheBisectionsRanks(target: Double, criterion: SearchCriterion)
    throws
  {
    let bisection = try run {
      $0.method = .flar
      $0.target = target
      $0.criterion = criterion
      $0.certify = false
    }
    let certified = try run {
      $0.method = .flar
      $0.target = target
      $0.criterion = criterion
    }
    #expect(certified.tau == bisection.tau)
    #expect(certified.layers.map(\.searchedRank) == bisection.layers.map(\.searchedRank))
    #expect(certified.layers.map(\.rank) == bisection.layers.map(\.rank))
    #expect(bisection.layers.allSatisfy { $0.guidedProbes == 0 && !$0.certificationFellBack })
    #expect(certified.layers.contains { $0.guidedProbes > 0 })
    // Every certified answer below the top candidate was evaluated, and so
    // was the candidate a step below it (which failed), unless that is rank 0.
    for layer in certified.layers {
      guard let k = layer.searchedRank else { continue }
      #expect(layer.curve.contains { $0.rank == k })
      if k > 4 { #expect(layer.curve.contains { $0.rank == k - 4 }) }
    }
  }

  @Test func layersTheSearchLeavesDenseStayDenseThroughTheCorrection() throws {
    // At 90 % the tiny model's target is reachable with the layers the
    // search leaves dense kept dense.
    let keep = try run {
      $0.method = .flar
      $0.target = 0.9
    }
    let dense = keep.layers.filter { $0.searchedRank == nil }
    #expect(!dense.isEmpty)
    #expect(!keep.denseLayersRescaled)
    #expect(dense.allSatisfy { $0.rank == nil })
    #expect(Double(keep.linearParamsAfter) <= 0.9 * Double(keep.linearParamsBefore))
    let rescale = try run {
      $0.method = .flar
      $0.target = 0.5
      $0.denseLayers = .rescale
    }
    #expect(rescale.layers.filter { $0.searchedRank == nil }.contains { $0.rank != nil })
    // A tolerance nothing meets leaves every layer dense after the search:
    // the target is then met only by rescaling them, and the result says so.
    let none = try run {
      $0.method = .flar
      $0.tolerance = 1e-30
    }
    #expect(none.layers.allSatisfy { $0.searchedRank == nil })
    #expect(none.denseLayersRescaled)
    #expect(Double(none.linearParamsAfter) <= 0.5 * Double(none.linearParamsBefore))
  }

  @Test func theTwoNormalisersDivideByTheCompressedAndTheDenseMeanSquare() throws {
    let base = try Self.model.get()
    let sentences = Array(try Self.sentences.get().prefix(8))
    let c = try EndFeatureCriterion(base: base, sentences: sentences, batchSize: 8)
    let name = "encoder.layer.1.attention.output.dense"
    let d = try plainSVD(weight: try base.linear(name).denseWeight(), layer: name)
    let f = try d.factors(rank: 8)
    let reference = try c.error(layer: name, factors: f)
    c.normalizer = .dense
    let dense = try c.error(layer: name, factors: f)
    // By hand, in float64.
    let batch = try base.encode(sentences, maxLength: 128)
    let fk = try base.replacing(name, l: f.left.converted(), r: f.right.converted())
      .lastHiddenState(batch)
    let f0 = try base.lastHiddenState(batch)
    var num = 0.0
    var sk = 0.0
    var s0 = 0.0
    for i in 0..<fk.storage.count {
      let a = Double(fk.storage[i])
      let b = Double(f0.storage[i])
      num += (a - b) * (a - b)
      sk += a * a
      s0 += b * b
    }
    #expect(abs(reference - num / sk) <= 1e-9 * reference)
    #expect(abs(dense - num / s0) <= 1e-9 * dense)
    #expect(reference != dense)
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

/// The end-feature criterion caches each layer's input by walking the dense
/// model a block at a time and keeping the block inputs it meets: whatever
/// the order the layers come in, every value is the one a fresh criterion
/// (one walk for that layer alone) gives, bit for bit.
@Suite struct EndFeatureWalkTests {
  /// The memory the criterion may keep: every block's caches, the block
  /// inputs only, or nothing (a walk of the dense model per search).
  static let keptLimits: [String: EndFeatureCriterion.KeptLimits] = [
    "caches": .standard,
    "inputs": .init(inputs: .infinity, caches: 0),
    "nothing": .init(inputs: 0, caches: 0),
  ]

  /// The reference pass keeps inputs and caches as it computes F, which
  /// equals the full forward pass's bit for bit (the base model's own
  /// error is 0), and the values are the same whatever it could keep, and
  /// the full re-runs' (which keep nothing).
  @Test(arguments: ["caches", "inputs", "nothing"])
  func whatTheReferencePassKeepsChangesNoValue(kept: String) throws {
    let model = try CompressionTests.model.get()
    let search = Array(try CompressionTests.sentences.get().suffix(24))
    let criterion = try EndFeatureCriterion(
      base: model, sentences: search, maxLength: 128, batchSize: 16, cancellation: nil,
      limits: Self.keptLimits[kept]!)
    #expect(try criterion.error(of: model) == 0)
    let rerun = try EndFeatureCriterion(base: model, sentences: search, batchSize: 16)
    rerun.suffixEvaluation = false
    for (i, name) in model.linearLayerNames.reversed().enumerated() {
      let factors = try plainSVD(weight: try model.linear(name).denseWeight(), layer: name)
        .factors(rank: 2 + i % 3)
      #expect(
        try criterion.error(layer: name, factors: factors)
          == (try rerun.error(layer: name, factors: factors)), "\(name)")
    }
    #expect(criterion.keepsEveryBlockInput == (kept != "nothing"))
  }

  @Test(arguments: ["forward", "reverse", "shuffled"])
  func valuesDoNotDependOnTheOrderOfTheLayers(order: String) throws {
    let model = try CompressionTests.model.get()
    let search = Array(try CompressionTests.sentences.get().suffix(24))
    var names = model.linearLayerNames
    switch order {
    case "reverse": names.reverse()
    case "shuffled": names = [3, 10, 0, 7, 11, 1, 6, 2, 9, 5, 8, 4].map { names[$0] }
    default: break
    }
    let walked = try EndFeatureCriterion(base: model, sentences: search, batchSize: 16)
    for (i, name) in names.enumerated() {
      let factors = try plainSVD(weight: try model.linear(name).denseWeight(), layer: name)
        .factors(rank: 2 + i % 3)
      let fresh = try EndFeatureCriterion(base: model, sentences: search, batchSize: 16)
      #expect(
        try walked.error(layer: name, factors: factors)
          == (try fresh.error(layer: name, factors: factors)), "\(name)")
    }
  }
}
