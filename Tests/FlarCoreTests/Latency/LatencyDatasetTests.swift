import FlarLinAlg
import Foundation
import TestSupport
import Testing

@testable import FlarCore

@Suite struct LatencyDatasetTests {
  static let header =
    "Batch_dim,Patch_dim,In_feats,Out_feats,Rank,Og_lat,Latency,Min_lat,Lat_recovery"
  static let good = "8,197,384,1536,96,2.0,1.5,0.5,0.6666666666666666"

  static func parse(_ lines: [String]) throws -> LatencyDataset {
    try LatencyDataset.parse(lines.joined(separator: "\n") + "\n", file: "t.csv")
  }

  @Test func referenceFixtureWithTrailingCommaHeaderLoads() throws {
    let data = try LatencyDataset.load(TestSupport.fixture("latency/synthetic.csv"))
    #expect(data.count == 600)
    let first = data.samples[0]
    #expect(
      first.shape
        == LatencyShape(batch: 16, tokens: 197, inFeatures: 1024, outFeatures: 256, rank: 144))
    #expect(first.denseMilliseconds == 10.542509748198833)
    #expect(first.ratio == 0.7001127904299662)
  }

  @Test(arguments: ["openblas1", "openblas2"])
  func filesMeasuredOnThisProjectsCPULoad(threads: String) throws {
    let data = try LatencyDataset.load(
      TestSupport.fixture("latency/measured-amd-epyc-2core-\(threads)-loaded.csv"))
    #expect(data.count == 400)
    #expect(data.finiteRatioSamples.dropped == 0)
  }

  @Test func csvRoundTripKeepsEveryValue() throws {
    let data = try Self.parse([
      Self.header + ",", Self.good + ",", "1,50,96,96,8,0.1,0.05,0.04,inf",
    ])
    #expect(data.samples[1].ratio == .infinity)
    #expect(try LatencyDataset.parse(data.csvText(), file: "again.csv") == data)
  }

  @Test func extraColumnsAndOtherOrderAreAccepted() throws {
    let data = try Self.parse([
      ",Rank,Batch_dim,Patch_dim,In_feats,Out_feats,Og_lat,Latency,Min_lat,Lat_recovery",
      "0,96,8,197,384,1536,2.0,1.5,0.5,0.6", "", "1,8.0,1,50,96,96,0.1,0.05,0.04,0.2",
    ])
    #expect(data.samples.map(\.shape.rank) == [96, 8])
    #expect(data.samples[1].shape.batch == 1)
  }

  @Test func wrongColumnCountNamesTheLine() {
    #expect(throws: LatencyError.wrongColumnCount(file: "t.csv", line: 4, expected: 9, actual: 3)) {
      try Self.parse([Self.header, Self.good, "", "1,2,3"])
    }
    #expect(
      LatencyError.wrongColumnCount(file: "t.csv", line: 4, expected: 9, actual: 3).description
        == "t.csv:4: expected 9 cells as in the header, found 3")
  }

  @Test func nonNumberNamesLineAndColumn() {
    let error = LatencyError.notANumber(file: "t.csv", line: 3, column: "Og_lat", text: "fast")
    #expect(throws: error) {
      try Self.parse([Self.header, Self.good, "8,197,384,1536,96,fast,1.5,0.5,0.6"])
    }
    #expect(error.description == "t.csv:3: column Og_lat: \"fast\" is not a number")
  }

  @Test func nonPositiveDimensionsAreRejected() {
    #expect(
      throws: LatencyError.notPositive(file: "t.csv", line: 2, column: "Batch_dim", value: -8)
    ) {
      try Self.parse([Self.header, "-8,197,384,1536,96,2.0,1.5,0.5,0.6"])
    }
    #expect(throws: LatencyError.notPositive(file: "t.csv", line: 2, column: "Rank", value: 0)) {
      try Self.parse([Self.header, "8,197,384,1536,0,2.0,1.5,0.5,0.6"])
    }
    #expect(throws: LatencyError.notPositive(file: "t.csv", line: 2, column: "Min_lat", value: 0)) {
      try Self.parse([Self.header, "8,197,384,1536,8,2.0,1.5,0,0.6"])
    }
    #expect(
      LatencyError.notPositive(file: "t.csv", line: 2, column: "Rank", value: 0).description
        == "t.csv:2: column Rank: expected a positive value, found 0.0")
  }

  @Test func fractionalDimensionIsNotAnInteger() {
    #expect(
      throws: LatencyError.notAnInteger(file: "t.csv", line: 2, column: "In_feats", text: "384.5")
    ) {
      try Self.parse([Self.header, "8,197,384.5,1536,8,2.0,1.5,0.5,0.6"])
    }
  }

  @Test func missingColumnAndEmptyFileAreErrors() {
    let short = Array(LatencyDataset.columns.dropLast())
    #expect(
      throws: LatencyError.missingColumn(file: "t.csv", column: "Lat_recovery", header: short)
    ) {
      try Self.parse([short.joined(separator: ","), "8,197,384,1536,8,2.0,1.5,0.5"])
    }
    #expect(throws: LatencyError.emptyDataset(file: "t.csv")) { try Self.parse([]) }
    #expect(throws: LatencyError.emptyDataset(file: "t.csv")) { try Self.parse([Self.header]) }
  }

  @Test func samplerFollowsTheDocumentedRulesAndSeed() {
    let sampler = LatencyShapeSampler()
    let shapes = sampler.shapes(count: 300, seed: 7)
    #expect(shapes == sampler.shapes(count: 300, seed: 7))
    #expect(shapes != sampler.shapes(count: 300, seed: 8))
    let sides = Set(sampler.tokenSides.flatMap { [$0 * $0, $0 * $0 + 1] })
    for s in shapes {
      #expect([1, 2, 4, 8, 16, 32].contains(s.batch))
      #expect(sides.contains(s.tokens))
      #expect(s.rows <= 8192 && 2 * Double(s.rows * s.inFeatures * s.outFeatures) <= 2e9)
      let width = Swift.min(s.inFeatures, s.outFeatures)
      #expect(width % 96 == 0 || width % 128 == 0)
      #expect(width >= 96 && width <= 2048)
      let ratio = Swift.max(s.inFeatures, s.outFeatures) / width
      #expect([1, 3, 4].contains(ratio))
      #expect(s.rank % 8 == 0 && s.rank >= 8 && s.rank <= s.equalRank + 4)
    }
    #expect(LatencyShapeSampler.rank(fraction: 0.1, equalRank: 307) == 32)
    #expect(LatencyShapeSampler.rank(fraction: 0.1, equalRank: 40) == 8)
  }

  @Test func collectAppendsFlushedRowsAndKeepsThemOnStop() throws {
    var tiny = LatencyShapeSampler()
    tiny.batches = [1]
    tiny.tokenSides = [7]
    tiny.widthPowers = [0]
    let quick = LatencyTiming(warmupCalls: 1, minimumSeconds: 0.001)
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/lat.csv"
      let first = try LatencyDataset.collect(
        n: 2, file: path, seed: 1, runs: 2, timing: quick, sampler: tiny)
      #expect(first.count == 2)
      _ = try LatencyDataset.collect(
        n: 1, file: path, seed: 2, runs: 2, timing: quick, sampler: tiny)
      let stopped = try LatencyDataset.collect(
        n: 3, file: path, seed: 3, runs: 2, timing: quick, sampler: tiny, shouldStop: { true })
      #expect(stopped.count == 0)
      let loaded = try LatencyDataset.load(path)
      #expect(loaded.count == 3)
      #expect(Array(loaded.samples.prefix(2)).map(\.shape) == first.samples.map(\.shape))
      for s in loaded.samples {
        #expect(s.denseMilliseconds > 0 && s.rank1Milliseconds > 0 && s.rankMilliseconds > 0)
      }
    }
  }

  @Test func appendingToForeignHeaderIsRefused() throws {
    try TestSupport.withTemporaryDirectory { dir in
      let path = dir + "/other.csv"
      try AtomicFile.write(Array("a,b\n1,2\n".utf8), to: path)
      #expect(
        throws: LatencyError.incompatibleHeader(
          file: path, header: ["a", "b"], expected: LatencyDataset.columns)
      ) {
        try LatencyDataset.collect(n: 1, file: path)
      }
    }
  }
}
