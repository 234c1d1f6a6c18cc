/// flar's one seeded pseudo-random generator.
///
/// SplitMix64: a 64-bit state advanced by the golden-ratio increment and
/// finalised by two xor-shift-multiply rounds (Steele, G. L., Lea, D. &
/// Flood, C. H. (2014). Fast splittable pseudorandom number generators.
/// OOPSLA 2014, 453–472, doi:10.1145/2660193.2660195). Chosen because it is
/// tiny, passes BigCrush, and gives the same stream on every platform and
/// Swift version, which `SystemRandomNumberGenerator` does not (it cannot be
/// seeded). Latency shape sampling, bootstrap draws, feature subsets and the
/// held-out split, `randn` at the prompt, flar-bench's inputs and the tests'
/// random matrices all use it, so a seed reproduces a data set, a forest or
/// a matrix.
///
/// Uniform integers in a range come from `Int.random(in:using:)`, whose
/// algorithm (Lemire's nearly-divisionless method) is part of the standard
/// library and stable; uniform doubles take the top 53 bits.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64

  /// A generator whose stream is fixed by `seed`.
  public init(seed: UInt64) { state = seed }

  /// The next 64-bit word of the stream.
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform double in [0, 1) from the top 53 bits.
  public mutating func nextUnit() -> Double {
    Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
  }

  /// The seed of the `index`-th independent sub-stream of `seed`, so that
  /// tree `i` of a forest does not depend on how trees before it were drawn.
  public static func derivedSeed(_ seed: UInt64, index: Int) -> UInt64 {
    var g = SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03))
    return g.next()
  }
}
