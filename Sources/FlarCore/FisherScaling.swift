/// fwsvd's input-channel scales from the Fisher information per channel.
///
///     s_j = max(√F_j, floor · max_k √F_k),    floor = 1e-6 by default
///
/// `W diag(s)` is then decomposed by `scaledSVD` and the scaling undone in
/// `R` (`R = √Σ_k V_kᵀ diag(s)⁻¹`), as for ASVD. A channel whose gradient is
/// zero on the calibration data (an input that never reaches the loss, or
/// a dead unit) would get `s_j = 0`, which cannot be inverted: the floor,
/// a fixed fraction of the layer's largest scale, keeps `diag(s)⁻¹` finite
/// (its entries are at most `10⁶ / max s`) while leaving such a channel
/// with, in effect, no weight in the truncation. When every F_j is zero
/// (the layer does not reach the loss at all) there is nothing to weigh
/// by, and all scales are 1: the plain SVD.
///
/// Hsu, Y.-C. et al. (2022). Language model compression with weighted
/// low-rank factorization. ICLR, §3 (there the importance is summed per row
/// of their `W`; flar weighs input channels, the columns of PyTorch's
/// `(out, in)` weight, as ASVD does).
///
/// - Parameters:
///   - fisher: F_j ≥ 0 per input channel.
///   - relativeFloor: the smallest scale as a fraction of the largest, in
///     (0, 1].
///   - layer: for errors.
/// - Throws: `FactorizationError.nonFinite` for a NaN or infinite F_j,
///   `.nonPositiveScale` for a negative one.
public func fisherScales(
  _ fisher: [Double], relativeFloor: Double = 1e-6, layer: String = ""
) throws -> [Double] {
  precondition(relativeFloor > 0 && relativeFloor <= 1, "the floor is a fraction in (0, 1]")
  if fisher.contains(where: { !$0.isFinite }) {
    throw FactorizationError.nonFinite(layer: layer, what: "Fisher information")
  }
  if let j = fisher.firstIndex(where: { $0 < 0 }) {
    throw FactorizationError.nonPositiveScale(layer: layer, channel: j, value: fisher[j])
  }
  let roots = fisher.map { $0.squareRoot() }
  let largest = roots.max() ?? 0
  guard largest > 0 else { return [Double](repeating: 1, count: fisher.count) }
  let floor = relativeFloor * largest
  return roots.map { max($0, floor) }
}
