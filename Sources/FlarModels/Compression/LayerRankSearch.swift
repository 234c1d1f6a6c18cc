// The one rank search of flar: `bisect` at the prompt and the pipeline's
// search stage both call it, so a criterion, its pass rule, its evaluation
// and its counts exist once (reference-notes.md §4).

import FlarCore
import FlarLinAlg
import Synchronization

/// Searches, layer by layer, the smallest rank whose criterion meets a
/// tolerance, by bisection over multiples of `step` below `k_eq`.
///
/// Goals, in order: (1) the same answer as the exact bisection — an early
/// exit only stops an evaluation that has already failed; (2) as few
/// forward passes as that allows, counted in the result.
///
/// The end-feature criteria run the part of the model after the layer on a
/// fixed search set (`EndFeatureCriterion`); the closed-form criteria read
/// the layer's decomposition and cost no forward pass.
public final class LayerRankSearch {
  /// The criterion every evaluation computes.
  public let criterion: SearchCriterion
  /// The rank granularity.
  public let step: Int
  /// Whether a failing end-feature candidate may stop before the last search
  /// batch (exact; only `feat_mse_dense` knows its denominator in advance).
  public let earlyExit: Bool
  /// Whether an end-feature search probes where the layer's whitened error
  /// predicts the answer and certifies it (`RankSearchGuide`) rather than
  /// at the middle of the bracket: the same answer on a monotone criterion,
  /// fewer evaluations.
  public var certify: Bool = true
  /// The end-feature criterion (nil for the closed-form ones).
  public let features: EndFeatureCriterion?
  private var closedForms: [String: [Double]] = [:]
  /// The power law (criterion against whitened error) the last layer
  /// searched of each kind (the layer name with its block index wildcarded)
  /// ended with: the next layer of that kind predicts its first probe with
  /// it.
  private let kindPriors = Mutex<[String: GuidePrior]>([:])

  /// Prepares a search; for the end-feature criteria this tokenises the
  /// search sentences and runs the base model on them once.
  ///
  /// - Parameters:
  ///   - sentences: the fixed search set (ignored by the closed forms).
  ///   - suffixEvaluation: false re-runs the whole model per candidate, the
  ///     reference code's way (same values, more work).
  /// - Throws: `ModelError.noTokenizer`, `CompressionError.noSentences`, and
  ///   the errors of the forward pass.
  public init(
    criterion: SearchCriterion, model: EncoderModel, sentences: [String], step: Int = 8,
    maxLength: Int = 128, batchSize: Int = 32, earlyExit: Bool = true,
    suffixEvaluation: Bool = true, cancellation: Cancellation? = nil
  ) throws {
    self.criterion = criterion
    self.step = max(1, step)
    self.earlyExit = earlyExit
    if criterion.needsForwardPasses {
      let f = try EndFeatureCriterion(
        base: model, sentences: sentences, maxLength: maxLength, batchSize: batchSize,
        cancellation: cancellation)
      f.suffixEvaluation = suffixEvaluation
      f.normalizer = criterion == .featMSEDense ? .dense : .compressed
      features = f
    } else {
      features = nil
    }
  }

  /// Batch forward passes spent so far, in full-pass equivalents.
  public var forwardPasses: Double { features?.forwardPasses ?? 0 }

  /// The criterion at rank `k` of `layer` decomposed as `d`; with
  /// `failingAbove` (and `earlyExit`) an end-feature evaluation may stop as
  /// soon as it must fail.
  public func evaluate(
    _ layer: String, _ d: LowRankDecomposition, rank k: Int, failingAbove tolerance: Double? = nil
  ) throws -> CriterionEvaluation {
    if let features {
      return try features.evaluate(
        layer: layer, factors: d.factors(rank: k), failingAbove: earlyExitLimit(tolerance))
    }
    let values = closedForm(layer, d)
    // Index k holds the value at rank k (index 0 is rank 0).
    return CriterionEvaluation(value: values[min(k, values.count - 1)])
  }

  /// The tolerance an end-feature evaluation may stop early at: none
  /// without `earlyExit`.
  func earlyExitLimit(_ tolerance: Double?) -> Double? {
    earlyExit ? tolerance : nil
  }

  /// The smallest passing rank of `layer` (nil: it stays dense), with the
  /// evaluations, early exits and forward passes it cost.
  public func search(
    _ layer: String, _ d: LowRankDecomposition, tolerance: Double
  ) throws -> RankSearchResult {
    let before = features?.batchBlockRuns ?? 0
    var result = try search(layer, d, tolerance: tolerance) { k in
      try self.evaluate(layer, d, rank: k, failingAbove: tolerance)
    }
    if let features {
      result.forwardPasses = features.forwardPasses(runs: features.batchBlockRuns - before)
    }
    return result
  }

  /// The search of one layer, each rank evaluated by `evaluate`.
  ///
  /// The guide's prior is read from and handed on to the layer's kind. Safe
  /// beside the search of a layer of another kind.
  func search(
    _ layer: String, _ d: LowRankDecomposition, tolerance: Double,
    evaluate: (Int) throws -> CriterionEvaluation
  ) throws -> RankSearchResult {
    let bisection = RankBisection(
      equivalentRank: equivalentRank(outputs: d.outputs, inputs: d.inputs), step: step)
    let guide = certify && criterion.needsForwardPasses ? self.guide(layer, d, bisection) : nil
    let result = try bisection.search(
      evaluate: evaluate, passes: { self.criterion.passes($0, tolerance: tolerance) },
      guide: guide)
    // A layer left dense says little about where its kind's answers lie.
    if let guide, let k = result.rank,
      let prior = guide.fittedPrior(points: result.exactPoints, answer: k / step)
    {
      kindPriors.withLock { $0[Self.kind(of: layer)] = prior }
    }
    return result
  }

  /// The guide of a layer's search: its relative whitened error at every
  /// candidate, and the power law the last layer of its kind ended with.
  private func guide(
    _ layer: String, _ d: LowRankDecomposition, _ bisection: RankBisection
  ) -> RankSearchGuide {
    let errors = relativeWhitenedErrors(d)
    let closedForm = (0...bisection.candidateCount).map { j in
      errors[min(j * step, errors.count - 1)]
    }
    let prior = kindPriors.withLock { $0[Self.kind(of: layer)] }
    return RankSearchGuide(closedForm: closedForm, prior: prior)
  }

  /// A layer's kind: its name with every all-digit component replaced by
  /// `*` (`encoder.layer.3.attention.self.query` → `encoder.layer.*.…`), so
  /// the same projection of every block shares one kind on any family.
  static func kind(of layer: String) -> String {
    layer.split(separator: ".", omittingEmptySubsequences: false)
      .map { $0.allSatisfy(\.isNumber) && !$0.isEmpty ? "*" : String($0) }
      .joined(separator: ".")
  }

  /// The end-feature error of a whole other model (every layer as in it),
  /// by full forward passes; nil for the closed-form criteria.
  public func endFeatureError(of model: EncoderModel) throws -> Double? {
    try features?.error(of: model)
  }

  /// Makes `model` the base every later candidate is compared with and
  /// inserted into (progressive mode).
  public func rebase(_ model: EncoderModel) throws {
    try features?.rebase(model)
  }

  /// The closed-form values of every rank `0 … r` of a layer, computed once.
  private func closedForm(_ layer: String, _ d: LowRankDecomposition) -> [Double] {
    if let v = closedForms[layer] { return v }
    let v = criterion == .weightCosine ? weightCosines(d) : relativeWhitenedErrors(d)
    closedForms[layer] = v
    return v
  }
}
