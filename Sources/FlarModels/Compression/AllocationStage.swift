// The allocation stages that are not FLAR-SVD's threshold and bisection:
// ASVD's sensitivity search and the global knapsack allocation. Both
// measure each layer alone with the library's one criterion evaluation
// (LayerRankSearch: the part of the model after the layer, from its cached
// input, on the fixed search set), and both meet the budget themselves, so
// the ratio correction does not run after them.
//
// Goals, in order: the budget is never exceeded; the choice is the one the
// stated procedure makes (no tuning); every evaluation is counted.

import FlarCore
import FlarLinAlg

/// ASVD's and the global allocation of ranks, one layer at a time.
final class AllocationStage {
  let options: CompressionOptions
  let names: [String]
  let decompositions: [String: LowRankDecomposition]
  let progress: ProgressReporter
  let cancellation: Cancellation?
  let model: EncoderModel
  private let search: LayerRankSearch
  private(set) var evaluations = 0

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
    // Exact values at every rank: no early exit.
    search = try LayerRankSearch(
      criterion: options.criterion, model: model, sentences: sentences, step: options.step,
      maxLength: options.maxLength, batchSize: options.batchSize, earlyExit: false,
      suffixEvaluation: options.suffixEvaluation, cancellation: cancellation)
  }

  /// Batch forward passes so far, in full-pass equivalents.
  var forwardPasses: Double { search.forwardPasses }

  /// The criterion as an error (lower is better): `1 − cos` for
  /// `weight_cos`, the value itself for the others.
  func error(_ layer: String, rank k: Int) throws -> Double {
    let v = try search.evaluate(layer, decompositions[layer]!, rank: k).value
    evaluations += 1
    return options.criterion == .weightCosine ? 1 - v : v
  }

  /// The multiples of the step strictly below a layer's equivalent rank.
  func candidateRanks(_ layer: String) -> [Int] {
    let d = decompositions[layer]!
    let keq = equivalentRank(outputs: d.outputs, inputs: d.inputs)
    let step = options.step
    return keq <= step ? [] : Array(stride(from: step, to: keq, by: step))
  }

  /// The criterion of the whole model with every chosen layer compressed.
  func measuredError(_ ranks: [Int?]) throws -> Double? {
    guard options.criterion.needsForwardPasses else { return nil }
    var m = model
    for (name, k) in zip(names, ranks) {
      guard let k else { continue }
      let f = try decompositions[name]!.factors(rank: k)
      m = try m.replacing(name, l: f.left.converted(), r: f.right.converted())
    }
    return try search.endFeatureError(of: m)
  }

  /// Every layer alone at each ratio of its equivalent rank (rounded down
  /// to the step, at least one step; a ratio that reaches `k_eq` is
  /// skipped), sorted by the criterion, least sensitive first.
  func sensitivities(ratios: [Double]) throws -> [SensitivityEntry] {
    progress.begin("sensitivity", total: names.count)
    defer { progress.end() }
    var list: [SensitivityEntry] = []
    for name in names {
      try cancellation?.checkCancellation()
      let d = decompositions[name]!
      let keq = equivalentRank(outputs: d.outputs, inputs: d.inputs)
      var seen = Set<Int>()
      for r in ratios {
        let k = max(options.step, Int(r * Double(keq)) / options.step * options.step)
        guard k < keq, seen.insert(k).inserted else { continue }
        list.append(
          SensitivityEntry(layer: name, ratio: r, rank: k, value: try error(name, rank: k)))
      }
      progress.advance(by: 1)
    }
    // Stable on ties: the list order (layer, then ratio) decides.
    return list.enumerated().sorted {
      ($0.element.value, $0.offset) < ($1.element.value, $1.offset)
    }.map(\.element)
  }

  /// The ranks after taking the first `cut` entries of the sorted list:
  /// each layer at the smallest rank among its entries taken, dense if none.
  func ranks(taking cut: Int, of list: [SensitivityEntry]) -> [Int?] {
    var smallest: [String: Int] = [:]
    for e in list.prefix(cut) { smallest[e.layer] = min(smallest[e.layer] ?? .max, e.rank) }
    return names.map { smallest[$0] }
  }
}
