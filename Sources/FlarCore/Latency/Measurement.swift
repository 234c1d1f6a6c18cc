import FlarLinAlg

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The shape of one linear layer on packed tokens, and a rank for its
/// low-rank form: the features of the latency predictor.
///
/// The runtime computes a dense layer as `Y = X Wᵀ + b` with `X` of
/// `(batch·tokens) × in` and `W` of `out × in`, and a low-rank pair as
/// `Y = (X Rᵀ) Lᵀ + b` with `R` of `rank × in` and `L` of `out × rank`.
public struct LatencyShape: Sendable, Hashable, CustomStringConvertible {
  /// Number of sequences (images in the paper).
  public var batch: Int
  /// Tokens per sequence (`Patch_dim` in the reference's CSV).
  public var tokens: Int
  /// Input features of the layer.
  public var inFeatures: Int
  /// Output features of the layer.
  public var outFeatures: Int
  /// The rank `k` of the low-rank pair.
  public var rank: Int

  /// Creates a shape; it is checked where it is used (`validated()`).
  public init(batch: Int, tokens: Int, inFeatures: Int, outFeatures: Int, rank: Int) {
    self.batch = batch
    self.tokens = tokens
    self.inFeatures = inFeatures
    self.outFeatures = outFeatures
    self.rank = rank
  }

  /// Rows of the packed activation matrix: `batch · tokens`.
  public var rows: Int { batch * tokens }

  /// The equal-cost rank `k_eq = ⌊in·out / (in + out)⌋`, at which the pair
  /// holds as many parameters as the dense weight.
  public var equalRank: Int { inFeatures * outFeatures / (inFeatures + outFeatures) }

  /// The predictor's features, in order (`LatencyPredictor.features`):
  /// the reference's five — batch, tokens, in, out, rank — and four derived
  /// from them: rows = batch·tokens, the rank fraction k / k_eq, the FLOP
  /// ratio of pair to dense k·(in + out) / (in·out), and log₂ of the dense
  /// FLOPs 2·rows·in·out.
  ///
  /// Why derived features: Y depends mostly on ratios and products of the
  /// raw dimensions, which axis-aligned tree splits approximate only in
  /// steps. On this project's 300 CPU measurements they raised the held-out
  /// R² of scikit-learn's forest from 0.78 to 0.87 (mean of 5 splits;
  /// BENCHMARKS.md). `Tests/Fixtures/generate_latency.py` computes the same.
  public var features: [Double] {
    let r = Double(rows)
    let i = Double(inFeatures)
    let o = Double(outFeatures)
    let k = Double(rank)
    return [
      Double(batch), Double(tokens), i, o, k,
      r, k / Double(Swift.max(1, equalRank)), k * (i + o) / (i * o), log2(2 * r * i * o),
    ]
  }

  public var description: String {
    "batch \(batch), tokens \(tokens), in \(inFeatures), out \(outFeatures), rank \(rank)"
  }

  /// Returns `self` when every dimension is positive and `rank ≤ min(in, out)`.
  ///
  /// - Throws: `LatencyError.invalidShape` saying which condition failed.
  public func validated() throws -> LatencyShape {
    let named = [
      ("batch", batch), ("tokens", tokens), ("in", inFeatures),
      ("out", outFeatures), ("rank", rank),
    ]
    if let (name, value) = named.first(where: { $0.1 < 1 }) {
      throw LatencyError.invalidShape(self, reason: "\(name) must be at least 1, got \(value)")
    }
    if rank > Swift.min(inFeatures, outFeatures) {
      throw LatencyError.invalidShape(
        self, reason: "rank \(rank) exceeds min(in, out) = \(Swift.min(inFeatures, outFeatures))")
    }
    return self
  }
}

/// The measured latencies of one layer shape: dense, rank 1 and rank k.
public struct LatencyMeasurement: Sendable, Equatable {
  /// The shape measured.
  public let shape: LatencyShape
  /// `X Wᵀ + b`.
  public let dense: TimingSummary
  /// The rank-1 pair `(X R₁ᵀ) L₁ᵀ + b`.
  public let rank1: TimingSummary
  /// The rank-k pair `(X Rᵀ) Lᵀ + b`.
  public let rankK: TimingSummary

  /// The latency recovery ratio `Y` of the medians (see `recoveryRatio`).
  public var ratio: Double {
    recoveryRatio(
      denseMilliseconds: dense.medianMilliseconds, rank1Milliseconds: rank1.medianMilliseconds,
      rankMilliseconds: rankK.medianMilliseconds)
  }

  /// True when any of the three forms had slowest/fastest > 4.
  public var isUnstable: Bool { dense.isUnstable || rank1.isUnstable || rankK.isUnstable }
}

/// The latency recovery ratio of a low-rank pair.
///
///     Y = (t_k − t_1) / (t_dense − t_1)
///
/// `Y < 1` means the rank-k pair is faster than the dense layer, `Y ≥ 1`
/// that it is not (FLAR-SVD, CVPRW 2025, supplementary §7; reference-notes
/// §5). When `t_dense ≤ t_1`, not even the rank-1 pair is faster than the
/// dense layer and the ratio is undefined; it is returned as `+∞` so that it
/// reads as "does not pay off" everywhere (the data-set reader keeps such
/// rows, training skips non-finite targets and says how many).
///
/// - Note: Checked in `MeasurementTests.recoveryRatioFormula`.
public func recoveryRatio(
  denseMilliseconds: Double, rank1Milliseconds: Double, rankMilliseconds: Double
) -> Double {
  let denominator = denseMilliseconds - rank1Milliseconds
  if denominator <= 0 { return .infinity }
  return (rankMilliseconds - rank1Milliseconds) / denominator
}

/// Measures the dense, rank-1 and rank-k forms of one linear layer on this
/// machine, with the timeit protocol of `LatencyTiming`.
///
/// Exactly the GEMMs the runtime does are timed, into preallocated outputs,
/// plus the bias add: dense `X Wᵀ + b` (one `sgemm`), low-rank
/// `(X Rᵀ) Lᵀ + b` (two `sgemm`s through a `rows × k` intermediate). Nothing
/// is allocated inside the timed loops. Values are uniform in [-1, 1) from a
/// fixed seed; GEMM time does not depend on them (no denormals arise).
/// Repetitions of the three forms are interleaved (see `LatencyTiming`).
///
/// - Parameters:
///   - runs: repetitions of each form (at least 1); the median is reported.
///   - timing: warm-up and autorange settings.
///   - shouldStop: asked before every repetition; true cancels (the REPL's
///     Ctrl-C).
/// - Throws: `LatencyError.invalidShape` for a shape with a dimension below 1
///   or a rank above `min(in, out)`; `LatencyError.cancelled`;
///   `LatencyError.invalidOption` for `runs < 1`.
/// - Note: Structure checked in `MeasurementTests`; no timing is asserted.
public func measureLatency(
  batch: Int, tokens: Int, in inFeatures: Int, out outFeatures: Int, rank: Int,
  runs: Int = 15, timing: LatencyTiming = .interactive,
  shouldStop: () -> Bool = { false }
) throws -> LatencyMeasurement {
  let shape = try LatencyShape(
    batch: batch, tokens: tokens, inFeatures: inFeatures, outFeatures: outFeatures, rank: rank
  ).validated()
  guard runs >= 1 else {
    throw LatencyError.invalidOption(name: "runs", value: "\(runs)", expected: "at least 1")
  }
  let workload = LatencyWorkload(shape: shape)
  defer { workload.deallocate() }
  let timer = InterleavedTimer(timing: timing, runs: runs)
  let summaries = try timer.measure(
    [{ workload.dense() }, { workload.lowRank(rank: 1) }, { workload.lowRank(rank: rank) }],
    shouldStop: shouldStop)
  return LatencyMeasurement(
    shape: shape, dense: summaries[0], rank1: summaries[1], rankK: summaries[2])
}

/// The buffers of one measured layer, allocated once and reused by every call.
///
/// The rank-1 pair has its own contiguous `R₁` (1 × in) and `L₁` (out × 1) so
/// that its memory layout is that of a real rank-1 layer.
struct LatencyWorkload {
  let shape: LatencyShape
  let x, w, bias, r, l, r1, l1, h, y: UnsafeMutableBufferPointer<Float>

  init(shape: LatencyShape) {
    self.shape = shape
    let (n, i, o, k) = (shape.rows, shape.inFeatures, shape.outFeatures, shape.rank)
    var random = SplitMix64(seed: 0x1a7e_4c7)
    func filled(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
      let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
      for j in 0..<count { buffer[j] = Float(2 * random.nextUnit() - 1) }
      return buffer
    }
    x = filled(n * i)
    w = filled(o * i)
    bias = filled(o)
    r = filled(k * i)
    l = filled(o * k)
    r1 = filled(i)
    l1 = filled(o)
    h = filled(n * k)
    y = filled(n * o)
  }

  func deallocate() {
    for buffer in [x, w, bias, r, l, r1, l1, h, y] { buffer.deallocate() }
  }

  /// `Y = X Wᵀ + b`.
  func dense() {
    let (n, i, o) = (shape.rows, shape.inFeatures, shape.outFeatures)
    MutableMatrixView(y, rows: n, columns: o).setProduct(
      MatrixView(UnsafeBufferPointer(x), rows: n, columns: i),
      MatrixView(UnsafeBufferPointer(w), rows: o, columns: i), transposeB: true)
    addBias()
  }

  /// `H = X Rᵀ`, `Y = H Lᵀ + b`, with the rank-1 buffers when `rank == 1`.
  func lowRank(rank k: Int) {
    let (n, i, o) = (shape.rows, shape.inFeatures, shape.outFeatures)
    let (rr, ll) = k == 1 ? (r1, l1) : (r, l)
    let hidden = MutableMatrixView(h, rows: n, columns: k)
    hidden.setProduct(
      MatrixView(UnsafeBufferPointer(x), rows: n, columns: i),
      MatrixView(UnsafeBufferPointer(rr), rows: k, columns: i), transposeB: true)
    MutableMatrixView(y, rows: n, columns: o).setProduct(
      hidden.readOnly, MatrixView(UnsafeBufferPointer(ll), rows: o, columns: k),
      transposeB: true)
    addBias()
  }

  /// `Y[t, :] += b` for every packed token `t`.
  private func addBias() {
    let (n, o) = (shape.rows, shape.outFeatures)
    let (yp, bp) = (y.baseAddress!, UnsafePointer(bias.baseAddress!))
    for t in 0..<n {
      let row = yp + t * o
      for j in 0..<o { row[j] += bp[j] }
    }
  }
}
