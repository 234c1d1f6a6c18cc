import FlarLinAlg
import Foundation
import TestSupport
import Testing

@testable import FlarModels

/// The training backward pass (low-rank factors, dense weights, biases and
/// LayerNorms, for the three healing losses, BERT and MPNet) against
/// PyTorch float64 autograd through Hugging Face's own models on a padded
/// batch (Tests/Fixtures/generate_heal.py).
///
/// Tolerances: flar runs in Float32 and the reference in float64, so the
/// difference is Float32 rounding carried through the forward and backward
/// passes, measured as ‖g − g_ref‖_F / ‖g_ref‖_F per tensor. PyTorch's own
/// float32 autograd on the same computation is 1.5e-6 to 3.0e-6 from the
/// reference on the tiny configs and 7.8e-7 to 2.3e-6 on the real model
/// (Tests/Fixtures/generate_heal_float32.py, heal/float32_floor.json): the
/// issue's 1e-6 is below what a Float32 pass reaches. The same script
/// measures why: with float64 arithmetic everywhere except the linear
/// layers' GEMMs, run in float32, the error is already 2.4e-6 (MPNet) and
/// 3.4e-6 (BERT), while rounding every kept tensor and gradient to float32
/// with float64 arithmetic gives at most 5.5e-7. So each tensor's error is
/// bounded twice: by a small factor above flar's worst measured value, and
/// by twice PyTorch float32's error on the same case.
@Suite struct HealGradientTests {
  static let formatVersion = 1
  static let generator = "Tests/Fixtures/generate_heal.py"

  struct Case: Sendable, CustomTestStringConvertible {
    var family: String
    var loss: HealingLoss
    var testDescription: String { "\(family) \(loss.rawValue)" }
  }

  static let cases = ["bert", "mpnet"].flatMap { f in
    HealingLoss.allCases.map { Case(family: f, loss: $0) }
  }

  static func teacherDirectory(_ family: String) -> String {
    family == "bert" ? ModelFixtures.tinyDirectory : TestSupport.fixture("mpnet/tiny")
  }

  /// PyTorch float32 autograd's error against the same references.
  static func float32Floor() throws -> JSONValue {
    try ModelFixtures.versionedJSON(
      "float32_floor.json", folder: "heal", formatVersion: formatVersion,
      generator: "Tests/Fixtures/generate_heal_float32.py")
  }

  static func fixture(_ family: String) throws -> (ids: [[Int]], losses: JSONValue) {
    let j = try ModelFixtures.versionedJSON(
      family + ".json", folder: "heal", formatVersion: formatVersion, generator: generator)
    return (ModelFixtures.idLists(j["ids"]), j["loss"] ?? .null)
  }

  /// The loss of `loss` on `batch` for `student`, with `teacher` as the teacher.
  static func lossFunction(
    _ loss: HealingLoss, student: EncoderModel, teacher: EncoderModel, batch: TokenBatch
  ) throws -> HiddenStateLossFunction {
    switch loss {
    case .cos:
      let t = try teacher.embed(batch, batchSize: batch.count)
      return try student.embeddingLoss { CosineDistillationLoss(teacher: t).valueAndGradient($0) }
    case .mse:
      let t = try teacher.lastHiddenState(batch)
      return { x, _ in HiddenStateMSELoss(teacher: t).valueAndGradient(x) }
    case .contrastive:
      return try student.embeddingLoss {
        MultipleNegativesRankingLoss(scale: 20).valueAndGradient($0)
      }
    }
  }

  @Test(arguments: cases) func everyParameterGradientMatchesPyTorch(_ c: Case) throws {
    let (ids, losses) = try Self.fixture(c.family)
    let student = try EncoderModel.load(directory: TestSupport.fixture("heal/\(c.family)_student"))
    let teacher = try EncoderModel.load(directory: Self.teacherDirectory(c.family))
    let padding = c.family == "bert" ? 0 : 1
    let batch = TokenBatch(sequences: ids, paddingId: padding)
    let all: TrainableParameters = [.lowRank, .dense, .bias, .norm]
    let g = try student.parameterGradients(
      batch, parameters: all,
      loss: try Self.lossFunction(c.loss, student: student, teacher: teacher, batch: batch))
    let expected = try TestSupport.fixtureArchive("heal/\(c.family)_grads.npz")
    let expectedLoss = try #require(losses[c.loss.rawValue]?.doubleValue)
    let lossError = TestSupport.relativeError(g.loss, expectedLoss)
    let floor = try #require(
      try Self.float32Floor()["worst"]?[c.testDescription]?.doubleValue,
      "float32_floor.json has no \(c.testDescription)")
    let names = student.trainableTensorNames(all)
    // 8 dense W, 4 low-rank (L, R), 12 biases, 2 x 2 LayerNorms (γ, β).
    #expect(names.count == 8 + 2 * 4 + 12 + 8)
    #expect(Set(g.byName.keys) == Set(names))
    var reference: [String: Matrix<Double>] = [:]
    for name in names {
      reference[name] = try #require(expected[c.loss.rawValue + ":" + name]).matrix()
    }
    // The key bias's true gradient is zero (softmax ignores a constant added
    // to a row of scores): what both sides hold there is rounding, judged
    // against the largest gradient of the batch.
    let largest = reference.values.map { $0.squaredFrobeniusNorm.squareRoot() }.max() ?? 0
    let keyBias = "." + (c.family == "bert" ? "attention.self.key" : "attention.attn.k") + ".bias"
    var worst = (0.0, "")
    var keyBiasWorst = 0.0
    for name in names {
      let want = reference[name]!
      let got = try #require(g.byName[name])
      #expect(got.count == want.count, "\(name): \(got.count) values, expected \(want.count)")
      var difference = 0.0
      for (a, b) in zip(got, want.storage) { difference += (Double(a) - b) * (Double(a) - b) }
      if name.hasSuffix(keyBias) {
        keyBiasWorst = max(keyBiasWorst, difference.squareRoot() / largest)
        continue
      }
      let relative = difference.squareRoot() / want.squaredFrobeniusNorm.squareRoot()
      if relative > worst.0 { worst = (relative, name) }
    }
    print(
      "heal gradients \(c.testDescription): worst relative Frobenius error \(worst.0) at \(worst.1) (PyTorch float32 \(floor)); key bias \(keyBiasWorst) of the largest; loss \(lossError)"
    )
    // Measured 1.8e-6 to 3.7e-6 (worst on a low-rank factor of a query or
    // key), 0.82 to 1.25 times PyTorch float32's worst of the same case; the
    // key biases 8e-9 to 5.2e-8 of the largest gradient; the loss 1.2e-9
    // to 3.8e-7 (contrastive).
    #expect(worst.0 <= 5e-6, "\(worst.1): relative Frobenius error \(worst.0)")
    #expect(
      worst.0 <= 2 * floor,
      "\(worst.1): relative Frobenius error \(worst.0), PyTorch float32's worst \(floor)")
    #expect(keyBiasWorst <= 1.5e-7, "key bias gradients are not zero: \(keyBiasWorst)")
    #expect(lossError <= 1e-6, "loss \(g.loss) vs \(expectedLoss)")
  }

  /// The real model: all-MiniLM-L6-v2 with two layers replaced by their
  /// truncated SVD, 8 calibration glosses, the cos loss against the dense
  /// model; six tensors (both factor pairs, a bias, a LayerNorm weight).
  @Test func miniLMLowRankGradientsMatchPyTorch() throws {
    let dense = try MiniLMTests.model.get()
    let j = try ModelFixtures.versionedJSON(
      "minilm.json", folder: "heal", formatVersion: Self.formatVersion, generator: Self.generator)
    let arrays = try TestSupport.fixtureArchive("heal/minilm.npz")
    let lines = (j["lines"]?.arrayValue ?? []).compactMap(\.stringValue)
    let ids = ModelFixtures.idLists(j["ids"])
    #expect(try dense.encode(lines, maxLength: 128).sequences == ids)
    var student = dense
    for name in ["encoder.layer.0.attention.self.query", "encoder.layer.3.intermediate.dense"] {
      let l: Matrix<Float> = try #require(arrays[name + ".L"]).matrix().converted()
      let r: Matrix<Float> = try #require(arrays[name + ".R"]).matrix().converted()
      student = try student.replacing(name, l: l, r: r)
    }
    let batch = TokenBatch(sequences: ids)
    let g = try student.parameterGradients(
      batch, parameters: [.lowRank, .bias, .norm],
      loss: try Self.lossFunction(.cos, student: student, teacher: dense, batch: batch))
    let expectedLoss = try #require(j["loss"]?["cos"]?.doubleValue)
    let lossError = TestSupport.relativeError(g.loss, expectedLoss)
    print("heal gradients minilm loss: relative error \(lossError)")
    // Measured 1.0e-7.
    #expect(lossError <= 5e-7, "loss \(g.loss) vs \(expectedLoss)")
    let floors = try Self.float32Floor()["minilm"]
    for name in (j["tensors"]?.arrayValue ?? []).compactMap(\.stringValue) {
      let want = try #require(arrays["grad:" + name]).matrix()
      let got = try #require(g.byName[name], "no gradient for \(name)")
      var difference = 0.0
      for (a, b) in zip(got, want.storage) { difference += (Double(a) - b) * (Double(a) - b) }
      let relative = difference.squareRoot() / want.squaredFrobeniusNorm.squareRoot()
      let floor = try #require(floors?[name]?.doubleValue, "float32_floor.json has no \(name)")
      print(
        "heal gradients minilm \(name): relative Frobenius error \(relative) (PyTorch float32 \(floor))"
      )
      // Measured 7.5e-7 (intermediate R) to 2.4e-6 (query R), 0.87 to 1.02
      // times PyTorch float32's error on the same tensor.
      #expect(relative <= 4e-6, "\(name): relative Frobenius error \(relative)")
      #expect(
        relative <= 2 * floor,
        "\(name): relative Frobenius error \(relative), PyTorch float32's \(floor)")
    }
  }
}
