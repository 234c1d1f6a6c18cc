import Foundation
import Testing

@testable import FlarCore

/// Measures a latency data set on this machine and trains a predictor on it.
///
/// Not a test: it runs only when `FLAR_COLLECT_LATENCY` names the CSV to
/// append to, and it asserts nothing about times. Run it in release mode
/// (the bias add is a Swift loop):
///
///     FLAR_COLLECT_LATENCY=/tmp/lat.csv FLAR_LATENCY_N=500 FLAR_LATENCY_SEED=0 \
///       swift test -c release -Xswiftc -enable-testing --filter collectAndTrainOnThisMachine
///
/// The predictor goes to the CSV's path with `.json` in place of `.csv`.
@Suite struct LatencyCollectionDriver {
  static let environment = ProcessInfo.processInfo.environment

  @Test(.enabled(if: environment["FLAR_COLLECT_LATENCY"] != nil))
  func collectAndTrainOnThisMachine() throws {
    let csv = Self.environment["FLAR_COLLECT_LATENCY"]!
    let n = Int(Self.environment["FLAR_LATENCY_N"] ?? "") ?? 500
    let seed = UInt64(Self.environment["FLAR_LATENCY_SEED"] ?? "") ?? 0
    let clock = ContinuousClock()
    let start = clock.now
    if n > 0 {
      _ = try LatencyDataset.collect(
        n: n, file: csv, seed: seed,
        progress: { done, s in
          if done % 50 == 0 { print("measured \(done)/\(n): \(s.shape) Y \(s.ratio)") }
        })
    }
    print("collection took \(clock.now - start)")
    let trainStart = clock.now
    let predictor = try LatencyPredictor.train(csv: csv)
    print("training took \(clock.now - trainStart)")
    try predictor.save(to: String(csv.dropLast(4)) + ".json")
    print("metadata \(predictor.metadata)")
  }
}
