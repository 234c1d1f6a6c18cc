import FlarLinAlg

/// A whitening factor `S` of a second moment `H = S Sᵀ`, with what it took.
public struct Whitening: Sendable {
  /// The lower triangular `S` (`n x n`) with `H + jitter · I = S Sᵀ`.
  public var factor: Matrix<Double>
  /// What was added to the diagonal (0 when the first Cholesky succeeded).
  public var jitter: Double
  /// `H`'s smallest eigenvalue, when the fallback had to compute it.
  public var smallestEigenvalue: Double?
  /// The condition number of the matrix actually factored: LAPACK's 1-norm
  /// estimate `κ₁` after a first-time success, the exact `κ₂ =
  /// (λ_max + jitter) / (λ_min + jitter)` after the fallback.
  public var conditionNumber: Double
  /// True when the eigenvalue-shift fallback was taken.
  public var shifted: Bool { jitter != 0 }
}

/// The Cholesky whitening factor of a second moment, with an
/// eigenvalue-shift fallback.
///
///     H = S Sᵀ,  S lower triangular                 (first attempt)
///     H + ε I = S Sᵀ,  ε = −λ_min + 1e-6 · mean(diag H)   (fallback)
///
/// The fallback is the reference code's, with one departure: the reference
/// shifts by `−λ_min + 1e-6` (an absolute 1e-6), flar by `1e-6` **relative
/// to the scale** `mean(diag H)`, so that the shift means the same for a
/// layer whose inputs are 1e-3 and one whose inputs are 1e3. The jitter and
/// the condition number are reported in the result. Where the reference
/// exits the program (with status 0) after a second failure, flar throws.
///
/// - Parameters:
///   - h: a symmetric second moment (`n x n`).
///   - layer: the layer's name, for errors.
///   - relativeJitter: the shift beyond `−λ_min`, relative to
///     `mean(diag H)` (default `1e-6`).
/// - Throws: `FactorizationError.zeroSecondMoment` when `mean(diag H) == 0`,
///   `.notASecondMoment` when it is negative;
///   `FactorizationError.whiteningFailed` (smallest eigenvalue, jitter
///   tried, failing minor) after a second failure;
///   `FactorizationError.nonFinite` for NaN/Inf in `h`;
///   `LinAlgError.notSquare`.
/// - Note: Checked, with a rank-deficient Gram, in `WhiteningTests`.
///
/// The corresponding LAPACK routines are `dpotrf`, `dpocon` and `dsyevd`.
public func whitening(
  _ h: Matrix<Double>, layer: String = "", relativeJitter: Double = 1e-6
) throws -> Whitening {
  guard h.isSquare else {
    throw LinAlgError.notSquare(operation: "whitening", shape: (h.rows, h.columns))
  }
  guard !h.hasNonFinite else {
    throw FactorizationError.nonFinite(layer: layer, what: "second moment")
  }
  let n = h.rows
  let scale = h.trace / Double(Swift.max(n, 1))
  guard scale >= 0 else {
    throw FactorizationError.notASecondMoment(layer: layer, meanDiagonal: scale)
  }
  guard scale > 0 else { throw FactorizationError.zeroSecondMoment(layer: layer) }
  do {
    let s = try cholesky(h)
    let rcond = try reciprocalConditionEstimate(choleskyFactor: s, oneNorm: h.oneNorm)
    return Whitening(
      factor: s, jitter: 0, smallestEigenvalue: nil,
      conditionNumber: rcond > 0 ? 1 / rcond : .infinity)
  } catch LinAlgError.notPositiveDefinite {
    // Fall through to the shift below.
  }
  let eigenvalues = try symmetricEigenvalues(h)
  let lambdaMin = eigenvalues.first!
  let lambdaMax = eigenvalues.last!
  let jitter = -lambdaMin + relativeJitter * scale
  var shifted = h
  shifted.addToDiagonal(jitter)
  do {
    let s = try cholesky(shifted)
    return Whitening(
      factor: s, jitter: jitter, smallestEigenvalue: lambdaMin,
      conditionNumber: (lambdaMax + jitter) / (lambdaMin + jitter))
  } catch LinAlgError.notPositiveDefinite(_, let minor) {
    throw FactorizationError.whiteningFailed(
      layer: layer, smallestEigenvalue: lambdaMin, jitter: jitter,
      leadingMinor: minor)
  }
}
