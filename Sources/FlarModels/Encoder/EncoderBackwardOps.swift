// The ops of the backward pass: forward ops that keep what their derivative
// needs, and the derivatives themselves (vector–Jacobian products).
//
// Legend: N packed tokens, H hidden, I intermediate, T tokens of one
// sequence, A heads, D = H / A head size. A `d` prefix means ∂L/∂(tensor)
// for the scalar loss L.
//
// These ops are written apart from EncoderOps.swift on purpose: the inference
// ops work in place and throw their intermediates away, and they are tuned
// for speed independently. The forward halves here compute the same
// functions (same formulas, Double mean and variance in the layer norm), and
// a test checks that a forward pass built from them gives the model's own
// last hidden state.

import FlarLinAlg

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What layer normalisation keeps for its backward pass.
struct LayerNormCache<Scalar: EncoderScalar>: Sendable {
  /// x̂ = (x − μ) / σ: (N, H).
  var normalized: Matrix<Scalar>
  /// 1 / σ per row, σ = sqrt(var(x) + eps): (N).
  var inverseStd: [Scalar]
}

/// Layer normalisation of each row, keeping x̂ and 1/σ.
///
///     y = x̂ · γ + β,   x̂ = (x − μ) / sqrt(var(x) + eps)   (biased variance)
///
/// - Parameters: x: (N, H); gamma, beta: (H).
/// - Returns: y (N, H) and the cache.
func layerNormKeeping<Scalar: EncoderScalar>(
  _ x: Matrix<Scalar>, gamma: [Scalar], beta: [Scalar], eps: Float
) -> (y: Matrix<Scalar>, cache: LayerNormCache<Scalar>) {
  let h = x.columns
  var normalized = x
  var y = x
  var inverseStd = [Scalar](repeating: 0, count: x.rows)
  for r in 0..<x.rows {
    let base = r * h
    var sum = 0.0
    for j in 0..<h { sum += Double(x.storage[base + j]) }
    let mean = sum / Double(h)
    var squares = 0.0
    for j in 0..<h {
      let d = Double(x.storage[base + j]) - mean
      squares += d * d
    }
    let inverse = Scalar(1 / (squares / Double(h) + Double(eps)).squareRoot())
    inverseStd[r] = inverse
    let m = Scalar(mean)
    for j in 0..<h {
      let n = (x.storage[base + j] - m) * inverse
      normalized.storage[base + j] = n
      y.storage[base + j] = n * gamma[j] + beta[j]
    }
  }
  return (y, LayerNormCache(normalized: normalized, inverseStd: inverseStd))
}

/// The derivative of layer normalisation, with those of γ and β.
///
///     ĝ = dy ∘ γ,   dx = (1/σ) (ĝ − mean(ĝ) − x̂ · mean(ĝ ∘ x̂))   per row
///     dγ = Σ_rows dy ∘ x̂,   dβ = Σ_rows dy
///
/// (Ba, Kiros & Hinton 2016, arXiv:1607.06450; the row means are over H.)
///
/// - Parameters: dy: (N, H); gamma: (H).
/// - Returns: dx (N, H), and dγ, dβ (H) summed in Double.
func layerNormBackward<Scalar: EncoderScalar>(
  _ dy: Matrix<Scalar>, cache: LayerNormCache<Scalar>, gamma: [Scalar]
) -> (dx: Matrix<Scalar>, parameters: (gamma: [Scalar], beta: [Scalar])) {
  let h = dy.columns
  var dx = dy
  var dGamma = [Double](repeating: 0, count: h)
  var dBeta = [Double](repeating: 0, count: h)
  for r in 0..<dy.rows {
    let base = r * h
    var meanG = 0.0
    var meanGX = 0.0
    for j in 0..<h {
      let d = Double(dy.storage[base + j])
      let n = Double(cache.normalized.storage[base + j])
      let g = Double(dy.storage[base + j] * gamma[j])
      meanG += g
      meanGX += g * n
      dGamma[j] += d * n
      dBeta[j] += d
    }
    meanG /= Double(h)
    meanGX /= Double(h)
    let s = Double(cache.inverseStd[r])
    for j in 0..<h {
      let g = Double(dy.storage[base + j] * gamma[j])
      let n = Double(cache.normalized.storage[base + j])
      dx.storage[base + j] = Scalar(s * (g - meanG - n * meanGX))
    }
  }
  return (dx, (dGamma.map { Scalar($0) }, dBeta.map { Scalar($0) }))
}

/// GELU in its exact erf form, `gelu(u) = u Φ(u)`, as a new matrix: the
/// inference forward pass's own `gelu`, so the kept activations are those
/// of the model.
///
/// Hendrycks & Gimpel (2016), arXiv:1606.08415, §2.
func geluKeeping<Scalar: EncoderScalar>(_ u: Matrix<Scalar>) -> Matrix<Scalar> {
  var g = u
  gelu(&g)
  return g
}

/// The derivative of exact GELU: `du = dg · (Φ(u) + u φ(u))`, with
/// `Φ(u) = (1 + erf(u/√2)) / 2` and `φ(u) = exp(−u²/2) / √(2π)`.
///
/// - Parameters: dg, u: (N, I).
func geluBackward<Scalar: EncoderScalar>(
  _ dg: Matrix<Scalar>, preActivation u: Matrix<Scalar>
) -> Matrix<Scalar> {
  precondition(dg.rows == u.rows && dg.columns == u.columns, "GELU gradient shapes differ")
  var du = dg
  du.storage.withUnsafeMutableBufferPointer { d in
    u.storage.withUnsafeBufferPointer { x in Scalar.multiplyByGeluDerivative(d, at: x) }
  }
  return du
}

/// gelu′(x) = Φ(x) + x φ(x) on eight lanes (Float's
/// `multiplyByGeluDerivative`), Φ through `erfRational` as the
/// forward pass computes it, φ(x) = e^(−x²/2) / √(2π) by libm's `expf` per
/// lane.
@inline(__always)
func geluDerivative(_ x: SIMD8<Float>) -> SIMD8<Float> {
  let invSqrt2: Float = 0.70710678118654752440
  let invSqrt2Pi: Float = 0.39894228040143267794
  let cdf = 0.5 * (1 + erfRational(x * invSqrt2))
  var e = SIMD8<Float>()
  for j in 0..<SIMD8<Float>.scalarCount { e[j] = expf(-0.5 * x[j] * x[j]) }
  return cdf + x * (invSqrt2Pi * e)
}

/// The attention probabilities of every sequence and head, back to back:
/// for sequence s (length T) and head a, a (T, T) row-major block at
/// `offset(s, a)`.
struct AttentionProbabilities<Scalar: EncoderScalar>: Sendable {
  var values: [Scalar]
  /// First element of each sequence's A blocks, then the total.
  var sequenceStarts: [Int]

  func offset(sequence s: Int, head a: Int, length t: Int) -> Int {
    sequenceStarts[s] + a * t * t
  }
}

/// Scaled dot-product attention per sequence and head, keeping the
/// probabilities `P = softmax(Q Kᵀ / √D + B)` for the backward pass (B the
/// relative position bias, a constant: the backward pass needs only P).
///
/// - Parameters: q, k, v: (N, H), heads in column blocks of width D;
///   offsets: (B + 1) sequence boundaries in rows.
/// - Returns: the context P V (N, H) and the probabilities.
func attentionKeeping<Scalar: EncoderScalar>(
  q: Matrix<Scalar>, k: Matrix<Scalar>, v: Matrix<Scalar>, offsets: [Int], heads: Int,
  bias: AttentionBias<Scalar>? = nil
) -> (context: Matrix<Scalar>, probabilities: AttentionProbabilities<Scalar>) {
  let (n, h) = (q.rows, q.columns)
  let d = h / heads
  let scale = 1 / Scalar(d).squareRoot()
  var starts = [0]
  for s in 0..<(offsets.count - 1) {
    let t = offsets[s + 1] - offsets[s]
    starts.append(starts.last! + heads * t * t)
  }
  var p = AttentionProbabilities(
    values: [Scalar](repeating: 0, count: starts.last!), sequenceStarts: starts)
  var context = Matrix<Scalar>(rows: n, columns: h)
  q.withView { pq in
    k.withView { pk in
      v.withView { pv in
        context.withMutableView { pc in
          p.values.withUnsafeMutableBufferPointer { pp in
            for s in 0..<(offsets.count - 1) {
              let rows = offsets[s]..<offsets[s + 1]
              let t = rows.count
              if t == 0 { continue }
              for a in 0..<heads {
                let head = (a * d)..<(a * d + d)
                let offset = starts[s] + a * t * t
                let block = MutableMatrixView(pp, offset: offset, rows: t, columns: t)
                block.setProduct(
                  pq.block(rows: rows, columns: head), pk.block(rows: rows, columns: head),
                  transposeB: true, alpha: scale)  // Q Kᵀ / √D (T, T)
                bias?.add(to: pp.baseAddress! + offset, head: a, length: t)  // + B_a
                softmaxRows(pp.baseAddress! + offset, rows: t, columns: t)  // as the forward pass
                pc.block(rows: rows, columns: head).setProduct(
                  block.readOnly, pv.block(rows: rows, columns: head))  // P V (T, D)
              }
            }
          }
        }
      }
    }
  }
  return (context, p)
}

/// The derivative of attention.
///
/// Per sequence s and head a:
///
///     dP = dC Vᵀ,   dV = Pᵀ dC,
///     dS = P ∘ (dP − rowsum(dP ∘ P))        (softmax, row by row)
///     dQ = dS K / √D,   dK = dSᵀ Q / √D
///
/// - Parameters: dContext, q, k, v: (N, H).
/// - Returns: dq, dk, dv (N, H).
func attentionBackward<Scalar: EncoderScalar>(
  _ dContext: Matrix<Scalar>, q: Matrix<Scalar>, k: Matrix<Scalar>, v: Matrix<Scalar>,
  probabilities p: AttentionProbabilities<Scalar>, offsets: [Int], heads: Int
) -> (dq: Matrix<Scalar>, dk: Matrix<Scalar>, dv: Matrix<Scalar>) {
  let (n, h) = (q.rows, q.columns)
  let d = h / heads
  let scale = 1 / Scalar(d).squareRoot()
  var dq = Matrix<Scalar>(rows: n, columns: h)
  var dk = Matrix<Scalar>(rows: n, columns: h)
  var dv = Matrix<Scalar>(rows: n, columns: h)
  let longest = zip(offsets.dropFirst(), offsets).map { $0 - $1 }.max() ?? 0
  var dScores = [Scalar](repeating: 0, count: longest * longest)  // (T, T) scratch
  for s in 0..<(offsets.count - 1) {
    let rows = offsets[s]..<offsets[s + 1]
    let t = rows.count
    if t == 0 { continue }
    for a in 0..<heads {
      let head = (a * d)..<(a * d + d)
      let pBlock = p.offset(sequence: s, head: a, length: t)
      p.values.withUnsafeBufferPointer { pp in
        let probs = MatrixView(pp, offset: pBlock, rows: t, columns: t)  // P (T, T)
        dScores.withUnsafeMutableBufferPointer { ds in
          let dS = MutableMatrixView(ds, rows: t, columns: t)
          dContext.withView { pdc in
            let dC = pdc.block(rows: rows, columns: head)
            v.withView { pv in
              // dP = dC Vᵀ (T, T)
              dS.setProduct(dC, pv.block(rows: rows, columns: head), transposeB: true)
            }
            dv.withMutableView { pdv in
              // dV = Pᵀ dC (T, D)
              pdv.block(rows: rows, columns: head).setProduct(probs, dC, transposeA: true)
            }
          }
          let (g, pr) = (ds.baseAddress!, pp.baseAddress! + pBlock)
          for r in 0..<t {
            var dot: Scalar = 0
            for c in 0..<t { dot += g[r * t + c] * pr[r * t + c] }
            for c in 0..<t { g[r * t + c] = pr[r * t + c] * (g[r * t + c] - dot) }
          }
          k.withView { pk in
            dq.withMutableView { pdq in
              pdq.block(rows: rows, columns: head).setProduct(
                dS.readOnly, pk.block(rows: rows, columns: head), alpha: scale)  // dQ = dS K / √D
            }
          }
          q.withView { pq in
            dk.withMutableView { pdk in
              pdk.block(rows: rows, columns: head).setProduct(
                dS.readOnly, pq.block(rows: rows, columns: head), transposeA: true,
                alpha: scale)  // dK = dSᵀ Q / √D
            }
          }
        }
      }
    }
  }
  return (dq, dk, dv)
}
