/// Failures of whitening and low-rank factorisation, naming the layer.
public enum FactorizationError: Error, Equatable, CustomStringConvertible {
  /// Cholesky failed, then failed again after the eigenvalue shift
  /// `H + jitter · I`; `smallestEigenvalue` is `H`'s, `leadingMinor` the
  /// order at which the second attempt failed.
  case whiteningFailed(
    layer: String, smallestEigenvalue: Double, jitter: Double, leadingMinor: Int)
  /// The second moment is zero (all-zero activations): no scale to whiten
  /// by or to shift relative to.
  case zeroSecondMoment(layer: String)
  /// The weight's input width differs from the whitening matrix's order.
  case shapeMismatch(layer: String, weight: [Int], whitening: Int)
  /// A rank outside `0...r`, `r = min(m, n)`.
  case rankOutOfRange(layer: String, rank: Int, maximum: Int)
  /// The weight or scaling holds NaN or infinity.
  case nonFinite(layer: String, what: String)
  /// An ASVD scale factor that is zero or negative (it must be inverted).
  case nonPositiveScale(layer: String, channel: Int, value: Double)

  public var description: String {
    switch self {
    case .whiteningFailed(let layer, let lambdaMin, let jitter, let minor):
      return
        "cholesky of the second moment of layer \"\(layer)\" failed even after adding \(jitter) to the diagonal (smallest eigenvalue \(lambdaMin), leading minor \(minor) not positive)"
    case .zeroSecondMoment(let layer):
      return
        "second moment of layer \"\(layer)\" is zero (all-zero activations); nothing to whiten with"
    case .shapeMismatch(let layer, let w, let n):
      return
        "weight of layer \"\(layer)\" has shape (\(w.map(String.init).joined(separator: ", "))), its whitening matrix is \(n) x \(n)"
    case .rankOutOfRange(let layer, let rank, let maximum):
      return "rank \(rank) for layer \"\(layer)\" is outside 0...\(maximum)"
    case .nonFinite(let layer, let what):
      return "\(what) of layer \"\(layer)\" holds NaN or infinity"
    case .nonPositiveScale(let layer, let channel, let value):
      return
        "scale of input channel \(channel) of layer \"\(layer)\" is \(value); scales must be positive"
    }
  }
}
