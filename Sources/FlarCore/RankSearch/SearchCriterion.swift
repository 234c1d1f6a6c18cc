/// The rank-search criteria (reference-notes.md §4), with the rule that
/// decides whether a value passes: the one place that knows it.
///
/// The value a criterion is compared with is called the tolerance throughout
/// (`tol=` at the prompt); `compress` derives it from the target as τ when
/// none is given.
public enum SearchCriterion: String, Sendable, CaseIterable {
  /// Normalised end-feature MSE with only the layer compressed, divided by
  /// the compressed model's mean square: `mean((F_k − F)²) / mean(F_k²)`,
  /// as the reference code does (lower is better).
  case featMSE = "feat_mse"
  /// The same error divided by the dense model's mean square:
  /// `mean((F_k − F)²) / mean(F²)` (lower is better).
  ///
  /// The denominator does not depend on the candidate, so it is known before
  /// the search, and a failing candidate can stop as soon as its partial sum
  /// over the search batches passes the tolerance.
  case featMSEDense = "feat_mse_dense"
  /// Relative whitened error `Σ_{i>k} σ_i² / Σ σ_i²` (closed form; lower is
  /// better).
  case whitenedError = "whitened_err"
  /// Cosine between `W` and its reconstruction (closed form; higher is better).
  case weightCosine = "weight_cos"

  /// Whether larger values are better (similarities) or worse (errors).
  public var higherIsBetter: Bool { self == .weightCosine }

  /// Whether a value needs forward passes of the model (the end-feature
  /// errors) rather than a closed form of the layer's decomposition.
  public var needsForwardPasses: Bool { self == .featMSE || self == .featMSEDense }

  /// Whether `value` meets `tolerance`: `value <= tolerance` for the errors,
  /// `value >= tolerance` for the cosine.
  public func passes(_ value: Double, tolerance: Double) -> Bool {
    higherIsBetter ? value >= tolerance : value <= tolerance
  }

  /// The comparison `passes` makes, as text (`<=` or `>=`).
  public var comparison: String { higherIsBetter ? ">=" : "<=" }

  /// The names, quoted and joined for an error message.
  public static var expectedNames: String {
    let quoted = allCases.map { "\"\($0.rawValue)\"" }
    return quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!
  }
}
