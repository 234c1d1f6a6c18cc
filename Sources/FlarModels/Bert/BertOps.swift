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

/// Layer normalisation of each row, in place.
///
///     y = (x − mean(x)) / sqrt(var(x) + eps) · γ + β     (biased variance)
///
/// Ba, J. L., Kiros, J. R. & Hinton, G. E. (2016). Layer normalization.
/// arXiv:1607.06450. Mean and variance are accumulated in Double.
///
/// - Parameters:
///   - x: (N, H), normalised in place.
///   - gamma: (H) scale; beta: (H) shift.
func layerNorm(_ x: inout Matrix<Float>, gamma: [Float], beta: [Float], eps: Float) {
  let h = x.columns
  precondition(gamma.count == h && beta.count == h, "layer norm weights do not match H")
  x.storage.withUnsafeMutableBufferPointer { p in
    for r in 0..<x.rows {
      let row = p.baseAddress! + r * h
      var sum = 0.0
      for j in 0..<h { sum += Double(row[j]) }
      let mean = sum / Double(h)
      var squares = 0.0
      for j in 0..<h {
        let d = Double(row[j]) - mean
        squares += d * d
      }
      let inverse = Float(1 / (squares / Double(h) + Double(eps)).squareRoot())
      let m = Float(mean)
      for j in 0..<h { row[j] = (row[j] - m) * inverse * gamma[j] + beta[j] }
    }
  }
}

/// GELU in its exact erf form, in place.
///
///     gelu(x) = x · Φ(x) = x/2 · (1 + erf(x / √2))
///
/// Hendrycks, D. & Gimpel, K. (2016). Gaussian error linear units (GELUs).
/// arXiv:1606.08415, §2. BERT's `hidden_act = "gelu"` is this form, not the
/// tanh approximation.
///
/// - Parameter x: (N, I), replaced by gelu(x).
func gelu(_ x: inout Matrix<Float>) {
  let invSqrt2: Float = 0.70710678118654752440
  x.storage.withUnsafeMutableBufferPointer { p in
    for i in p.indices {
      let v = p[i]
      p[i] = 0.5 * v * (1 + erff(v * invSqrt2))
    }
  }
}

/// `x += y`, element-wise (the residual connections).
///
/// - Parameters: x, y: (N, H).
func addInPlace(_ x: inout Matrix<Float>, _ y: Matrix<Float>) {
  precondition(x.rows == y.rows && x.columns == y.columns, "residual shapes differ")
  x.storage.withUnsafeMutableBufferPointer { a in
    y.storage.withUnsafeBufferPointer { b in
      for i in a.indices { a[i] += b[i] }
    }
  }
}

/// Softmax of each row of a row-major (rows, columns) block, in place,
/// with the row maximum subtracted first so `exp` cannot overflow.
func softmaxRows(_ p: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
  for r in 0..<rows {
    let row = p + r * columns
    var m = -Float.infinity
    for j in 0..<columns { m = max(m, row[j]) }
    var sum: Float = 0
    for j in 0..<columns {
      let e = expf(row[j] - m)
      row[j] = e
      sum += e
    }
    let inverse = 1 / sum
    for j in 0..<columns { row[j] *= inverse }
  }
}

/// A matrix whose every row is `bias`: (N, out). The linear layers start
/// from it and let GEMM add the product (`beta = 1`), which saves a pass.
func broadcastRows(_ bias: [Float], rows: Int) -> Matrix<Float> {
  var storage = [Float]()
  storage.reserveCapacity(rows * bias.count)
  for _ in 0..<rows { storage.append(contentsOf: bias) }
  return Matrix(rows: rows, columns: bias.count, storage: storage)
}
