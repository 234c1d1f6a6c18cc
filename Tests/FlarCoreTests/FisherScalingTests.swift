import FlarCore
import FlarLinAlg
import Testing

/// fwsvd's channel scales `s_j = max(√F_j, 1e-6 · max √F)`.
@Suite struct FisherScalingTests {
  @Test func scalesAreRootsOfTheFisherInformation() throws {
    #expect(try fisherScales([4, 9, 0.25]) == [2, 3, 0.5])
  }

  @Test func zeroAndTinyChannelsAreClampedToTheRelativeFloor() throws {
    let s = try fisherScales([16, 0, 1e-20, 1e-12])
    // max √F = 4, floor 4e-6: √1e-20 = 1e-10 and √1e-12 = 1e-6 are raised too.
    #expect(s == [4, 4e-6, 4e-6, 4e-6])
    #expect(try fisherScales([16, 0], relativeFloor: 1e-3) == [4, 4e-3])
  }

  @Test func clampedScalesGiveFiniteFactorsAndTheExactWeightAtFullRank() throws {
    let w = Matrix<Double>([[1, 2, 3], [4, 5, 6]])
    let s = try fisherScales([1, 0, 0])
    let d = try scaledSVD(weight: w, scales: s)
    let f = try d.factors(rank: d.maxRank)
    #expect(!f.left.hasNonFinite && !f.right.hasNonFinite)
    let r = f.reconstruction()
    for i in 0..<2 {
      for j in 0..<3 { #expect(abs(r[i, j] - w[i, j]) <= 1e-6 * 6, "(\(i), \(j))") }
    }
  }

  @Test func allZeroInformationGivesThePlainSVD() throws {
    #expect(try fisherScales([0, 0, 0]) == [1, 1, 1])
  }

  @Test func nanInformationIsAnError() {
    #expect(throws: FactorizationError.nonFinite(layer: "q", what: "Fisher information")) {
      _ = try fisherScales([1, .nan], layer: "q")
    }
  }

  @Test func negativeInformationIsAnError() {
    #expect(throws: FactorizationError.nonPositiveScale(layer: "q", channel: 1, value: -1)) {
      _ = try fisherScales([1, -1], layer: "q")
    }
  }
}
