import FlarLinAlg

/// The invertible input transform `T` applied before the SVD of `W T`.
public enum InputTransform: Sendable {
  /// `T = I`: plain truncated SVD of `W` (the `svd`/PELA baseline).
  case identity
  /// `T = S`, the lower Cholesky factor of the second moment (FLAR-SVD,
  /// SVD-LLM).
  case lowerTriangular(Matrix<Double>)
  /// `T = diag(s)`, ASVD's per-input-channel scaling (all `s_j > 0`).
  case diagonal([Double])
}

/// The SVD `W T = U Σ Vᵀ` of a transformed weight, ready to give factors
/// for any rank.
///
/// Legend (reference-notes.md §1): `W` is `m x n` (out x in), `r = min(m,
/// n)`, `Σ = diag(σ)` descending. Undoing the transform,
///
///     W = U Σ Vᵀ T⁻¹ = Σ_i σ_i u_i z_iᵀ,    Zᵀ = Vᵀ T⁻¹  (r x n)
///
/// and the rank-`k` approximation is `Ŵ_k = U_k Σ_k Z_kᵀ`. `Zᵀ` is
/// computed once, by one triangular solve (never an explicit inverse, and
/// not the reference code's `pinv`), so that factors for every rank of a
/// search cost only a copy.
public struct LowRankDecomposition: Sendable {
  /// The layer name, for errors.
  public let layer: String
  /// `m`, the output width.
  public let outputs: Int
  /// `n`, the input width.
  public let inputs: Int
  /// The SVD of `W T` (`vt` empty, 0 x n, once `compacted`).
  public internal(set) var svd: SVD<Double>
  /// `Zᵀ = Vᵀ T⁻¹` (`r x n`).
  public let projected: Matrix<Double>
  /// `‖W‖²_F` of the original weight.
  public let weightSquaredNorm: Double
  /// The transform that was applied (its kind only, with an empty matrix,
  /// once `compacted`).
  public internal(set) var transform: InputTransform

  /// `r = min(m, n)`, the largest rank.
  public var maxRank: Int { svd.s.count }

  /// The same decomposition without `Vᵀ` and the transform's matrix, which
  /// `factors(rank:)` and the criteria do not read (they use `U`, `σ`, `Zᵀ`).
  ///
  /// A pipeline that keeps one decomposition per layer until its rank
  /// search ends holds about half the memory this way (for a whitened
  /// 768 x 3072 layer, 38 MB instead of 132 MB with its Cholesky factor).
  public func compacted() -> LowRankDecomposition {
    var c = self
    c.svd.vt = Matrix(rows: 0, columns: inputs)
    switch transform {
    case .identity: break
    case .lowerTriangular: c.transform = .lowerTriangular(Matrix(rows: 0, columns: 0))
    case .diagonal: c.transform = .diagonal([])
    }
    return c
  }

  /// The factors `L` (`m x k`) and `R` (`k x n`) of rank `k`.
  ///
  /// They split the truncated SVD as
  ///     L = U_k √Σ_k,     R = √Σ_k V_kᵀ T⁻¹,     Ŵ_k = L R
  ///
  /// so that the layer becomes `x ↦ L (R x) + b`. Splitting `√Σ` evenly
  /// between the factors is the reference code's choice.
  ///
  /// - Throws: `FactorizationError.rankOutOfRange` unless `0 <= k <= r`.
  /// - Note: Checked against NumPy and by reconstruction in
  ///   `FactorizationTests`.
  public func factors(rank k: Int) throws -> LowRankFactors {
    guard k >= 0, k <= maxRank else {
      throw FactorizationError.rankOutOfRange(layer: layer, rank: k, maximum: maxRank)
    }
    let roots = svd.s[0..<k].map { $0.squareRoot() }
    let left = svd.u.slice(rows: 0..<outputs, columns: 0..<k).scalingColumns(by: roots)
    let right = projected.slice(rows: 0..<k, columns: 0..<inputs).scalingRows(by: roots)
    return LowRankFactors(left: left, right: right)
  }
}

/// A rank-`k` pair `Ŵ = L R`.
public struct LowRankFactors: Sendable {
  /// `L`, `m x k`.
  public var left: Matrix<Double>
  /// `R`, `k x n`.
  public var right: Matrix<Double>
  /// `k`.
  public var rank: Int { left.columns }
  /// `k (m + n)`, the parameters the pair stores (without bias).
  public var parameterCount: Int { left.count + right.count }
  /// `Ŵ = L R` (`m x n`), for checks; a compressed layer never forms it.
  public func reconstruction() -> Matrix<Double> {
    try! left.matmul(right)  // inner sizes agree by construction
  }
}

/// The whitened SVD `W S = U Σ Vᵀ` of a weight, FLAR-SVD's decomposition.
///
/// Minimising `‖(W − Ŵ) X‖_F` over rank-`k` `Ŵ`, with `X Xᵀ = H = S Sᵀ`, is
/// minimising `‖(W − Ŵ) S‖_F`; its solution is `Ŵ_k = U_k Σ_k V_kᵀ S⁻¹` and
/// the error is `Σ_{i>k} σ_i²` (see `whitenedErrors`). Statistics, Cholesky
/// and SVD are in float64; the reference code casts the factors to float32
/// before the SVD and uses `pinv(S)`, flar does neither.
///
/// Thoma, M. et al. (2025). FLAR-SVD: Fast and Latency-Aware Singular Value
/// Decomposition for Model Compression. CVPR Workshops. Wang, X. et al.
/// (2025). SVD-LLM: Truncation-aware singular value decomposition for large
/// language model compression. ICLR.
///
/// - Throws: `FactorizationError.shapeMismatch` when `W` is not `n` wide;
///   `FactorizationError.nonFinite`; `LinAlgError.svdDidNotConverge`.
/// - Note: Checked against NumPy in `FactorizationTests`.
///
/// The corresponding LAPACK/BLAS routines are `dgemm`, `dgesdd`, `dtrsm`.
public func whitenedSVD(
  weight: Matrix<Float>, whitening: Whitening, layer: String = ""
) throws -> LowRankDecomposition {
  try decompose(weight.converted(), transform: .lowerTriangular(whitening.factor), layer: layer)
}

/// `whitenedSVD` for a Double weight.
public func whitenedSVD(
  weight: Matrix<Double>, whitening: Whitening, layer: String = ""
) throws -> LowRankDecomposition {
  try decompose(weight, transform: .lowerTriangular(whitening.factor), layer: layer)
}

/// The plain truncated SVD `W = U Σ Vᵀ` (no activation awareness).
///
/// - Throws: `FactorizationError.nonFinite`; `LinAlgError.svdDidNotConverge`.
///
/// The corresponding LAPACK routine is `dgesdd`.
public func plainSVD(weight: Matrix<Float>, layer: String = "") throws -> LowRankDecomposition {
  try decompose(weight.converted(), transform: .identity, layer: layer)
}

/// `plainSVD` for a Double weight.
public func plainSVD(weight: Matrix<Double>, layer: String = "") throws -> LowRankDecomposition {
  try decompose(weight, transform: .identity, layer: layer)
}

/// ASVD's scaled SVD `W diag(s) = U Σ Vᵀ`, undone in `R`.
///
/// ASVD sets `s_j = (mean |x_j|)^α` with `α = 0.5` (from
/// `LayerStatistics.meanAbs`, or `maxAbs`). Channels with `s_j = 0` never
/// fire; clamp them to a small positive value before calling.
///
/// Yuan, Z. et al. (2023). ASVD: Activation-aware singular value
/// decomposition for compressing large language models. arXiv:2312.05821.
///
/// - Throws: `FactorizationError.nonPositiveScale` for `s_j <= 0`;
///   `FactorizationError.shapeMismatch`; `LinAlgError.svdDidNotConverge`.
///
/// The corresponding LAPACK routine is `dgesdd`.
public func scaledSVD(
  weight: Matrix<Float>, scales: [Double], layer: String = ""
) throws -> LowRankDecomposition {
  try scaledSVD(weight: weight.converted() as Matrix<Double>, scales: scales, layer: layer)
}

/// `scaledSVD` for a Double weight.
public func scaledSVD(
  weight: Matrix<Double>, scales: [Double], layer: String = ""
) throws -> LowRankDecomposition {
  if let j = scales.firstIndex(where: { !($0 > 0) || !$0.isFinite }) {
    throw FactorizationError.nonPositiveScale(layer: layer, channel: j, value: scales[j])
  }
  return try decompose(weight, transform: .diagonal(scales), layer: layer)
}

func decompose(
  _ w: Matrix<Double>, transform: InputTransform, layer: String
) throws -> LowRankDecomposition {
  guard !w.hasNonFinite else { throw FactorizationError.nonFinite(layer: layer, what: "weight") }
  let n = w.columns
  let transformed: Matrix<Double>
  switch transform {
  case .identity: transformed = w
  case .lowerTriangular(let s):
    guard s.rows == n else {
      throw FactorizationError.shapeMismatch(layer: layer, weight: [w.rows, n], whitening: s.rows)
    }
    transformed = try w.matmul(s)
  case .diagonal(let d):
    guard d.count == n else {
      throw FactorizationError.shapeMismatch(layer: layer, weight: [w.rows, n], whitening: d.count)
    }
    transformed = w.scalingColumns(by: d)
  }
  let f = try svd(transformed)
  let projected: Matrix<Double>
  switch transform {
  case .identity: projected = f.vt
  case .lowerTriangular(let s):
    // Zᵀ S = Vᵀ: a right-side solve with the lower factor.
    projected = try solveTriangular(s, f.vt, side: .right, triangle: .lower)
  case .diagonal(let d): projected = f.vt.scalingColumns(by: d.map { 1 / $0 })
  }
  return LowRankDecomposition(
    layer: layer, outputs: w.rows, inputs: n, svd: f, projected: projected,
    weightSquaredNorm: w.squaredFrobeniusNorm, transform: transform)
}
