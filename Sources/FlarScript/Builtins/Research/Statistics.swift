import FlarCore
import FlarLinAlg
import FlarModels

/// `cov`, `shrink`: covariance handles and the shrinkage estimators.
extension BuiltinFamily {
  /// The statistics family.
  public static var statistics: BuiltinFamily {
    BuiltinFamily(name: "statistics", builtins: [cov, shrinkBuiltin])
  }

  static var cov: Builtin {
    Builtin(
      "cov",
      Signature(
        [.required("X", .any)], options: [.optional("center", .bool, default: .bool(false))]),
      abstract: "the covariance of a sample matrix's rows, or of a layer's hook statistics",
      discussion: """
        Rows are samples (scikit-learn's convention). center=false (the default) gives the
        uncentred second moment XᵀX / n, the matrix activation-aware compression whitens with;
        center=true the centred covariance. The handle keeps the statistics it came from
        (.matrix, .n, .center), so shrink(C, method="lw") has what Ledoit–Wolf needs.
        """,
      examples: ["C = cov(X)", "H = cov(st[\"encoder.layer.0.intermediate.dense\"])"]
    ) { args, _ in
      let centering: Centering = try args.bool("center") ? .centered : .uncentered
      let stats: LayerStatistics
      if case .handle(let h) = args["X"], let s = h as? LayerStatisticsHandle {
        stats = s.statistics
      } else if let x = MatrixConversion.matrix(from: args["X"]) {
        stats = LayerStatistics(samples: x)
      } else {
        throw args.bad("X", "a matrix or layer statistics (st[\"layer\"])")
      }
      let h = try secondMoment(stats, centering: centering)
      return .handle(CovarianceHandle(matrix: h, statistics: stats, centering: centering))
    }
  }

  static var shrinkBuiltin: Builtin {
    Builtin(
      "shrink",
      Signature(
        [.required("C", .any)],
        options: [
          .optional("method", .choiceOrNumber(["lw", "oas", "reference"]), default: .string("lw")),
          .optional("per_batch", .bool, default: .bool(false)),
        ]),
      abstract: "shrink a covariance towards mean(diag) · I; returns .matrix, .lambda, .method",
      discussion: """
        H_s = (1 − λ) H + λ T with T = mean(diag(H)) I. method="lw" is Ledoit–Wolf (2004), equal
        to sklearn.covariance.ledoit_wolf; "oas" is Chen et al. (2010), equal to
        sklearn.covariance.oas; "reference" is the FLAR-SVD paper's printed formula as its public
        code computes it — degenerate (its numerator tr(H) − tr(T) is zero), so λ is 0 or 1 by a
        rounding error; a number is a fixed λ. lw and oas need the samples: give them a handle
        from cov(), not a bare matrix. per_batch=true shrinks each calibration batch before
        summing, as the reference code does (needs statistics hooked with per_batch).
        """,
      examples: ["Hs = shrink(cov(X), method=\"oas\")", "shrink(H, method=0.1).lambda"]
    ) { args, _ in
      let method: ShrinkageMethod
      switch args["method"] {
      case .number(let l): method = .fixed(l)
      case .string("lw"): method = .ledoitWolf
      case .string("oas"): method = .oas
      default: method = .reference
      }
      guard case .handle(let h) = args["C"], let c = h as? CovarianceHandle else {
        if MatrixConversion.matrix(from: args["C"]) != nil {
          var fixed = false
          if case .fixed = method { fixed = true }
          throw BuiltinError.bareMatrixCannotShrink(method: "\(method)", fixed: fixed)
        }
        throw args.bad("C", "a covariance from cov()")
      }
      return .handle(
        ShrunkHandle(
          try shrink(
            c.statistics, method: method, centering: c.centering,
            perBatch: try args.bool("per_batch"))))
    }
  }
}
