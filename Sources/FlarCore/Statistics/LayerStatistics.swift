import FlarLinAlg

/// Streamed input statistics of one linear layer, in float64.
///
/// Tokens `x_1 … x_N ∈ ℝⁿ` (the rows of each batch) are folded in batch by
/// batch; memory is `O(n²)` whatever `N` is: one `n x n` Gram plus a few
/// length-`n` vectors. Legend (reference-notes.md): `N` = `tokenCount`,
/// `n` = `features`, `G = Σ x xᵀ` = `gram`, `μ = Σx / N`.
///
/// What is kept is exactly what the estimators need without the samples:
/// the second moment `H = G / N` (and the centred `G/N − μμᵀ`), the
/// Ledoit–Wolf `β` through `Σ‖x‖⁴`, `Σ‖x‖² x` and `Σ‖x‖²`, ASVD's per-channel
/// `mean |x|` and `max |x|`, and where NaN/Inf was first seen.
///
/// Gram path: each Float batch is converted to Double once (one pass that
/// also gathers the per-token sums), then one `dsyrk` adds `XᵀX` into the
/// upper triangle of the running Gram; the lower triangle is mirrored when
/// `gram` is read. SYRK does half the flops of GEMM; `flar-bench linalg`
/// measures both (`GramKernel`) and the default is the faster one there.
///
/// A batch holding NaN or infinity is recorded (`firstNonFinite`) and left
/// out of every sum, so the other sums stay finite; the estimators refuse
/// statistics that saw one, with an error naming the layer and batch.
///
/// - Note: Checked against sums over the full sample matrix in
///   `LayerStatisticsTests`.
public struct LayerStatistics: Sendable {
  /// How the Gram `Σ x xᵀ` of a batch is accumulated.
  public enum GramKernel: Sendable { case syrk, gemm }

  /// Where a non-finite value was first seen.
  public struct NonFiniteLocation: Sendable, Equatable {
    public var batch: Int, token: Int, channel: Int
    public init(batch: Int, token: Int, channel: Int) {
      (self.batch, self.token, self.channel) = (batch, token, channel)
    }
  }

  /// The layer name, used in error messages.
  public let layer: String
  /// The input width `n`.
  public let features: Int
  /// Per-batch shrinkage applied to each batch's own second moment, or nil.
  public let perBatch: PerBatchShrinkage?
  /// The kernel used for the Gram update.
  public let gramKernel: GramKernel

  /// `N`, the tokens accumulated (batches with NaN/Inf excluded).
  public internal(set) var tokenCount = 0
  /// Batches offered, including any left out for NaN/Inf.
  public internal(set) var batchCount = 0
  public internal(set) var sum: [Double]  // Σ x            (n)
  var gramUpper: Matrix<Double>  // Σ x xᵀ, upper triangle valid
  public internal(set) var sumNormFourth = 0.0  // Σ ‖x‖⁴
  public internal(set) var sumNormSquaredX: [Double]  // Σ ‖x‖² x      (n)
  public internal(set) var sumNormSquared = 0.0  // Σ ‖x‖²
  public internal(set) var sumAbs: [Double]  // Σ |x_j|       (n)
  public internal(set) var maxAbs: [Double]  // max |x_j|     (n)
  /// The first NaN/Inf seen, or nil.
  public internal(set) var firstNonFinite: NonFiniteLocation?
  /// Σ_b shrink(H_b) over the batches, when `perBatch` is set.
  public internal(set) var perBatchShrunkSum: Matrix<Double>?
  /// The λ chosen for each accumulated batch, when `perBatch` is set.
  public internal(set) var perBatchLambdas: [Double] = []

  /// An empty accumulator for an `n`-wide input.
  public init(
    layer: String = "", features n: Int, perBatch: PerBatchShrinkage? = nil,
    gramKernel: GramKernel = .syrk
  ) {
    self.layer = layer
    self.features = n
    self.perBatch = perBatch
    self.gramKernel = gramKernel
    sum = [Double](repeating: 0, count: n)
    gramUpper = Matrix(rows: n, columns: n)
    sumNormSquaredX = sum
    sumAbs = sum
    maxAbs = sum
    perBatchShrunkSum = perBatch == nil ? nil : Matrix(rows: n, columns: n)
  }

  /// The Gram `Σ x xᵀ` (`n x n`, symmetric).
  public var gram: Matrix<Double> {
    var g = gramUpper
    let n = features
    g.storage.withUnsafeMutableBufferPointer { p in
      for i in 0..<n { for j in 0..<i { p[i * n + j] = p[j * n + i] } }
    }
    return g
  }

  /// The mean `μ = Σx / N` (zeros when `N = 0`).
  public var mean: [Double] { sum.map { tokenCount == 0 ? 0 : $0 / Double(tokenCount) } }

  /// ASVD's per-channel `mean |x_j|` (zeros when `N = 0`).
  public var meanAbs: [Double] {
    sumAbs.map { tokenCount == 0 ? 0 : $0 / Double(tokenCount) }
  }

  /// Folds in a batch whose rows are tokens (`tokens x n`).
  ///
  /// - Throws: `StatisticsError.featureMismatch` when the batch is not
  ///   `n` wide. A batch with NaN/Inf is recorded, not thrown on.
  public mutating func add(batch: Matrix<Float>) throws { try addGeneric(batch) }

  /// Folds in a Double batch (rows are tokens).
  public mutating func add(batch: Matrix<Double>) throws { try addGeneric(batch) }

  mutating func addGeneric<T: LinAlgScalar>(_ batch: Matrix<T>) throws {
    guard batch.columns == features else {
      throw StatisticsError.featureMismatch(
        layer: layer, expected: features, actual: batch.columns)
    }
    let index = batchCount
    batchCount += 1
    guard let x = Self.convertedIfFinite(batch) else {
      if firstNonFinite == nil { firstNonFinite = Self.locateNonFinite(batch, batch: index) }
      return
    }
    guard let mode = perBatch else {
      accumulate(x)
      return
    }
    // Shrink this batch's own second moment, then merge its sums in: the
    // batch Gram is computed once and serves both.
    var one = LayerStatistics(layer: layer, features: features, gramKernel: gramKernel)
    one.accumulate(x)  // its batchCount stays 0: this batch is counted above
    if one.tokenCount > 0 {
      let shrunk = try shrink(one, method: mode.method, centering: mode.centering)
      perBatchShrunkSum! += shrunk.matrix
      perBatchLambdas.append(shrunk.lambda)
    }
    mergeSums(one)
  }

  /// The batch in Double, or nil if it holds NaN/Inf.
  static func convertedIfFinite<T: LinAlgScalar>(_ b: Matrix<T>) -> Matrix<Double>? {
    var finite = true
    var out = [Double](repeating: 0, count: b.count)
    b.storage.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        for i in 0..<src.count {
          let v = src[i]
          finite = finite && v.isFinite
          dst[i] = Double(v)
        }
      }
    }
    return finite ? Matrix(rows: b.rows, columns: b.columns, storage: out) : nil
  }

  static func locateNonFinite<T: LinAlgScalar>(_ b: Matrix<T>, batch: Int) -> NonFiniteLocation? {
    guard let i = b.storage.firstIndex(where: { !$0.isFinite }) else { return nil }
    return NonFiniteLocation(batch: batch, token: i / b.columns, channel: i % b.columns)
  }

  /// Adds a finite Double batch to every sum.
  mutating func accumulate(_ x: Matrix<Double>) {
    let n = features
    let rows = x.rows
    if rows == 0 { return }
    tokenCount += rows
    // Locals and raw pointers keep the per-element loop free of property
    // accesses; it runs once per token and channel.
    var s = sum
    var q = sumNormSquaredX
    var a = sumAbs
    var m = maxAbs
    var second = sumNormSquared
    var fourth = sumNormFourth
    x.storage.withUnsafeBufferPointer { xp in
      s.withUnsafeMutableBufferPointer { sp in
        q.withUnsafeMutableBufferPointer { qp in
          a.withUnsafeMutableBufferPointer { ap in
            m.withUnsafeMutableBufferPointer { mp in
              let (ps, pq, pa, pm) = (
                sp.baseAddress!, qp.baseAddress!, ap.baseAddress!, mp.baseAddress!
              )
              for t in 0..<rows {
                let row = xp.baseAddress! + t * n
                var norm2 = 0.0
                for j in 0..<n {
                  let v = row[j]
                  ps[j] += v
                  norm2 += v * v
                  let av = Swift.abs(v)
                  pa[j] += av
                  pm[j] = Swift.max(pm[j], av)
                }
                for j in 0..<n { pq[j] += norm2 * row[j] }
                second += norm2
                fourth += norm2 * norm2
              }
            }
          }
        }
      }
    }
    (sum, sumNormSquaredX, sumAbs, maxAbs) = (s, q, a, m)
    (sumNormSquared, sumNormFourth) = (second, fourth)
    switch gramKernel {
    case .syrk:
      // Only the upper triangle is updated; `gram` mirrors it once.
      try! gramUpper.addGram(of: x, mirror: false)  // shapes agree
    case .gemm:
      try! gramUpper.addProduct(x, x, transposeA: true)
    }
  }

  /// Folds in another accumulator of the same layer and width: the result
  /// is as if its batches had come after this one's.
  ///
  /// - Throws: `StatisticsError.featureMismatch`,
  ///   `StatisticsError.perBatchSettingsDiffer`.
  public mutating func merge(_ other: LayerStatistics) throws {
    guard other.features == features else {
      throw StatisticsError.featureMismatch(
        layer: layer, expected: features, actual: other.features)
    }
    guard other.perBatch == perBatch else {
      throw StatisticsError.perBatchSettingsDiffer(layer: layer)
    }
    if let o = other.perBatchShrunkSum { perBatchShrunkSum! += o }
    perBatchLambdas += other.perBatchLambdas
    mergeSums(other)
  }

  mutating func mergeSums(_ other: LayerStatistics) {
    if firstNonFinite == nil, var loc = other.firstNonFinite {
      loc.batch += batchCount
      firstNonFinite = loc
    }
    tokenCount += other.tokenCount
    batchCount += other.batchCount
    gramUpper += other.gramUpper
    sumNormFourth += other.sumNormFourth
    sumNormSquared += other.sumNormSquared
    for j in 0..<features {
      sum[j] += other.sum[j]
      sumNormSquaredX[j] += other.sumNormSquaredX[j]
      sumAbs[j] += other.sumAbs[j]
      maxAbs[j] = Swift.max(maxAbs[j], other.maxAbs[j])
    }
  }

  /// Throws if a NaN/Inf was seen or no token was: the estimators' guard.
  public func checkUsable() throws {
    if let l = firstNonFinite {
      throw StatisticsError.nonFiniteInput(
        layer: layer, batch: l.batch, token: l.token, channel: l.channel)
    }
    if tokenCount == 0 { throw StatisticsError.noTokens(layer: layer) }
  }
}

/// Shrinkage applied to each calibration batch's second moment before the
/// batches are summed, as the FLAR-SVD reference code does
/// (reference-notes.md §2).
///
/// The batch-independent estimate on the whole
/// calibration set (`shrink(_:method:centering:)`) is flar's default.
///
/// Departure: the reference code's batch matrix is the per-sequence Gram
/// `X_sᵀ X_s` averaged over the sequences of the batch, `G_b / B_b`; flar
/// uses the per-token mean `H_b = G_b / N_b` (tokens flattened, no
/// `B x n x n` tensor). The two differ by the factor tokens-per-sequence,
/// which is one constant when batches have equal shape; `λ` is invariant to
/// the scale of `H_b` for every method, and a common scale of the sum
/// changes neither the whitened factors nor the ranks.
public struct PerBatchShrinkage: Sendable, Equatable {
  public var method: ShrinkageMethod
  public var centering: Centering
  public init(method: ShrinkageMethod, centering: Centering = .uncentered) {
    self.method = method
    self.centering = centering
  }
}
