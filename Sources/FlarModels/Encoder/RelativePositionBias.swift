// MPNet's relative position bias: one learned scalar per head and bucket of
// the signed distance between two tokens, added to the attention scores of
// every block.
//
// Legend: A heads, T tokens of one sequence, L the longest T of a batch.
//
// The bias of query i and key j depends only on j − i, so a batch needs one
// row of 2L − 1 values per head, computed once and shared by every block and
// every sequence (a sequence of length T reads the middle 2T − 1). Right
// padding does not move real tokens, so packing real tokens gives Hugging
// Face's values.

import FlarLinAlg

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The relative position bias in Float, the model's own precision.
public typealias RelativePositionBias = RelativeAttentionBias<Float>

/// The weights of `encoder.relative_attention_bias` and its bucketing.
public struct RelativeAttentionBias<Scalar: EncoderScalar>: Sendable {
  /// (buckets, A): the bias of each bucket and head.
  public var weight: Matrix<Scalar>
  /// Distances from here on share the last bucket of their sign.
  public var maxDistance: Int = 128
  /// The buckets `relative_position_bucket` spreads distances over: 32,
  /// whatever the config says (Hugging Face calls it with its default), so
  /// the loader accepts only `relative_attention_num_buckets` = 32.
  public static var buckets: Int { 32 }

  public init(weight: Matrix<Scalar>, maxDistance: Int = 128) {
    self.weight = weight
    self.maxDistance = maxDistance
  }

  /// The bucket of `relative` = key position − query position.
  ///
  /// Hugging Face `MPNetEncoder.relative_position_bucket` (bidirectional,
  /// from T5): half the buckets per sign; distances below a quarter of the
  /// buckets exact, larger ones logarithmic up to `maxDistance`, computed
  /// in Float as PyTorch does (whatever the model's precision: PyTorch
  /// takes the logarithm of `n.float()`).
  ///
  /// Raffel, C. et al. (2020). Exploring the limits of transfer learning
  /// with a unified text-to-text transformer. JMLR 21(140), §2.1.
  func bucket(_ relative: Int) -> Int {
    let half = Self.buckets / 2
    let n = -relative
    var bucket = n < 0 ? half : 0
    let distance = abs(n)
    let exact = half / 2
    if distance < exact { return bucket + distance }
    let scaled =
      logf(Float(distance) / Float(exact)) / Float(log(Double(maxDistance) / Double(exact)))
      * Float(half - exact)
    bucket += min(exact + Int(scaled), half - 1)
    return bucket
  }

  /// The bias rows of a batch whose longest sequence has `longest` tokens.
  func table(longest: Int) -> AttentionBias<Scalar> {
    let heads = weight.columns
    let width = max(2 * longest - 1, 0)
    var values = [Scalar](repeating: 0, count: heads * width)
    for r in 0..<width {
      let b = bucket(r - (longest - 1))
      for a in 0..<heads { values[a * width + r] = weight[b, a] }
    }
    return AttentionBias(longest: longest, heads: heads, values: values)
  }
}

/// Per-head additive attention scores for every relative position of one
/// batch: `bias(i, j) = values[a][j − i + L − 1]`.
struct AttentionBias<Scalar: EncoderScalar>: Sendable {
  let longest: Int  // L
  let heads: Int  // A
  let values: [Scalar]  // (A, 2L − 1)

  /// Adds head `head`'s bias to the (T, T) row-major scores at `scores`.
  func add(to scores: UnsafeMutablePointer<Scalar>, head: Int, length t: Int) {
    precondition(t <= longest && head < heads, "attention bias table too small")
    let width = 2 * longest - 1
    values.withUnsafeBufferPointer { v in
      let row = v.baseAddress! + head * width + (longest - 1)
      for i in 0..<t {
        let s = scores + i * t
        let b = row - i  // b[j] = values[j − i + L − 1]
        for j in 0..<t { s[j] += b[j] }
      }
    }
  }
}

extension RelativeAttentionBias {
  /// The same bias in another precision.
  public func converted<T: EncoderScalar>(to: T.Type = T.self) -> RelativeAttentionBias<T> {
    RelativeAttentionBias<T>(weight: weight.converted(), maxDistance: maxDistance)
  }
}
