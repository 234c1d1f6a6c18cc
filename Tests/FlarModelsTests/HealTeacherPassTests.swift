import FlarCore
import FlarLinAlg
import TestSupport
import Testing

@testable import FlarModels

/// The teacher's pass of `heal` (cos loss): Ctrl-C checked before each batch, so it is
/// honoured before the first step, and equal to one pass over all items.
@Suite struct HealTeacherPassTests {
  static let model = Result { try EncoderModel.load(directory: ModelFixtures.tinyDirectory) }

  func data(_ count: Int) throws -> Healer.Data {
    let model = try Self.model.get()
    let sentences = Array(try ModelFixtures.sentences().prefix(count))
    return Healer.Data(
      first: try model.encode(sentences, maxLength: 32).sequences, second: nil,
      paddingId: model.config.padTokenId)
  }

  @Test func chunkedTeacherEmbeddingsEqualOnePass() throws {
    let teacher = try Self.model.get()
    let d = try data(103)  // batches of 5, the last one partial
    let targets = try TeacherTargets(
      loss: .cos, teacher: teacher, data: d, batchSize: 5, cancellation: Cancellation())
    let whole = try teacher.embed(
      TokenBatch(sequences: d.first, paddingId: d.paddingId), batchSize: 5)
    #expect(targets.embeddings == whole)
  }

  @Test func ctrlCDuringTheTeacherPassStopsHealBeforeItsFirstStep() throws {
    let teacher = try Self.model.get()
    let name = "encoder.layer.0.intermediate.dense"
    let w = try teacher.linear(name).denseWeight()
    let student = try teacher.replacing(
      name, l: w.slice(rows: 0..<w.rows, columns: 0..<8),
      r: Matrix<Float>.identity(w.columns).slice(rows: 0..<8, columns: 0..<w.columns))
    var options = HealOptions()
    options.steps = 2
    options.batchSize = 5
    options.heldOut = 10
    let stop = Cancellation()
    stop.cancel()
    let sentences = Array(try ModelFixtures.sentences().prefix(60))
    #expect(throws: CancelledError.self) {
      try Healer(options: options, cancellation: stop).run(
        student: student, teacher: teacher, sentences: sentences, pairs: nil)
    }
    // Not cancelled, the same run trains.
    let healed = try Healer(options: options, cancellation: Cancellation()).run(
      student: student, teacher: teacher, sentences: sentences, pairs: nil)
    #expect(healed.losses.count == 2)
  }
}
