import FlarCore
import FlarLinAlg
import TestSupport
import Testing

/// The fixture cases of `generate_linalg.py` (samples stored as float32).
let shrinkageCases = ["main", "onefeature", "onesample", "wide"]

struct ShrinkageFixture {
  let arrays: [String: NumPyArray]
  init() throws { arrays = try TestSupport.fixtureArchive("linalg/shrinkage.npz") }
  func matrix(_ key: String) throws -> Matrix<Double> {
    guard let a = arrays[key] else {
      throw FixtureError.missing("linalg/shrinkage.npz:\(key)", "no such array")
    }
    return try a.matrix()
  }
  func samples(_ key: String) throws -> Matrix<Float> { try matrix(key + "_x").converted() }
}

@Suite struct LedoitWolfTests {
  @Test(arguments: shrinkageCases)
  func ledoitWolfFromBatchesMatchesScikitLearn(key: String) throws {
    let f = try ShrinkageFixture()
    let x = try f.samples(key)
    let stats = try streamed(x, batches: unevenBatches(x.rows))
    for (tag, centering) in [("unc", Centering.uncentered), ("cen", .centered)] {
      let lw = try ledoitWolf(stats, centering: centering)
      let lambda = try f.matrix("\(key)_lwlambda_\(tag)")[0, 0]
      // rtol 1e-10: only summation order (and, centred, the one-pass
      // expansion of Σ‖x − μ‖⁴) differ from scikit-learn.
      #expect(abs(lw.lambda - lambda) <= 1e-10 * max(abs(lambda), 1e-3), "\(key) \(tag)")
      #expect(
        TestSupport.closeness(lw.matrix, try f.matrix("\(key)_lw_\(tag)"), rtol: 1e-10) == nil,
        "\(key) \(tag)")
      let emp = try secondMoment(stats, centering: centering)
      #expect(TestSupport.closeness(emp, try f.matrix("\(key)_emp_\(tag)"), rtol: 1e-10) == nil)
    }
  }

  @Test func streamedShrinkageEqualsNaiveFullSampleShrinkage() throws {
    let x = TestSupport.randomMatrix(rows: 80, columns: 6, seed: 11, offset: 0.7)
    let stats = try streamed(x.converted(), batches: unevenBatches(80))
    let xf: Matrix<Double> = (x.converted() as Matrix<Float>).converted()
    for centered in [false, true] {
      let naive = naiveLedoitWolfShrinkage(xf, centered: centered)
      let fast = try ledoitWolfShrinkage(stats, centering: centered ? .centered : .uncentered)
      #expect(TestSupport.relativeError(fast, naive) < 1e-10, "centered \(centered)")
    }
  }

  @Test func oneFeatureGivesZeroShrinkage() throws {
    let stats = try streamed(Matrix<Float>([[1], [2], [4]]), batches: [3])
    #expect(try ledoitWolf(stats).lambda == 0)
  }

  @Test func allZeroActivationsGiveZeroShrinkageAndZeroMatrix() throws {
    let stats = try streamed(Matrix<Float>(rows: 10, columns: 4), batches: [4, 6])
    let lw = try ledoitWolf(stats, centering: .centered)
    #expect(lw.lambda == 0 && lw.matrix.storage.allSatisfy { $0 == 0 })
  }
}

@Suite struct OASTests {
  @Test(arguments: shrinkageCases)
  func oasFromBatchesMatchesScikitLearn(key: String) throws {
    let f = try ShrinkageFixture()
    let x = try f.samples(key)
    let stats = try streamed(x, batches: unevenBatches(x.rows))
    for (tag, centering) in [("unc", Centering.uncentered), ("cen", .centered)] {
      let o = try oas(stats, centering: centering)
      let lambda = try f.matrix("\(key)_oaslambda_\(tag)")[0, 0]
      #expect(abs(o.lambda - lambda) <= 1e-10 * max(abs(lambda), 1e-3), "\(key) \(tag)")
      #expect(
        TestSupport.closeness(o.matrix, try f.matrix("\(key)_oas_\(tag)"), rtol: 1e-10) == nil,
        "\(key) \(tag)")
    }
  }

  @Test func allZeroActivationsGiveFullShrinkage() throws {
    // S = μ I exactly makes the denominator zero; scikit-learn then says 1.
    let stats = try streamed(Matrix<Float>(rows: 5, columns: 3), batches: [5])
    #expect(try oas(stats).lambda == 1)
  }
}
