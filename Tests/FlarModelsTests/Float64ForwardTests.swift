import FlarLinAlg
import Foundation
import TestSupport
import Testing

@testable import FlarModels

/// The forward pass in Float64 (`converted(to: Double.self)`) against the
/// float64 references the Float32 tests use with a 1e-4 tolerance: the tiny
/// BERT (NumPy, Tests/Fixtures/generate_models.py), the tiny MPNet
/// (transformers' MPNetModel in float64, generate_mpnet.py), and
/// all-MiniLM-L6-v2, whose reference embeddings are stored in float32.
///
/// Tolerances: the tiny references are float64 arrays, so what is left is
/// double rounding (and the layer norm's eps, which flar holds as a Float:
/// 1e-5 as a Float is 1e-5 − 2.5e-13); 1e-10 absolute is four orders below
/// Float32's 6e-8 per value. MiniLM's stored float32 embeddings can only be
/// met to their own rounding: unit-norm values differ by at most 2^-25
/// (3.0e-8) from the float64 they were rounded from.
@Suite struct Float64ForwardTests {
  /// max |a − b| over all entries.
  static func maxAbs(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Double {
    precondition(a.rows == b.rows && a.columns == b.columns, "shapes differ")
    return zip(a.storage, b.storage).map { abs($0 - $1) }.max() ?? 0
  }

  @Test func tinyBertMatchesTheFloat64Reference() throws {
    let model = try BertModelTests.model.get().converted(to: Double.self)
    let batch = try BertModelTests.batch()
    let hidden = try model.lastHiddenState(batch)
    let hiddenError = Self.maxAbs(hidden, try ModelFixtures.npy("tiny_hidden.npy"))
    let e = model.pooling(hidden, offsets: batch.offsets)
    let embeddingError = Self.maxAbs(e, try ModelFixtures.npy("tiny_embeddings.npy"))
    print("float64 forward, tiny BERT: hidden \(hiddenError), embeddings \(embeddingError)")
    // Measured 4.8e-12 (hidden) and 3.2e-13 (embeddings).
    #expect(hiddenError <= 1e-10, "hidden states: max abs error \(hiddenError)")
    #expect(embeddingError <= 1e-10, "embeddings: max abs error \(embeddingError)")
  }

  @Test func tinyMPNetMatchesTransformersInFloat64() throws {
    let model = try EncoderModel.load(directory: MPNetFixtures.tinyDirectory)
      .converted(to: Double.self)
    let ids = ModelFixtures.idLists(try MPNetFixtures.json("tiny_tokens.json")["sentences"])
    let batch = TokenBatch(sequences: ids, paddingId: 1)
    let hidden = try model.lastHiddenState(batch)
    let hiddenError = Self.maxAbs(hidden, try MPNetFixtures.tiny("hidden"))
    let e = model.pooling(hidden, offsets: batch.offsets)
    let embeddingError = Self.maxAbs(e, try MPNetFixtures.tiny("mean"))
    print("float64 forward, tiny MPNet: hidden \(hiddenError), embeddings \(embeddingError)")
    // Measured 1.5e-11 (hidden) and 6.4e-13 (embeddings).
    #expect(hiddenError <= 1e-10, "hidden states: max abs error \(hiddenError)")
    #expect(embeddingError <= 1e-10, "embeddings: max abs error \(embeddingError)")
  }

  @Test func miniLMMatchesItsReferenceToTheReferencesFloat32Rounding() throws {
    let dense = try MiniLMTests.model.get()
    let model = dense.converted(to: Double.self)
    let sentences = Array(try ModelFixtures.sentences().prefix(32))
    let batch = try dense.encode(sentences, maxLength: 128)
    let e = model.pooling(try model.lastHiddenState(batch), offsets: batch.offsets)
    let expected = try ModelFixtures.npy("minilm_embeddings.npy")
    let error = Self.maxAbs(e, expected.slice(rows: 0..<32, columns: 0..<expected.columns))
    let float32 = ModelFixtures.compare(
      try dense.embed(batch, batchSize: 32),
      expected.slice(rows: 0..<32, columns: 0..<expected.columns)
    ).maxAbs
    print("float64 forward, all-MiniLM-L6-v2, 32 glosses: \(error) (Float32 pass: \(float32))")
    // Measured 7.4e-9, the Float32 pass 1.0e-7.
    #expect(error <= 3.0e-8, "embeddings: max abs error \(error)")
  }

  /// Float → Double → Float gives the same model: the same bits out.
  @Test func convertingToDoubleAndBackIsExact() throws {
    let model = try BertModelTests.model.get()
    let back = model.converted(to: Double.self).converted(to: Float.self)
    let batch = try BertModelTests.batch()
    #expect(try back.lastHiddenState(batch) == model.lastHiddenState(batch))
    for name in model.linearLayerNames {
      #expect(try back.linear(name) == model.linear(name), "\(name)")
    }
  }
}
