import FlarLinAlg
import Testing

@testable import FlarModels

/// The forward pass in groups of sequences, against the whole batch.
///
/// Groups of sequences at once (EncoderModel+Threads.swift) must give the
/// numbers of the whole batch on one thread, dense and low-rank, BERT and
/// MPNet. OpenBLAS may round a row of a narrow product differently when the
/// batch is cut (the file's header), so the bound is rounding: 1e-5 on
/// hidden states (entries reach 10 in MiniLM) after up to 12 blocks, 1e-6
/// on unit-norm embeddings, as `batchingDoesNotChangeEmbeddings` allows; a
/// row in the wrong place or a wrong offset gives errors of 1e-2 or more.
/// The float64 references of BertModelTests, MiniLMTests and MPNetTests
/// check the numbers themselves through `embed`, which groups.
@Suite struct GroupedForwardTests {
  /// The largest absolute difference of two matrices of one shape.
  static func maxDifference(_ a: Matrix<Float>, _ b: Matrix<Float>) -> Float {
    precondition(a.rows == b.rows && a.columns == b.columns)
    return zip(a.storage, b.storage).map { abs($0 - $1) }.max() ?? 0
  }

  /// `model` with its first block's query at rank 3 and its last block's
  /// intermediate layer at rank 12 (factors of a fixed pattern, unit scale).
  static func partlyLowRank(_ model: EncoderModel) throws -> EncoderModel {
    let names = model.linearLayerNames  // forward order, 6 a block
    let perBlock = names.count / model.layers.count
    var m = model
    for (name, k) in [(names[0], 3), (names[names.count - perBlock + 4], 12)] {
      let layer = try m.linear(name)
      let l = Matrix<Float>(
        rows: layer.outFeatures, columns: k,
        storage: (0..<(layer.outFeatures * k)).map { Float(($0 * 37) % 17 - 8) * 0.05 })
      let r = Matrix<Float>(
        rows: k, columns: layer.inFeatures,
        storage: (0..<(k * layer.inFeatures)).map { Float(($0 * 29) % 13 - 6) * 0.05 })
      m = try m.replacing(name, l: l, r: r)
    }
    return m
  }

  /// Every group count gives the whole batch's numbers, and the batch is
  /// really cut into that many groups (up to one per sequence).
  @Test(arguments: ["bert", "mpnet"])
  func everyGroupCountGivesTheWholeBatchsNumbers(family: String) throws {
    let directory = family == "bert" ? ModelFixtures.tinyDirectory : MPNetFixtures.tinyDirectory
    let dense = try EncoderModel.load(directory: directory)
    let sentences = Array(try ModelFixtures.sentences().prefix(24))
    let batch = try dense.encode(sentences, maxLength: 32)
    for model in [dense, try Self.partlyLowRank(dense)] {
      let whole = try model.lastHiddenState(batch, groups: 1)
      for g in [2, 3, 7, 24, 40] {
        #expect(EncoderModel.sequenceGroups(offsets: batch.offsets, count: g).count == min(g, 24))
        let grouped = try model.lastHiddenState(batch, groups: g)
        #expect(Self.maxDifference(grouped, whole) <= 1e-5, "\(g) groups")
      }
      let embedded = try model.embed(batch, batchSize: 10, groups: 2)
      #expect(Self.maxDifference(embedded, try model.embed(batch, groups: 1)) <= 1e-6)
    }
  }

  @Test func miniLMInGroupsGivesTheWholeBatchsNumbers() throws {
    let dense = try MiniLMTests.model.get()
    let sentences = Array(try ModelFixtures.sentences().prefix(32))
    let batch = try dense.encode(sentences, maxLength: 128)
    for model in [dense, try Self.partlyLowRank(dense)] {
      let grouped = try model.lastHiddenState(batch, groups: 2)
      #expect(Self.maxDifference(grouped, try model.lastHiddenState(batch)) <= 1e-5)
    }
  }

  @Test func realMPNetInGroupsGivesTheWholeBatchsNumbers() throws {
    let model = try Self.partlyLowRank(try MPNetFixtures.model.get())
    let batch = try model.encode(Array(try ModelFixtures.sentences().prefix(6)), maxLength: 128)
    let grouped = try model.lastHiddenState(batch, groups: 2)
    #expect(Self.maxDifference(grouped, try model.lastHiddenState(batch)) <= 1e-5)
  }

  /// Groups are contiguous, cover every sequence once, hold about equal
  /// token counts, and each has a token; otherwise one group.
  @Test(arguments: [
    ([0, 3, 6, 9, 12], 2, [0..<2, 2..<4]),
    ([0, 3, 6, 9, 12], 3, [0..<1, 1..<3, 3..<4]),
    ([0, 100, 101, 102], 2, [0..<1, 1..<3]),
    ([0, 2, 4], 5, [0..<1, 1..<2]),
    ([0, 5, 5, 10], 2, [0..<1, 1..<3]),
    ([0, 0, 0, 5], 2, [0..<3]),
    ([0, 0, 0], 2, [0..<2]),
    ([0, 7], 2, [0..<1]),
    ([0], 2, [0..<0]),
  ])
  func sequenceGroupsBalanceTokens(offsets: [Int], count: Int, expected: [Range<Int>]) {
    #expect(EncoderModel.sequenceGroups(offsets: offsets, count: count) == expected)
  }

  /// One group per OpenBLAS thread, never more than the sequences, none
  /// below the measured work threshold.
  @Test func groupCountFollowsThreadsSequencesAndWork() throws {
    let tiny = try EncoderModel.load(directory: ModelFixtures.tinyDirectory)
    let batch = try tiny.encode(Array(try ModelFixtures.sentences().prefix(24)), maxLength: 32)
    #expect(tiny.flopsPerToken * batch.tokenCount >= EncoderModel.groupedForwardMinimumFlops)
    #expect(tiny.forwardGroups(batch, threads: 2) == 2)
    #expect(tiny.forwardGroups(batch, threads: 4) == 4)
    #expect(tiny.forwardGroups(batch, threads: 1) == 1)
    #expect(tiny.forwardGroups(batch.slice(0..<3), threads: 8) == 3)
    #expect(tiny.forwardGroups(batch.slice(0..<1), threads: 2) == 1)
    let small = TokenBatch(sequences: [[2, 5, 3], [2, 6, 3]])
    #expect(tiny.flopsPerToken * small.tokenCount < EncoderModel.groupedForwardMinimumFlops)
    #expect(tiny.forwardGroups(small, threads: 2) == 1)
  }

  /// The embeddings run on the whole batch first, so an error names the
  /// sequence by its index in the batch, not in its group.
  @Test func aBadTokenInALaterGroupIsNamedByItsIndexInTheBatch() throws {
    let model = try EncoderModel.load(directory: ModelFixtures.tinyDirectory)
    let v = model.config.vocabSize
    let batch = TokenBatch(sequences: [[2, 3], [2, 4], [2, 5], [2, 6], [2, v, 3], [2, 7]])
    #expect(
      throws: ModelError.tokenIdOutOfRange(sequence: 4, position: 1, id: v, vocabSize: v)
    ) { try model.lastHiddenState(batch, groups: 3) }
  }
}
