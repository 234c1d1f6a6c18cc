import FlarLinAlg
import Foundation
import TestSupport
import Testing

@testable import FlarModels

/// The same gradients as `HealGradientTests`, computed by flar's own forward
/// and backward code in Float64 (`EncoderModel.converted(to: Double.self)`),
/// against the same PyTorch float64 autograd references: the check the issue
/// asks for (relative error ≤ 1e-6), made as PyTorch's gradcheck makes it,
/// in double precision. Every tensor is also held to 1e-9, far below
/// Float32's own rounding (6e-8 per value): an op left in Float32 anywhere on
/// the path would fail it.
extension HealGradientTests {
  /// The loss of `loss` on `batch` for a Double student and teacher.
  static func lossFunction(
    _ loss: HealingLoss, student: TransformerEncoder<Double>,
    teacher: TransformerEncoder<Double>, batch: TokenBatch
  ) throws -> HiddenStateLoss<Double> {
    switch loss {
    case .cos:
      let t = meanPooledNormalized(try teacher.lastHiddenState(batch), offsets: batch.offsets)
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

  /// ‖g − g_ref‖_F and ‖g_ref‖_F.
  static func distance(_ got: [Double], _ want: Matrix<Double>) -> (Double, Double) {
    var difference = 0.0
    for (a, b) in zip(got, want.storage) { difference += (a - b) * (a - b) }
    return (difference.squareRoot(), want.squaredFrobeniusNorm.squareRoot())
  }

  @Test(arguments: cases) func everyParameterGradientMatchesPyTorchInFloat64(_ c: Case) throws {
    let (ids, losses) = try Self.fixture(c.family)
    let student = try EncoderModel.load(directory: TestSupport.fixture("heal/\(c.family)_student"))
      .converted(to: Double.self)
    let teacher = try EncoderModel.load(directory: Self.teacherDirectory(c.family))
      .converted(to: Double.self)
    let batch = TokenBatch(sequences: ids, paddingId: c.family == "bert" ? 0 : 1)
    let all: TrainableParameters = [.lowRank, .dense, .bias, .norm]
    let g = try student.parameterGradients(
      batch, parameters: all,
      loss: try Self.lossFunction(c.loss, student: student, teacher: teacher, batch: batch))
    let expected = try TestSupport.fixtureArchive("heal/\(c.family)_grads.npz")
    let expectedLoss = try #require(losses[c.loss.rawValue]?.doubleValue)
    let lossError = TestSupport.relativeError(g.loss, expectedLoss)
    let names = student.trainableTensorNames(all)
    #expect(names.count == 8 + 2 * 4 + 12 + 8)
    #expect(Set(g.byName.keys) == Set(names))
    var reference: [String: Matrix<Double>] = [:]
    for name in names {
      reference[name] = try #require(expected[c.loss.rawValue + ":" + name]).matrix()
    }
    // The key bias's true gradient is zero: judged against the largest.
    let largest = reference.values.map { $0.squaredFrobeniusNorm.squareRoot() }.max() ?? 0
    let keyBias = "." + (c.family == "bert" ? "attention.self.key" : "attention.attn.k") + ".bias"
    var worst = (0.0, "")
    var keyBiasWorst = 0.0
    for name in names {
      let want = reference[name]!
      let got = try #require(g.byName[name])
      #expect(got.count == want.count, "\(name): \(got.count) values, expected \(want.count)")
      let (difference, norm) = Self.distance(got, want)
      if name.hasSuffix(keyBias) {
        keyBiasWorst = max(keyBiasWorst, difference / largest)
        continue
      }
      if difference / norm > worst.0 { worst = (difference / norm, name) }
    }
    print(
      "heal gradients float64 \(c.testDescription): worst relative Frobenius error \(worst.0) at \(worst.1); key bias \(keyBiasWorst) of the largest; loss \(lossError)"
    )
    // Measured 1.2e-12 to 9.6e-12 (the loss 7e-16 to 1.2e-12, the key
    // biases 2e-17 to 1e-16 of the largest gradient), against Float32's
    // 1.8e-6 to 3.7e-6 on the same cases. The rest is the LayerNorm eps held
    // as a Float (1e-5 − 2.5e-13): PyTorch float64 with eps so rounded is as
    // far from the reference, case by case.
    #expect(worst.0 <= 1e-6, "\(worst.1): relative Frobenius error \(worst.0), the issue's bar")
    #expect(worst.0 <= 1e-9, "\(worst.1): relative Frobenius error \(worst.0): not float64")
    #expect(keyBiasWorst <= 1e-12, "key bias gradients are not zero: \(keyBiasWorst)")
    #expect(lossError <= 1e-10, "loss \(g.loss) vs \(expectedLoss)")
  }

  /// The real model in Float64: all-MiniLM-L6-v2 with two layers replaced by
  /// their truncated SVD (the float32 factors of `minilm.npz`), 8
  /// calibration glosses, the cos loss against the dense model in Float64;
  /// the six tensors of `minilm_float64.npz` (float64 autograd, unrounded).
  @Test func miniLMLowRankGradientsMatchPyTorchInFloat64() throws {
    let dense = try MiniLMTests.model.get()
    let j = try ModelFixtures.versionedJSON(
      "minilm.json", folder: "heal", formatVersion: Self.formatVersion, generator: Self.generator)
    let arrays = try TestSupport.fixtureArchive("heal/minilm.npz")
    let exact = try TestSupport.fixtureArchive("heal/minilm_float64.npz")
    let ids = ModelFixtures.idLists(j["ids"])
    var student = dense
    for name in ["encoder.layer.0.attention.self.query", "encoder.layer.3.intermediate.dense"] {
      let l: Matrix<Float> = try #require(arrays[name + ".L"]).matrix().converted()
      let r: Matrix<Float> = try #require(arrays[name + ".R"]).matrix().converted()
      student = try student.replacing(name, l: l, r: r)
    }
    let student64 = student.converted(to: Double.self)
    let teacher64 = dense.converted(to: Double.self)
    let batch = TokenBatch(sequences: ids)
    let g = try student64.parameterGradients(
      batch, parameters: [.lowRank, .bias, .norm],
      loss: try Self.lossFunction(.cos, student: student64, teacher: teacher64, batch: batch))
    let expectedLoss = try #require(j["loss"]?["cos"]?.doubleValue)
    let lossError = TestSupport.relativeError(g.loss, expectedLoss)
    print("heal gradients float64 minilm loss: relative error \(lossError)")
    // Measured 2.7e-16; the six tensors 2.5e-15 to 6.6e-15.
    #expect(lossError <= 1e-12, "loss \(g.loss) vs \(expectedLoss)")
    let tensors = (j["tensors"]?.arrayValue ?? []).compactMap(\.stringValue)
    #expect(tensors.count == 6)
    for name in tensors {
      let want = try #require(exact["grad:" + name]).matrix()
      let got = try #require(g.byName[name], "no gradient for \(name)")
      #expect(got.count == want.count)
      let (difference, norm) = Self.distance(got, want)
      print("heal gradients float64 minilm \(name): relative Frobenius error \(difference / norm)")
      #expect(difference / norm <= 1e-6, "\(name): relative Frobenius error \(difference / norm)")
      #expect(difference / norm <= 1e-9, "\(name): \(difference / norm): not float64")
    }
  }
}
