import FlarCore
import FlarLinAlg
import TestSupport
import Testing

@Suite struct FactorizationTests {
  func fixtureDecomposition() throws -> LowRankDecomposition {
    let w: Matrix<Float> = try TestSupport.fixtureMatrix("linalg/fact_w.npy").converted()
    let x: Matrix<Float> = try TestSupport.fixtureMatrix("linalg/fact_x.npy").converted()
    let h = try secondMoment(LayerStatistics(samples: x))
    return try whitenedSVD(weight: w, whitening: try whitening(h), layer: "fc")
  }

  @Test func whitenedFactorsMatchNumPy() throws {
    let d = try fixtureDecomposition()
    let s = try TestSupport.fixtureMatrix("linalg/fact_s.npy").storage
    #expect(TestSupport.closeness(d.svd.s, s, rtol: 1e-12) == nil)
    let f = try d.factors(rank: 3)
    #expect(f.left.rows == 10 && f.left.columns == 3 && f.right.rows == 3 && f.right.columns == 8)
    #expect(f.parameterCount == 3 * 18)
    let expected = try TestSupport.fixtureMatrix("linalg/fact_reconstruction_k3.npy")
    #expect(TestSupport.closeness(f.reconstruction(), expected, rtol: 1e-11) == nil)
  }

  @Test func compactedDecompositionGivesTheSameFactorsWithoutVtAndTransform() throws {
    let d = try fixtureDecomposition()
    let c = d.compacted()
    #expect(c.svd.vt.count == 0 && c.svd.u == d.svd.u && c.svd.s == d.svd.s)
    guard case .lowerTriangular(let t) = c.transform else {
      Issue.record("the transform's kind must stay whitened")
      return
    }
    #expect(t.count == 0)
    for k in [1, 3, 8] {
      let (a, b) = (try d.factors(rank: k), try c.factors(rank: k))
      #expect(a.left == b.left && a.right == b.right, "rank \(k)")
    }
  }

  @Test func triangularSolvePathEqualsExplicitInverse() throws {
    let d = try fixtureDecomposition()
    guard case .lowerTriangular(let s) = d.transform else {
      Issue.record("not whitened")
      return
    }
    // Naive reference: form S⁻¹ and multiply.
    let inverse = try solveTriangular(s, Matrix<Double>.identity(8), side: .left)
    let k = 4
    let roots = d.svd.s[0..<k].map { $0.squareRoot() }
    let naiveRight = try d.svd.vt.slice(rows: 0..<k, columns: 0..<8).scalingRows(by: roots).matmul(
      inverse)
    #expect(TestSupport.closeness(try d.factors(rank: k).right, naiveRight, rtol: 1e-11) == nil)
  }

  @Test func fullRankFactorsReproduceTheWeight() throws {
    let d = try fixtureDecomposition()
    let w = try TestSupport.fixtureMatrix("linalg/fact_w.npy")
    #expect(TestSupport.closeness(try d.factors(rank: 8).reconstruction(), w, rtol: 1e-11) == nil)
  }

  @Test func plainSVDFactorsAreTheTruncatedSVD() throws {
    let w: Matrix<Float> = TestSupport.randomMatrix(rows: 9, columns: 6, seed: 2).converted()
    let d = try plainSVD(weight: w)
    let direct = try svd(w.converted() as Matrix<Double>)
    #expect(
      TestSupport.closeness(
        try d.factors(rank: 2).reconstruction(), direct.truncated(rank: 2), rtol: 1e-12) == nil)
  }

  @Test func scaledSVDUndoesTheScaling() throws {
    let w: Matrix<Float> = TestSupport.randomMatrix(rows: 7, columns: 5, seed: 4).converted()
    let scales = [0.5, 1, 2, 3, 0.25]
    let d = try scaledSVD(weight: w, scales: scales)
    let wd: Matrix<Double> = w.converted()
    #expect(TestSupport.closeness(try d.factors(rank: 5).reconstruction(), wd, rtol: 1e-12) == nil)
    let expected = try svd(wd.scalingColumns(by: scales)).truncated(rank: 2)
      .scalingColumns(by: scales.map { 1 / $0 })
    #expect(
      TestSupport.closeness(try d.factors(rank: 2).reconstruction(), expected, rtol: 1e-12) == nil)
    #expect(throws: FactorizationError.nonPositiveScale(layer: "a", channel: 1, value: 0)) {
      try scaledSVD(weight: w, scales: [1, 0, 1, 1, 1], layer: "a")
    }
  }

  @Test func rankOutsideRangeAndMismatchedWhiteningAreRefused() throws {
    let d = try fixtureDecomposition()
    #expect(throws: FactorizationError.rankOutOfRange(layer: "fc", rank: 9, maximum: 8)) {
      try d.factors(rank: 9)
    }
    let w = Matrix<Float>(rows: 3, columns: 4, repeating: 1)
    let white = try whitening(Matrix<Double>.identity(5))
    #expect(throws: FactorizationError.shapeMismatch(layer: "x", weight: [3, 4], whitening: 5)) {
      try whitenedSVD(weight: w, whitening: white, layer: "x")
    }
  }
}

@Suite struct CriteriaTests {
  @Test func equivalentRankIsFloorOfMnOverMPlusN() {
    #expect(equivalentRank(outputs: 1536, inputs: 384) == 307)
    #expect(equivalentRank(outputs: 384, inputs: 384) == 192)
    #expect(equivalentRank(outputs: 0, inputs: 0) == 0)
  }

  @Test func whitenedErrorsEqualBruteForceOutputErrors() throws {
    let w: Matrix<Float> = TestSupport.randomMatrix(rows: 6, columns: 5, seed: 21).converted()
    let x = TestSupport.randomMatrix(rows: 30, columns: 5, seed: 22, offset: 0.4)
    let h = try secondMoment(LayerStatistics(samples: x))
    let d = try whitenedSVD(weight: w, whitening: try whitening(h))
    let errors = whitenedErrors(d)
    #expect(errors.count == 6 && errors[5] == 0)
    let wd: Matrix<Double> = w.converted()
    for k in 0...5 {
      // ‖(W − Ŵ_k) X‖² / N, by reconstruction.
      let diff = wd - (try d.factors(rank: k).reconstruction())
      let brute = try x.matmul(diff, transposeOther: true).squaredFrobeniusNorm / 30
      #expect(abs(errors[k] - brute) <= 1e-10 * errors[0], "k = \(k)")
    }
    #expect(relativeWhitenedErrors(d)[0] == 1)
  }

  @Test func weightCosinesMatchNumPyAndBruteForce() throws {
    let w: Matrix<Float> = try TestSupport.fixtureMatrix("linalg/fact_w.npy").converted()
    let x: Matrix<Float> = try TestSupport.fixtureMatrix("linalg/fact_x.npy").converted()
    let d = try whitenedSVD(
      weight: w, whitening: try whitening(secondMoment(LayerStatistics(samples: x))))
    let cosines = weightCosines(d)
    let expected = try TestSupport.fixtureMatrix("linalg/fact_cosines.npy").storage
    #expect(TestSupport.closeness(cosines, expected, rtol: 1e-10) == nil)
    let wd: Matrix<Double> = w.converted()
    for k in 1...8 {
      let r = try d.factors(rank: k).reconstruction()
      let brute = (wd * r).sum / (wd.frobeniusNorm * r.frobeniusNorm)
      #expect(abs(cosines[k] - brute) < 1e-12, "k = \(k)")
    }
  }

  @Test func plainCosinesAreEnergyFractions() throws {
    let w: Matrix<Float> = TestSupport.randomMatrix(rows: 4, columns: 7, seed: 8).converted()
    let d = try plainSVD(weight: w)
    let total = d.svd.s.reduce(0) { $0 + $1 * $1 }
    let c = weightCosines(d)
    #expect(
      abs(c[2] - ((d.svd.s[0] * d.svd.s[0] + d.svd.s[1] * d.svd.s[1]) / total).squareRoot()) < 1e-14
    )
  }
}
