// FLAR-SVD's threshold initialisation and per-layer rank search
// (reference-notes.md §4), on top of FlarCore's RankBisection.

import FlarCore
import FlarLinAlg

/// The threshold and search stages of `flar`.
final class RankSearchStage {
  let options: CompressionOptions
  let names: [String]
  let decompositions: [String: LowRankDecomposition]
  let progress: ProgressReporter
  let cancellation: Cancellation?
  /// Built only for the feature criterion and the threshold.
  private var features: EndFeatureCriterion?
  private let model: BertModel
  private let sentences: [String]

  init(
    options: CompressionOptions, model: BertModel, names: [String],
    decompositions: [String: LowRankDecomposition], sentences: [String],
    progress: ProgressReporter, cancellation: Cancellation?
  ) throws {
    self.options = options
    self.model = model
    self.names = names
    self.decompositions = decompositions
    self.sentences = sentences
    self.progress = progress
    self.cancellation = cancellation
  }

  var forwardPasses: Double { features?.forwardPasses ?? 0 }

  private func featureCriterion() throws -> EndFeatureCriterion {
    if let features { return features }
    let f = try EndFeatureCriterion(
      base: model, sentences: sentences, maxLength: options.maxLength,
      batchSize: options.batchSize, cancellation: cancellation)
    f.suffixEvaluation = options.suffixEvaluation
    features = f
    return f
  }

  /// τ: the user's tolerance, or `e / L` where `e` is the criterion with
  /// every layer compressed uniformly to the target (its rank `r · k_eq`,
  /// rounded down to the step) and `L` the number of layers.
  ///
  /// For the closed-form criteria the uniform configuration's per-layer
  /// values are averaged instead (they have no end-to-end value).
  func threshold() throws -> Double {
    if let t = options.tolerance { return t }
    let r = options.target!
    let uniform = names.map { name -> (String, Int?) in
      let d = decompositions[name]!
      let keq = equivalentRank(outputs: d.outputs, inputs: d.inputs)
      let k = (Int(r * Double(keq)) / options.step) * options.step
      return (name, k >= keq || k < 1 ? nil : k)
    }
    switch options.criterion {
    case .featMSE:
      var m = model
      for (name, k) in uniform {
        guard let k else { continue }
        let f = try decompositions[name]!.factors(rank: k)
        m = try m.replacing(name, l: f.left.converted(), r: f.right.converted())
      }
      return try featureCriterion().error(of: m) / Double(names.count)
    case .whitenedError, .weightCosine:
      let values = try uniform.map { name, k in
        try closedForm(name, rank: k ?? decompositions[name]!.maxRank)
      }
      return values.reduce(0, +) / Double(values.count)
    }
  }

  /// The closed-form criteria at rank `k`.
  func closedForm(_ name: String, rank k: Int) throws -> Double {
    let d = decompositions[name]!
    let values = options.criterion == .weightCosine ? weightCosines(d) : relativeWhitenedErrors(d)
    // Index k holds the value at rank k (index 0 is rank 0).
    return values[min(k, values.count - 1)]
  }

  /// Bisection for every layer, in forward order.
  func searchAll(tau: Double) throws -> [RankSearchResult] {
    var results: [RankSearchResult] = []
    var progressiveModel = model
    var currentBlock: Int? = nil
    progress.begin("search", total: names.count)
    defer { progress.end() }
    for name in names {
      try cancellation?.checkCancellation()
      let d = decompositions[name]!
      if options.progressive, options.criterion == .featMSE {
        let block = try model.location(of: name).block
        if let current = currentBlock, block != current {
          try featureCriterion().rebase(progressiveModel)
        }
        currentBlock = block
      }
      let bisection = RankBisection(
        equivalentRank: equivalentRank(outputs: d.outputs, inputs: d.inputs), step: options.step)
      let result = try bisection.search(
        evaluate: { k in try self.evaluate(name, rank: k) },
        passes: { v in self.options.criterion.higherIsBetter ? v >= tau : v <= tau })
      results.append(result)
      if options.progressive, let k = result.rank {
        let f = try d.factors(rank: k)
        progressiveModel = try progressiveModel.replacing(
          name, l: f.left.converted(), r: f.right.converted())
      }
      progress.advance(by: 1)
    }
    return results
  }

  func evaluate(_ name: String, rank k: Int) throws -> Double {
    switch options.criterion {
    case .featMSE:
      return try featureCriterion().error(
        layer: name, factors: decompositions[name]!.factors(rank: k))
    case .whitenedError, .weightCosine:
      return try closedForm(name, rank: k)
    }
  }
}
