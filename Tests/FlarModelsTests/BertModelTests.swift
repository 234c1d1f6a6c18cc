import FlarCore
import FlarLinAlg
import Foundation
import TestSupport
import Testing

@testable import FlarModels

/// The runtime on the tiny random BERT (2 layers, H 48, A 4, I 96, eps 1e-5)
/// against the generator's float64 NumPy forward pass.
///
/// Tolerance: Float32 activations of unit scale through 2 blocks; the
/// float64 reference differs by rounding only, ~1e-6, so 1e-4 absolute
/// leaves a wide margin without hiding a wrong op (those give errors ≥ 1e-2).
@Suite struct BertModelTests {
  static let model = Result { try EncoderModel.load(directory: ModelFixtures.tinyDirectory) }

  static func batch() throws -> TokenBatch {
    TokenBatch(
      sequences: ModelFixtures.idLists(try ModelFixtures.json("tiny_tokens.json")["sentences"]))
  }

  @Test func configIsReadFromConfigJSON() throws {
    let c = try Self.model.get().config
    #expect(
      [c.hiddenSize, c.numHiddenLayers, c.numAttentionHeads, c.intermediateSize, c.headSize]
        as [Int]
        == [48, 2, 4, 96, 12])
    #expect(c.layerNormEps == 1e-5)
  }

  @Test func tokenizerMatchesHuggingFaceOnTinyVocabulary() throws {
    let model = try Self.model.get()
    let sentences = Array(try ModelFixtures.sentences().prefix(24))
    let got = try model.tokenizer!.encode(sentences, maxLength: 32)
    let expected = try Self.batch().sequences
    #expect(got.sequences == expected)
  }

  @Test func lastHiddenStateMatchesFloat64Reference() throws {
    let hidden = try Self.model.get().lastHiddenState(try Self.batch())
    let (maxAbs, minCos) = ModelFixtures.compare(hidden, try ModelFixtures.npy("tiny_hidden.npy"))
    #expect(maxAbs <= 1e-4, "max abs error \(maxAbs)")
    #expect(minCos >= 0.99999)
  }

  @Test func sentenceEmbeddingsMatchFloat64Reference() throws {
    let e = try Self.model.get().embed(try Self.batch(), batchSize: 5)
    let (maxAbs, minCos) = ModelFixtures.compare(e, try ModelFixtures.npy("tiny_embeddings.npy"))
    #expect(maxAbs <= 1e-4, "max abs error \(maxAbs)")
    #expect(minCos >= 0.99999)
  }

  @Test func cancellableEmbeddingsAreTheSameNumbersAndStopWhenAsked() throws {
    let model = try Self.model.get()
    let sentences = Array(try ModelFixtures.sentences().prefix(24))
    let plain = try model.embed(sentences, maxLength: 32, batchSize: 5)
    let polled = try model.embed(
      sentences, maxLength: 32, batchSize: 5, cancellation: FlarCore.Cancellation())
    // The same batches through the same code: bit for bit equal.
    #expect(polled == plain)
    let stop = FlarCore.Cancellation()
    stop.cancel()
    #expect(throws: FlarCore.CancelledError.self) {
      try model.embed(sentences, maxLength: 32, batchSize: 5, cancellation: stop)
    }
  }

  @Test func linearLayersAreListedWithShapesParamsAndFlops() throws {
    let model = try Self.model.get()
    let all = try model.linearLayers()
    #expect(all.count == 12)
    let i = try model.linearLayers(matching: "*.intermediate.dense")
    #expect(
      i.map(\.name) == ["encoder.layer.0.intermediate.dense", "encoder.layer.1.intermediate.dense"])
    #expect(i[0].outFeatures == 96 && i[0].inFeatures == 48 && i[0].rank == nil)
    #expect(i[0].parameterCount == 96 * 48 + 96 && i[0].flopsPerToken == 2 * 96 * 48)
    #expect(model.flopsPerToken == 2 * 2 * (4 * 48 * 48 + 2 * 48 * 96))
    // Every float tensor of the file is a parameter (position_ids is I64).
    let file = try SafeTensorsFile(path: ModelFixtures.tinyDirectory + "/model.safetensors")
    let expected = file.header.tensors.filter { $0.dtype == .f32 }.reduce(0) {
      $0 + $1.elementCount
    }
    #expect(model.parameterCount == expected)
  }

  @Test func unknownLayerSuggestsClosestName() throws {
    let model = try Self.model.get()
    #expect(
      throws: ModelError.unknownLayer(
        name: "encoder.layer.0.intermediat.dense", suggestion: "encoder.layer.0.intermediate.dense")
    ) { try model.linear("encoder.layer.0.intermediat.dense") }
    #expect(throws: ModelError.patternMatchedNothing(pattern: "*.nothing")) {
      try model.linearLayers(matching: "*.nothing")
    }
  }

  @Test func runtimeErrorsNameTheSequence() throws {
    let model = try Self.model.get()
    let v = model.config.vocabSize
    #expect(
      throws: ModelError.tokenIdOutOfRange(sequence: 1, position: 1, id: v, vocabSize: v)
    ) { try model.lastHiddenState(TokenBatch(sequences: [[2, 3], [2, v]])) }
    #expect(throws: ModelError.sequenceTooLong(sequence: 0, length: 65, maxPositions: 64)) {
      try model.lastHiddenState(TokenBatch(sequences: [[Int](repeating: 5, count: 65)]))
    }
  }

  @Test func badConfigNamesTheKey() throws {
    let json = try parseJSON(
      Array(
        #"{"vocab_size":10,"hidden_size":10,"num_hidden_layers":1,"num_attention_heads":3,"intermediate_size":4}"#
          .utf8))
    #expect(
      throws: ModelError.badConfig(
        path: "c", key: "num_attention_heads", detail: "hidden_size 10 is not a multiple of 3 heads"
      )
    ) { try EncoderConfig(json: json, path: "c") }
    #expect(throws: ModelError.missingModelFile(directory: "/nonexistent", file: "config.json")) {
      try EncoderModel.load(directory: "/nonexistent")
    }
  }
}
