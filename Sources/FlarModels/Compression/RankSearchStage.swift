// FLAR-SVD's threshold initialisation and per-layer rank search
// (reference-notes.md §4), on top of the library's one search,
// LayerRankSearch.

import FlarCore
import FlarLinAlg

/// The threshold and search stages of `flar`.
final class RankSearchStage {
  let options: CompressionOptions
  let names: [String]
  let decompositions: [String: LowRankDecomposition]
  let progress: ProgressReporter
  let cancellation: Cancellation?
  private let search: LayerRankSearch
  private let model: EncoderModel

  init(
    options: CompressionOptions, model: EncoderModel, names: [String],
    decompositions: [String: LowRankDecomposition], sentences: [String],
    progress: ProgressReporter, cancellation: Cancellation?
  ) throws {
    self.options = options
    self.model = model
    self.names = names
    self.decompositions = decompositions
    self.progress = progress
    self.cancellation = cancellation
    search = try LayerRankSearch(
      criterion: options.criterion, model: model, sentences: sentences, step: options.step,
      maxLength: options.maxLength, batchSize: options.batchSize, earlyExit: options.earlyExit,
      suffixEvaluation: options.suffixEvaluation, cancellation: cancellation)
    search.certify = options.certify
  }

  /// Batch forward passes of the threshold and the search so far, in
  /// full-pass equivalents (the dense reference features included).
  var forwardPasses: Double { search.forwardPasses }

  /// The uniform configuration at the target: each layer at
  /// `⌊r · k_eq⌋` (nil: dense), as the reference initialises.
  ///
  /// Not rounded to the step: the threshold only needs the uniform model's
  /// error, and rounding down (flar's choice before issue 14) made τ larger
  /// than the reference's — 0.00750 against 0.00708 at 70 % on MiniLM.
  func uniformRanks() -> [(String, Int?)] {
    let r = options.target!
    return names.map { name -> (String, Int?) in
      let d = decompositions[name]!
      let keq = equivalentRank(outputs: d.outputs, inputs: d.inputs)
      let k = Int(r * Double(keq))
      return (name, k >= keq || k < 1 ? nil : k)
    }
  }

  /// τ: the user's tolerance, or `e / L` where `e` is the criterion with
  /// every layer compressed uniformly to the target and `L` the number of
  /// layers.
  ///
  /// For the closed-form criteria the uniform configuration's per-layer
  /// values are averaged instead (they have no end-to-end value).
  func threshold() throws -> Double {
    if let t = options.tolerance { return t }
    let uniform = uniformRanks()
    if options.criterion.needsForwardPasses {
      var m = model
      for (name, k) in uniform {
        guard let k else { continue }
        let f = try decompositions[name]!.factors(rank: k)
        m = try m.replacing(name, l: f.left.converted(), r: f.right.converted())
      }
      return try search.endFeatureError(of: m)! / Double(names.count)
    }
    let values = try uniform.map { name, k in
      let d = decompositions[name]!
      return try search.evaluate(name, d, rank: k ?? d.maxRank).value
    }
    return values.reduce(0, +) / Double(values.count)
  }

  /// The order the layers are searched in: the last block first, each
  /// block's layers in forward order; forward order in progressive mode,
  /// whose later blocks see the earlier ones compressed.
  ///
  /// Each layer's answer does not depend on the order (every other layer is
  /// as in the base model); only the guide's priors, handed from a layer to
  /// the next of its kind, and the cost do. A layer in block b runs the
  /// network from b on, so the first layers of each kind, which have no
  /// prior and take the most probes, are cheapest at the end of the model:
  /// on MiniLM at 50 %, 126.3 batch passes against 133.7 in forward order
  /// (105 evaluations against 106).
  func searchOrder() throws -> [Int] {
    if options.progressive { return Array(names.indices) }
    let blocks = try names.map { try model.location(of: $0).block }
    return names.indices.sorted { (blocks[$0], -$0) > (blocks[$1], -$1) }
  }

  /// Bisection for every layer; the results in the order of `names`.
  ///
  /// With more than one OpenBLAS thread and an end-feature criterion, as
  /// many layers at a time as there are threads (`searchSideBySide`: the
  /// same results); progressive mode goes one layer at a time, each block
  /// searched on the blocks before it as decided.
  func searchAll(tolerance: Double) throws -> [RankSearchResult] {
    var results: [RankSearchResult?] = Array(repeating: nil, count: names.count)
    var progressiveModel = model
    var currentBlock: Int? = nil
    progress.begin("search", total: names.count)
    defer { progress.end() }
    let order = try searchOrder()
    if !options.progressive,
      let found = try search.searchSideBySide(
        names.map { ($0, decompositions[$0]!) }, order: order, tolerance: tolerance,
        threads: options.searchThreads ?? BLASThreads.current, progress: progress,
        cancellation: cancellation)
    {
      return found
    }
    for index in order {
      let name = names[index]
      try cancellation?.checkCancellation()
      let d = decompositions[name]!
      if options.progressive, options.criterion.needsForwardPasses {
        let block = try model.location(of: name).block
        if let current = currentBlock, block != current {
          try search.rebase(progressiveModel)
        }
        currentBlock = block
      }
      let result = try search.search(name, d, tolerance: tolerance)
      results[index] = result
      if options.progressive, let k = result.rank {
        let f = try d.factors(rank: k)
        progressiveModel = try progressiveModel.replacing(
          name, l: f.left.converted(), r: f.right.converted())
      }
      progress.advance(by: 1)
    }
    return results.map { $0! }
  }
}
