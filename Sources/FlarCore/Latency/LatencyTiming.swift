/// The timing protocol of latency measurement, after Python's `timeit` and
/// IPython's `%timeit`.
///
/// For each timed operation: call it `warmupCalls` times untimed (OpenBLAS
/// starts its threads and the pages of every buffer are touched), then find
/// the loop count as `timeit.Timer.autorange` does (1, 2, 5, 10, 20, 50, …
/// until one loop takes at least `minimumSeconds`), then repeat that loop
/// `runs` times and keep the time per call of each repetition. The summary is
/// the **median** with min, max and the quartiles; a max/min above 4 is
/// flagged, as `%timeit` warns that "an intermediate result is being cached"
/// or the machine was busy.
///
/// Competing goals, in order: the figures are comparable between the dense
/// and the low-rank forms of one shape (so repetitions of the three forms are
/// interleaved, and a burst of load from another process hits all three);
/// a sample stays well under a second for data-set collection; a Ctrl-C is
/// answered within one repetition.
public struct LatencyTiming: Sendable, Equatable {
  /// Untimed calls of each operation before autoranging.
  public var warmupCalls: Int
  /// The least duration of one timed loop, in seconds.
  public var minimumSeconds: Double
  /// The largest loop count autoranging may reach.
  public var maximumLoops: Int

  /// Creates a protocol; see the type's discussion for the meaning.
  public init(warmupCalls: Int = 2, minimumSeconds: Double = 0.05, maximumLoops: Int = 100_000) {
    self.warmupCalls = warmupCalls
    self.minimumSeconds = minimumSeconds
    self.maximumLoops = maximumLoops
  }

  /// For one measurement at the prompt: 0.05 s loops (with `runs = 15`,
  /// about 2.5 s for the three forms of a layer).
  public static let interactive = LatencyTiming()

  /// For data-set collection: 0.02 s loops, so that 5 runs of the three forms
  /// take about 0.3–0.4 s a sample.
  public static let dataset = LatencyTiming(warmupCalls: 1, minimumSeconds: 0.02)
}

/// The summary of repeated timings of one operation, in milliseconds per call.
public struct TimingSummary: Sendable, Equatable {
  /// Time per call of each repetition, in the order measured.
  public let perCallMilliseconds: [Double]
  /// Calls per timed loop, as found by autoranging.
  public let loops: Int

  /// Creates a summary of per-call times (at least one).
  public init(perCallMilliseconds: [Double], loops: Int) {
    precondition(!perCallMilliseconds.isEmpty, "summary of no timings")
    self.perCallMilliseconds = perCallMilliseconds
    self.loops = loops
  }

  /// The median per-call time: the figure reported.
  public var medianMilliseconds: Double { quantile(0.5) }
  /// The fastest repetition.
  public var minimumMilliseconds: Double { perCallMilliseconds.min()! }
  /// The slowest repetition.
  public var maximumMilliseconds: Double { perCallMilliseconds.max()! }
  /// The interquartile range `(q1, q3)`.
  public var interquartileRange: (lower: Double, upper: Double) {
    (quantile(0.25), quantile(0.75))
  }
  /// True when slowest/fastest > 4, the `%timeit` warning threshold.
  public var isUnstable: Bool { maximumMilliseconds > 4 * minimumMilliseconds }

  /// The `q`-quantile with linear interpolation between order statistics
  /// (NumPy's default `method="linear"`).
  public func quantile(_ q: Double) -> Double {
    let sorted = perCallMilliseconds.sorted()
    let position = q * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down))
    let upper = Swift.min(lower + 1, sorted.count - 1)
    let fraction = position - Double(lower)
    return sorted[lower] + fraction * (sorted[upper] - sorted[lower])
  }
}

/// Runs the timing protocol on several operations with interleaved repetitions.
struct InterleavedTimer {
  let timing: LatencyTiming
  let runs: Int

  /// Times each operation and returns one summary per operation.
  ///
  /// - Throws: `LatencyError.cancelled` when `shouldStop` answers true; it is
  ///   asked before warm-up and before every repetition.
  func measure(
    _ operations: [() -> Void], shouldStop: () -> Bool
  ) throws -> [TimingSummary] {
    if shouldStop() { throw LatencyError.cancelled(completedRepetitions: 0, of: runs) }
    for operation in operations {
      for _ in 0..<timing.warmupCalls { operation() }
    }
    let loops = operations.map { autorange($0) }
    var times = [[Double]](repeating: [], count: operations.count)
    for repetition in 0..<runs {
      if shouldStop() {
        throw LatencyError.cancelled(completedRepetitions: repetition, of: runs)
      }
      for (i, operation) in operations.enumerated() {
        let seconds = Self.seconds(loops[i], operation)
        times[i].append(seconds * 1000 / Double(loops[i]))
      }
    }
    return zip(times, loops).map { TimingSummary(perCallMilliseconds: $0, loops: $1) }
  }

  /// The loop count of `timeit.Timer.autorange`: the first of 1, 2, 5, 10,
  /// 20, 50, … whose loop takes at least `minimumSeconds`.
  func autorange(_ operation: () -> Void) -> Int {
    var base = 1
    while true {
      for multiplier in [1, 2, 5] {
        let loops = base * multiplier
        if loops >= timing.maximumLoops { return timing.maximumLoops }
        if Self.seconds(loops, operation) >= timing.minimumSeconds { return loops }
      }
      base *= 10
    }
  }

  /// Wall-clock seconds of `loops` calls, on the monotonic clock.
  static func seconds(_ loops: Int, _ operation: () -> Void) -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    for _ in 0..<loops { operation() }
    let elapsed = (clock.now - start).components
    return Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
  }
}
