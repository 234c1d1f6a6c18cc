// The element-wise and row-wise ops of the forward pass, one function each.
// They act on packed rows (N, ·): each row is one real token.
//
// Legend: N packed tokens, H hidden, I intermediate, T tokens of a sequence.

import FlarLinAlg

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Layer normalisation of each row, in place, of `x`, or of `x + residual`
/// when a residual is given (the sum is formed in the same pass).
///
///     y = (x − mean(x)) / sqrt(var(x) + eps) · γ + β     (biased variance)
///
/// Ba, J. L., Kiros, J. R. & Hinton, G. E. (2016). Layer normalization.
/// arXiv:1607.06450. Mean and variance are accumulated in Double (for
/// Float, 1/σ and the mean are rounded to Float before they are applied).
///
/// - Parameters:
///   - x: (N, H), normalised in place.
///   - residual: (N, H) added to `x` first (the block's residual
///     connections), or nil.
///   - gamma: (H) scale; beta: (H) shift.
func layerNorm<Scalar: EncoderScalar>(
  _ x: inout Matrix<Scalar>, adding residual: Matrix<Scalar>? = nil, gamma: [Scalar],
  beta: [Scalar], eps: Float
) {
  let h = x.columns
  precondition(gamma.count == h && beta.count == h, "layer norm weights do not match H")
  if let residual {
    precondition(x.rows == residual.rows && h == residual.columns, "residual shapes differ")
  }
  let empty: [Scalar] = []
  (residual?.storage ?? empty).withUnsafeBufferPointer { res in
    gamma.withUnsafeBufferPointer { gamma in
      beta.withUnsafeBufferPointer { beta in
        x.storage.withUnsafeMutableBufferPointer { p in
          for r in 0..<x.rows {
            let row = p.baseAddress! + r * h
            var sum = 0.0
            if residual != nil {
              let add = res.baseAddress! + r * h
              for j in 0..<h {
                let v = row[j] + add[j]
                row[j] = v
                sum += Double(v)
              }
            } else {
              for j in 0..<h { sum += Double(row[j]) }
            }
            let mean = sum / Double(h)
            var squares = 0.0
            for j in 0..<h {
              let d = Double(row[j]) - mean
              squares += d * d
            }
            let inverse = Scalar(1 / (squares / Double(h) + Double(eps)).squareRoot())
            let m = Scalar(mean)
            for j in 0..<h { row[j] = (row[j] - m) * inverse * gamma[j] + beta[j] }
          }
        }
      }
    }
  }
}

/// GELU in its exact erf form, in place.
///
///     gelu(x) = x · Φ(x) = x/2 · (1 + erf(x / √2))
///
/// Hendrycks, D. & Gimpel, K. (2016). Gaussian error linear units (GELUs).
/// arXiv:1606.08415, §2. BERT's `hidden_act = "gelu"` is this form, not the
/// tanh approximation. In Float, erf comes from `erfRational`, eight lanes
/// at a time (libm's scalar `erff` took 12 % of a forward pass); in Double,
/// from libm's `erf` (`EncoderScalar.geluInPlace`).
///
/// - Parameter x: (N, I), replaced by gelu(x).
func gelu<Scalar: EncoderScalar>(_ x: inout Matrix<Scalar>) {
  x.storage.withUnsafeMutableBufferPointer { Scalar.geluInPlace($0) }
}

/// erf(x) in single precision by a rational minimax approximation.
///
/// It is the one Eigen and XLA use for float32:
///
///     erf(x) ≈ x · α(x²) / β(x²),   x clamped to [−4, 4],
///
/// α of degree 6 and β of degree 4 in x². Beyond |x| = 4, erf(x) rounds to
/// ±1 in float. Its largest difference from float64 erf is checked by
/// `GeluTests` (a few 1e-7); the forward pass stays within the float64
/// NumPy reference's tolerance.
@inline(__always)
func erfRational(_ x: SIMD8<Float>) -> SIMD8<Float> {
  // Clamped by two masked replacements: SIMD's `clamped(lowerBound:upperBound:)`
  // goes through the generic pointwiseMin/pointwiseMax, not inlined here,
  // which cost a third of GELU's time (perf, one thread, a 50 % MiniLM pass).
  var c = x
  c.replace(with: SIMD8(repeating: 4), where: c .> 4)
  c.replace(with: SIMD8(repeating: -4), where: c .< -4)
  let x2 = c * c
  var p = SIMD8<Float>(repeating: -2.72614225801306e-10)
  p = p * x2 + 2.77068142495902e-08
  p = p * x2 - 2.10102402082508e-06
  p = p * x2 - 5.69250639462346e-05
  p = p * x2 - 7.34990630326855e-04
  p = p * x2 - 2.95459980854025e-03
  p = p * x2 - 1.60960333262415e-02
  var q = SIMD8<Float>(repeating: -1.45660718464996e-05)
  q = q * x2 - 2.13374055278905e-04
  q = q * x2 - 1.68282697438203e-03
  q = q * x2 - 7.37332916720468e-03
  q = q * x2 - 1.42647390514189e-02
  return c * p / q
}

/// Softmax of each row of a row-major (rows, columns) block, in place,
/// with the row maximum subtracted first so `exp` cannot overflow.
func softmaxRows<Scalar: EncoderScalar>(
  _ p: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int
) {
  for r in 0..<rows {
    let row = p + r * columns
    var m = -Scalar.infinity
    for j in 0..<columns { m = max(m, row[j]) }
    var sum: Scalar = 0
    for j in 0..<columns {
      let e = Scalar.exponential(row[j] - m)
      row[j] = e
      sum += e
    }
    let inverse = 1 / sum
    for j in 0..<columns { row[j] *= inverse }
  }
}

/// A matrix whose every row is `bias`: (N, out).
///
/// The linear layers start
/// from it and let GEMM add the product (`beta = 1`), which saves a pass.
func broadcastRows<Scalar: LinAlgScalar>(_ bias: [Scalar], rows: Int) -> Matrix<Scalar> {
  var storage: [Scalar] = []
  storage.reserveCapacity(rows * bias.count)
  for _ in 0..<rows { storage.append(contentsOf: bias) }
  return Matrix(rows: rows, columns: bias.count, storage: storage)
}
