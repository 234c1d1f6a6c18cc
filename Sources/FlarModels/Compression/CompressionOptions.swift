import FlarCore

/// The methods `compress` offers (reference-notes.md §6).
public enum CompressionMethod: String, Sendable, CaseIterable {
  /// Truncated SVD of `W`, the same ratio for every layer (PELA).
  case svd
  /// ASVD: scale input channel j by `(mean or max |x_j|)^α`, SVD, undo.
  case asvd
  /// FWSVD: scale input channel j by `√F_j`, the root mean squared gradient
  /// of the model's contrastive training loss on calibration pairs, SVD,
  /// undo (see `FisherStatistics`, `fisherScales`).
  case fwsvd
  /// SVD-LLM: whitening with the unshrunk second moment, uniform ratio;
  /// optionally blockwise (statistics from the partly compressed model).
  case svdLLM = "svd_llm"
  /// FLAR-SVD: shrinkage, whitening, bisection per layer against a
  /// threshold, ratio correction, latency filter.
  case flar
}

/// Every option of one compression run, recorded in its manifest.
public struct CompressionOptions: Sendable {
  public var method: CompressionMethod = .flar
  /// Fraction of the linear layers' parameters (or FLOPs) to keep; nil with
  /// an explicit `tolerance` searches without a budget.
  public var target: Double? = 0.5
  public var measure: TargetMeasure = .params
  /// Layers to compress (glob over names).
  public var layers: String = "*"
  public var maxLength: Int = 128
  public var batchSize: Int = 32
  /// `flar`: shrinkage estimator (default Ledoit–Wolf).
  public var shrinkage: ShrinkageMethod = .ledoitWolf
  /// `flar`: the reference's per-batch shrinkage.
  public var perBatch: Bool = false
  public var centering: Centering = .uncentered
  /// `flar`: the search criterion and its tolerance (nil: τ from the target).
  ///
  /// The default divides by the dense model's mean square (README, "The
  /// search", says why).
  public var criterion: SearchCriterion = .featMSEDense
  public var tolerance: Double? = nil
  /// `flar`: what the ratio correction does with the layers the search left
  /// dense (the reference keeps them dense).
  public var denseLayers: DenseLayerHandling = .keep
  /// `flar` with `feat_mse_dense`: a failing candidate stops as soon as its
  /// partial error over the search batches passes τ (exact: same ranks).
  public var earlyExit: Bool = true
  /// `flar` with an end-feature criterion: probe where the whitened error
  /// predicts each layer's rank and certify it (`RankSearchGuide`) instead
  /// of bisecting from the middle; the same ranks on a monotone criterion.
  public var certify: Bool = true
  public var step: Int = 8
  /// `flar`: keep decided blocks compressed while searching later ones.
  public var progressive: Bool = false
  /// `asvd`: exponent and statistic.
  public var alpha: Double = 0.5
  public var asvdUsesMax: Bool = false
  /// `fwsvd`: the contrastive loss's scale on the cosine, and the smallest
  /// channel scale as a fraction of the largest.
  public var contrastiveScale: Double = 20
  public var fisherFloor: Double = 1e-6
  /// `svd_llm`: statistics of each block from the partly compressed model.
  public var blockwise: Bool = false
  /// `flar`: the latency predictor; nil skips the filter.
  public var latency: LatencyPredictor? = nil
  /// Shape of the calls the latency filter asks about: sentences per batch
  /// and mean tokens per sentence (from the calibration set when nil).
  public var latencyBatch: Int = 32
  public var latencyTokens: Int? = nil
  /// `flar` with `feat_mse`: evaluate candidates from the layer's cached
  /// input on (true) or by re-running the whole model (false, the
  /// reference's way; same numbers, more work).
  public var suffixEvaluation: Bool = true
  /// `flar` with an end-feature criterion: how many layers are searched at
  /// once.
  ///
  /// Each on a thread of its own (nil: the OpenBLAS thread count; 1: one
  /// layer at a time). The results are the same for any count.
  public var searchThreads: Int? = nil
  /// Fixed ranks by layer name (nil: dense); when set, no target, search or
  /// correction: the method only factorises (to compare methods at equal
  /// ranks).
  public var fixedRanks: [String: Int?]? = nil
  /// How ranks are allocated; nil: the method's default (`flar` for flar,
  /// `uniform` for the others).
  public var allocation: AllocationMethod? = nil
  /// `global`: the target is a fraction of the compressed layers' summed
  /// dense time as the `latency` predictor estimates it, not of `measure`.
  public var latencyBudget = false
  /// `global`: ranks measured on each layer's error curve.
  public var curvePoints = 6

  public init() {}

  /// The allocation that runs: the one named, or the method's default.
  public var resolvedAllocation: AllocationMethod {
    allocation ?? AllocationMethod.defaultFor(method)
  }

  /// What the global allocation's budget counts.
  public var allocationMeasure: AllocationMeasure {
    latencyBudget ? .latency : measure == .params ? .params : .flops
  }

  /// The options as manifest entries (name, value), in a fixed order.
  public var manifestEntries: [(String, String)] {
    var out: [(String, String)] = [
      ("method", method.rawValue),
      ("target", target.map { "\($0)" } ?? "none"),
      ("by", measure.rawValue),
      ("layers", layers),
      ("maxlen", "\(maxLength)"),
      ("batch", "\(batchSize)"),
      ("step", "\(step)"),
      ("allocation", resolvedAllocation.rawValue),
    ]
    if resolvedAllocation == .global {
      out += [("budget", allocationMeasure.rawValue), ("points", "\(curvePoints)")]
    }
    if let fixedRanks {
      out.append(("ranks", "fixed for \(fixedRanks.count) layers"))
    }
    switch method {
    case .svd: break
    case .asvd:
      out += [("alpha", "\(alpha)"), ("scale", asvdUsesMax ? "max" : "mean")]
    case .fwsvd:
      out += [
        (
          "loss",
          "symmetric in-batch multiple-negatives ranking, scale \(shortNumber(contrastiveScale))"
        ),
        ("fisher_floor", "\(fisherFloor) of the largest channel scale"),
      ]
    case .svdLLM:
      out += [("blockwise", "\(blockwise)"), ("center", "\(centering == .centered)")]
    case .flar:
      out += [
        ("shrink", shrinkage.description), ("per_batch", "\(perBatch)"),
        ("center", "\(centering == .centered)"), ("criterion", criterion.rawValue),
        ("tol", tolerance.map { "\($0)" } ?? "from target"),
        ("dense", denseLayers.rawValue), ("early_exit", "\(earlyExit)"),
        ("certify", "\(certify)"),
        ("progressive", "\(progressive)"),
        ("latency", latency == nil ? "none" : "predictor (\(latency!.metadata.hardware))"),
      ]
    }
    return out
  }
}

/// `20` for 20.0, `12.5` for 12.5: a number as a researcher would write it.
private func shortNumber(_ x: Double) -> String {
  x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
}
