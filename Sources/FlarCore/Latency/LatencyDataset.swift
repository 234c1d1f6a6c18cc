/// One measured row of a latency data set, in the reference's CSV columns.
public struct LatencySample: Sendable, Equatable {
  /// The layer shape and rank (`Batch_dim, Patch_dim, In_feats, Out_feats, Rank`).
  public var shape: LatencyShape
  /// Dense layer time, `Og_lat`, in milliseconds.
  public var denseMilliseconds: Double
  /// Rank-k pair time, `Latency`, in milliseconds.
  public var rankMilliseconds: Double
  /// Rank-1 pair time, `Min_lat`, in milliseconds.
  public var rank1Milliseconds: Double
  /// The recovery ratio `Lat_recovery` as stored (see `recoveryRatio`).
  public var ratio: Double

  /// Creates a row; `ratio` defaults to the formula applied to the times.
  public init(
    shape: LatencyShape, denseMilliseconds: Double, rankMilliseconds: Double,
    rank1Milliseconds: Double, ratio: Double? = nil
  ) {
    self.shape = shape
    self.denseMilliseconds = denseMilliseconds
    self.rankMilliseconds = rankMilliseconds
    self.rank1Milliseconds = rank1Milliseconds
    self.ratio =
      ratio
      ?? recoveryRatio(
        denseMilliseconds: denseMilliseconds, rank1Milliseconds: rank1Milliseconds,
        rankMilliseconds: rankMilliseconds)
  }

  /// The row of a measurement (medians).
  public init(_ m: LatencyMeasurement) {
    self.init(
      shape: m.shape, denseMilliseconds: m.dense.medianMilliseconds,
      rankMilliseconds: m.rankK.medianMilliseconds, rank1Milliseconds: m.rank1.medianMilliseconds)
  }
}

/// A latency data set: measured rows, from a CSV or from `collect`.
///
/// The CSV format is the reference code's, so that a file measured on other
/// hardware (its TensorRT GPU files included) loads as it is; see
/// `LatencyDataset+CSV.swift`.
public struct LatencyDataset: Sendable, Equatable {
  /// The rows, in file or measurement order.
  public var samples: [LatencySample]

  /// A data set of `samples`.
  public init(samples: [LatencySample]) { self.samples = samples }

  /// Number of rows.
  public var count: Int { samples.count }

  /// Measures `n` random shapes on this machine and appends each row to the
  /// CSV `file` as soon as it is measured.
  ///
  /// Shapes come from `sampler` with a `SplitMix64` generator seeded by
  /// `seed` (the same seed draws the same shapes; the times differ from run to
  /// run). Each row is written and flushed before the next shape is measured,
  /// so an interrupted run keeps every row it finished. A new or empty file
  /// gets the header first; an existing file must have flar's header.
  ///
  /// - Parameters:
  ///   - n: number of shapes to measure.
  ///   - file: the CSV to append to, or nil to keep the rows in memory only.
  ///   - seed: seed of the shape draw.
  ///   - runs: repetitions per form (5 by default: `LatencyTiming.dataset`
  ///     keeps a sample around 0.3–0.4 s on this project's 2-core machines).
  ///   - shouldStop: asked before every repetition; true stops the collection
  ///     and returns the rows finished so far (they are in the file too).
  ///   - progress: called after each row with the number done.
  /// - Returns: the rows measured by this call.
  /// - Throws: file errors (`FileError`), `LatencyError.incompatibleHeader`.
  public static func collect(
    n: Int, file: String? = nil, seed: UInt64 = 0, runs: Int = 5,
    timing: LatencyTiming = .dataset, sampler: LatencyShapeSampler = LatencyShapeSampler(),
    shouldStop: () -> Bool = { false }, progress: (Int, LatencySample) -> Void = { _, _ in }
  ) throws -> LatencyDataset {
    let writer = try file.map { try LatencyCSVAppender(path: $0) }
    defer { writer?.close() }
    var rows: [LatencySample] = []
    for shape in sampler.shapes(count: n, seed: seed) {
      let measurement: LatencyMeasurement
      do {
        measurement = try measureLatency(
          batch: shape.batch, tokens: shape.tokens, in: shape.inFeatures,
          out: shape.outFeatures, rank: shape.rank, runs: runs, timing: timing,
          shouldStop: shouldStop)
      } catch LatencyError.cancelled {
        break
      }
      let sample = LatencySample(measurement)
      try writer?.append(sample)
      rows.append(sample)
      progress(rows.count, sample)
    }
    return LatencyDataset(samples: rows)
  }

  /// The five features of each row: batch, tokens, in, out, rank.
  public var featureRows: [[Double]] { samples.map { $0.shape.features } }

  /// Rows whose ratio is finite, and how many were left out.
  public var finiteRatioSamples: (kept: [LatencySample], dropped: Int) {
    let kept = samples.filter { $0.ratio.isFinite }
    return (kept, samples.count - kept.count)
  }
}
