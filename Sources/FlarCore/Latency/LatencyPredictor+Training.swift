#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LatencyPredictor {
  /// Trains a predictor on a latency data set with a seeded held-out split.
  ///
  /// Rows with a non-finite ratio (`t_dense ≤ t₁`, see `recoveryRatio`) are
  /// dropped and counted. The remaining rows are shuffled with a `SplitMix64`
  /// stream derived from `options.seed`; the first `round(testFraction · n)`
  /// (at least 1) are held out, the forest and the two power laws are fitted
  /// on the rest, and the held-out R² and MAE of the ratio, the median
  /// relative errors of the millisecond estimates and the accuracy of the
  /// pays-off decision are stored in `metadata`.
  ///
  /// - Parameters:
  ///   - data: measured rows (any hardware; `hardware` should say which).
  ///   - options: forest options (scikit-learn's defaults, 100 trees).
  ///   - testFraction: held-out fraction, in (0, 0.5].
  ///   - hardware: where `data` was measured; this machine by default.
  ///   - shouldStop: asked before each tree (Ctrl-C).
  /// - Throws: `LatencyError.tooFewSamples` below 10 usable rows;
  ///   `LatencyError.trainingCancelled` when `shouldStop` said so;
  ///   `LatencyError.invalidOption` for an option out of range.
  public static func train(
    _ data: LatencyDataset, options: RandomForest.Options = RandomForest.Options(),
    testFraction: Double = 0.2, hardware: String = hardwareDescription(),
    shouldStop: () -> Bool = { false }
  ) throws -> LatencyPredictor {
    guard testFraction > 0 && testFraction <= 0.5 else {
      throw LatencyError.invalidOption(
        name: "test fraction", value: "\(testFraction)", expected: "a fraction in (0, 0.5]")
    }
    let (rows, dropped) = data.finiteRatioSamples
    guard rows.count >= 10 else {
      throw LatencyError.tooFewSamples(usable: rows.count, minimum: 10)
    }
    let (train, test) = split(rows, testFraction: testFraction, seed: options.seed)
    let forest = try RandomForest.fit(
      features: train.map { $0.shape.features }, targets: train.map(\.ratio), options: options,
      shouldStop: shouldStop)
    let denseTime = PowerLawTimeModel.fit(train.map { ($0.shape, $0.denseMilliseconds) })
    let rank1Time = PowerLawTimeModel.fit(train.map { ($0.shape, $0.rank1Milliseconds) })
    var predictor = LatencyPredictor(
      forest: forest, denseTime: denseTime, rank1Time: rank1Time,
      metadata: Metadata(
        hardware: hardware, sampleCount: rows.count, droppedNonFinite: dropped,
        trainCount: train.count, testCount: test.count, r2: 0, mae: 0, denseRelativeError: 0,
        rank1RelativeError: 0, rankRelativeError: 0, decisionAccuracy: 0,
        flarVersion: flarVersion))
    predictor.score(on: test)
    return predictor
  }

  /// Loads a latency CSV and trains on it (see `train(_:options:…)`).
  public static func train(
    csv path: String, options: RandomForest.Options = RandomForest.Options(),
    testFraction: Double = 0.2, hardware: String = hardwareDescription()
  ) throws -> LatencyPredictor {
    try train(
      LatencyDataset.load(path), options: options, testFraction: testFraction, hardware: hardware)
  }

  /// The seeded split: (training rows, held-out rows).
  static func split(_ rows: [LatencySample], testFraction: Double, seed: UInt64)
    -> (train: [LatencySample], test: [LatencySample])
  {
    var generator = SplitMix64(seed: SplitMix64.derivedSeed(seed, index: -1))
    let order = Array(rows.indices).shuffled(using: &generator)
    let testCount = Swift.max(1, Int((testFraction * Double(rows.count)).rounded()))
    return (order[testCount...].map { rows[$0] }, order[..<testCount].map { rows[$0] })
  }

  private mutating func score(on test: [LatencySample]) {
    let predictions = test.map { prediction($0.shape) }
    let y = test.map(\.ratio)
    let yHat = predictions.map(\.ratio)
    func medianRelativeError(_ estimate: [Double], _ truth: [Double]) -> Double {
      let e = zip(estimate, truth).map { abs($0 - $1) / $1 }.sorted()
      return e.count % 2 == 1 ? e[e.count / 2] : (e[e.count / 2 - 1] + e[e.count / 2]) / 2
    }
    metadata.r2 = RegressionScore.r2(actual: y, predicted: yHat)
    metadata.mae = RegressionScore.meanAbsoluteError(actual: y, predicted: yHat)
    metadata.denseRelativeError = medianRelativeError(
      predictions.map(\.denseMilliseconds), test.map(\.denseMilliseconds))
    metadata.rank1RelativeError = medianRelativeError(
      predictions.map(\.rank1Milliseconds), test.map(\.rank1Milliseconds))
    metadata.rankRelativeError = medianRelativeError(
      predictions.map(\.milliseconds), test.map(\.rankMilliseconds))
    let agree = zip(y, yHat).filter { ($0 > 0 && $0 < 1) == ($1 > 0 && $1 < 1) }.count
    metadata.decisionAccuracy = Double(agree) / Double(test.count)
  }

  /// A description of this machine, as GEMM times depend on it.
  ///
  /// It gives the CPU's model name from `/proc/cpuinfo`, the number of
  /// online cores and, when set, `OPENBLAS_NUM_THREADS`, for example "AMD EPYC, 2 cores, OPENBLAS_NUM_THREADS=1"; the model is
  /// "unknown CPU" where `/proc/cpuinfo` cannot be read.
  public static func hardwareDescription() -> String {
    let cores = sysconf(Int32(_SC_NPROCESSORS_ONLN))
    var model = "unknown CPU"
    if let file = fopen("/proc/cpuinfo", "r") {
      defer { fclose(file) }
      var buffer = [CChar](repeating: 0, count: 1024)
      while fgets(&buffer, Int32(buffer.count), file) != nil {
        let line = String(
          decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if line.hasPrefix("model name"), let colon = line.firstIndex(of: ":") {
          model = line[line.index(after: colon)...].trimmingWhitespace()
          break
        }
      }
    }
    if let threads = getenv("OPENBLAS_NUM_THREADS") {
      return "\(model), \(cores) cores, OPENBLAS_NUM_THREADS=\(String(cString: threads))"
    }
    return "\(model), \(cores) cores"
  }
}

extension StringProtocol {
  fileprivate func trimmingWhitespace() -> String {
    String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
  }
}
