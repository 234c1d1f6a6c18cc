import FlarCore
import Foundation

/// The deterministic generator behind `randn`: SplitMix64 and Box–Muller.
///
/// SplitMix64 (Steele, Lea & Flood, 2014, "Fast splittable pseudorandom
/// number generators", OOPSLA '14, 453–472) turns the seed into 64-bit
/// words; the top 53 bits give a uniform `u` in (0, 1]. Each pair of uniforms
/// gives two standard normals by the Box–Muller transform (Box & Muller,
/// 1958, Ann. Math. Statist. 29(2), 610–611):
///
///     z₀ = √(−2 ln u₁) cos(2π u₂)
///     z₁ = √(−2 ln u₁) sin(2π u₂)
///
/// The stream is fixed for a seed on every platform, but it is not NumPy's:
/// `randn(3, 3, seed=0)` differs from `np.random.default_rng(0).standard_normal`.
struct RandomNormal {
  private var words: SplitMix64
  private var spare: Double?

  /// A generator for `seed`.
  init(seed: UInt64) {
    words = SplitMix64(seed: seed)
  }

  /// A uniform in (0, 1], never 0 so that the logarithm is finite.
  private mutating func nextUniform() -> Double {
    Double((words.next() >> 11) + 1) * 0x1p-53
  }

  /// The next standard normal.
  mutating func next() -> Double {
    if let z = spare {
      spare = nil
      return z
    }
    let radius = (-2 * Foundation.log(nextUniform())).squareRoot()
    let angle = 2 * Double.pi * nextUniform()
    spare = radius * Foundation.sin(angle)
    return radius * Foundation.cos(angle)
  }
}
