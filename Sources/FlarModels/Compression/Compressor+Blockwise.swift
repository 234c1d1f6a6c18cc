// SVD-LLM's blockwise variant: the statistics of block b are collected from
// the model whose blocks before b are already compressed, so each layer is
// whitened against the inputs it will really see (its predecessors' errors
// included). Ranks are uniform, so they are fixed before any statistics.

import FlarCore
import FlarLinAlg

extension Compressor {
  func blockwiseSVDLLM(
    _ model: EncoderModel, names: [String], outcomes start: [LayerOutcome], calibration: [String]
  ) throws -> CompressionResult {
    var clock = StageClock()
    var outcomes = start
    var budgets = outcomes.map {
      LayerBudget(name: $0.name, rows: $0.outFeatures, columns: $0.inFeatures, rank: nil)
    }
    if let fixed = options.fixedRanks {
      for i in budgets.indices { budgets[i].rank = fixed[budgets[i].name] ?? nil }
    } else {
      budgets = correctRanks(
        budgets,
        budget: try budget(
          model, names, meanTokens: meanTokenCount(model, calibration, nil)),
        step: options.step)
    }
    var compressed = model
    let blocks = try Dictionary(grouping: names.indices) { try model.location(of: names[$0]).block }
    progress.begin("blockwise", total: blocks.count)
    for block in blocks.keys.sorted() {
      try cancellation?.checkCancellation()
      let stats = try compressed.calibrate(
        calibration, layers: "encoder.layer.\(block).*", maxLength: options.maxLength,
        batchSize: options.batchSize, cancellation: cancellation)
      for i in blocks[block]! {
        let name = names[i]
        let weight = try model.linear(name).denseWeight()
        let h = try shrink(
          try stats.statistics(of: name), method: .none, centering: options.centering)
        let w = try whitening(h.matrix, layer: name)
        outcomes[i].lambda = 0
        outcomes[i].jitter = w.jitter
        outcomes[i].rank = budgets[i].rank
        guard let k = budgets[i].rank else { continue }
        let f = try whitenedSVD(weight: weight, whitening: w, layer: name).factors(rank: k)
        compressed = try compressed.replacing(name, l: f.left.converted(), r: f.right.converted())
      }
      progress.advance(by: 1)
    }
    progress.end()
    clock.lap("calibration and decomposition (blockwise)")
    return CompressionResult(
      model: compressed, options: options, layers: outcomes, tau: nil, timings: clock.laps,
      forwardPasses: 0, linearParamsBefore: try linearParams(model, names),
      linearParamsAfter: try linearParams(compressed, names),
      modelParamsBefore: model.parameterCount, modelParamsAfter: compressed.parameterCount)
  }
}
