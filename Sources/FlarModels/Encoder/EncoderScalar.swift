// The element types the encoder runs in: Float (inference, compression,
// healing) and Double (gradient checks against float64 references).
//
// The encoder's structs and ops are written once, generically; the few
// kernels whose fast Float form has no exact Double counterpart (GELU with
// its rational erf on eight lanes, exp) are requirements here, so a
// specialised Float pass runs the same instructions as before and a Double
// pass runs libm's double-precision functions.

import FlarLinAlg

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A scalar the encoder's forward and backward passes run in.
///
/// Only `Float` and `Double` conform. Code generic over it is specialised
/// by the optimiser where a concrete type reaches it inside this module;
/// public entry points used by other modules for Float are therefore
/// written on `Scalar == Float` (see `TransformerEncoder`).
public protocol EncoderScalar: LinAlgScalar {
  /// e^x.
  static func exponential(_ x: Self) -> Self
  /// `p[i] = gelu(p[i])` for every element, exact erf form.
  static func geluInPlace(_ p: UnsafeMutableBufferPointer<Self>)
  /// `d[i] *= gelu′(u[i])` for every element.
  static func multiplyByGeluDerivative(
    _ d: UnsafeMutableBufferPointer<Self>, at u: UnsafeBufferPointer<Self>)
}

extension Float: EncoderScalar {
  @inline(__always)
  public static func exponential(_ x: Float) -> Float { expf(x) }

  /// GELU by `erfRational` on eight lanes (EncoderOps.swift).
  public static func geluInPlace(_ p: UnsafeMutableBufferPointer<Float>) {
    let invSqrt2: Float = 0.70710678118654752440
    guard let base = p.baseAddress else { return }
    let raw = UnsafeMutableRawPointer(base)
    let lanes = SIMD8<Float>.scalarCount
    let vectors = p.count / lanes
    let stride = MemoryLayout<SIMD8<Float>>.stride
    for i in 0..<vectors {
      let v = raw.loadUnaligned(fromByteOffset: i * stride, as: SIMD8<Float>.self)
      let y = 0.5 * v * (1 + erfRational(v * invSqrt2))
      raw.storeBytes(of: y, toByteOffset: i * stride, as: SIMD8<Float>.self)
    }
    for i in (vectors * lanes)..<p.count {
      let v = p[i]
      p[i] = 0.5 * v * (1 + erfRational(SIMD8(repeating: v * invSqrt2))[0])
    }
  }

  /// gelu′ by `geluDerivative` on eight lanes (EncoderBackwardOps.swift).
  public static func multiplyByGeluDerivative(
    _ d: UnsafeMutableBufferPointer<Float>, at x: UnsafeBufferPointer<Float>
  ) {
    guard let dBase = d.baseAddress, let xBase = x.baseAddress else { return }
    let lanes = SIMD8<Float>.scalarCount
    let vectors = d.count / lanes
    let dRaw = UnsafeMutableRawPointer(dBase)
    let xRaw = UnsafeRawPointer(xBase)
    let stride = MemoryLayout<SIMD8<Float>>.stride
    for i in 0..<vectors {
      let v = xRaw.loadUnaligned(fromByteOffset: i * stride, as: SIMD8<Float>.self)
      let g = dRaw.loadUnaligned(fromByteOffset: i * stride, as: SIMD8<Float>.self)
      dRaw.storeBytes(of: g * geluDerivative(v), toByteOffset: i * stride, as: SIMD8<Float>.self)
    }
    let rest = d.count - vectors * lanes
    if rest > 0 {
      var v = SIMD8<Float>(repeating: 0)
      for j in 0..<rest { v[j] = x[vectors * lanes + j] }
      let derivative = geluDerivative(v)
      for j in 0..<rest { d[vectors * lanes + j] *= derivative[j] }
    }
  }
}

extension Double: EncoderScalar {
  @inline(__always)
  public static func exponential(_ x: Double) -> Double { exp(x) }

  /// GELU with libm's double-precision `erf`:
  /// `gelu(x) = x/2 · (1 + erf(x / √2))`, as PyTorch computes it in float64.
  public static func geluInPlace(_ p: UnsafeMutableBufferPointer<Double>) {
    let invSqrt2 = 0.70710678118654752440
    for i in p.indices {
      let v = p[i]
      p[i] = 0.5 * v * (1 + erf(v * invSqrt2))
    }
  }

  /// gelu′(x) = Φ(x) + x φ(x) with libm's `erf` and `exp`.
  public static func multiplyByGeluDerivative(
    _ d: UnsafeMutableBufferPointer<Double>, at x: UnsafeBufferPointer<Double>
  ) {
    let invSqrt2 = 0.70710678118654752440
    let invSqrt2Pi = 0.39894228040143267794
    for i in d.indices {
      let v = x[i]
      let cdf = 0.5 * (1 + erf(v * invSqrt2))
      d[i] *= cdf + v * (invSqrt2Pi * exp(-0.5 * v * v))
    }
  }
}
