import FlarCore
import FlarLinAlg
import FlarModels

/// `chol`, `svd`, `factors`, `eq_rank`, `cond`.
extension BuiltinFamily {
  /// The decomposition family.
  public static var decompose: BuiltinFamily {
    BuiltinFamily(name: "decompose", builtins: [chol, svdBuiltin, factorsBuiltin, eqRank, cond])
  }

  static var chol: Builtin {
    Builtin(
      "chol", Signature([.required("C", .any)]),
      abstract: "the Cholesky factor S with S Sᵀ = C; .L, .jitter, .cond",
      discussion: """
        LAPACK dpotrf. When C is not positive definite (too few samples for its width), the
        eigenvalue-shift fallback adds (−λ_min + 1e-6 · mean(diag C)) I and says so: .jitter is
        the shift (0 when it was not needed). A second failure is an error naming the smallest
        eigenvalue and the jitter tried.
        """,
      examples: ["S = chol(shrink(cov(X)))", "S.jitter"]
    ) { args, context in
      guard let c = MatrixConversion.matrix(from: args["C"]) else {
        throw args.bad("C", "a matrix or covariance")
      }
      let w = try whitening(c)
      if w.shifted {
        context.write(
          "warning: matrix is not positive definite; added jitter \(show(w.jitter)) to the diagonal (condition number \(show(w.conditionNumber)))\n"
        )
      }
      return .handle(FactorHandle(w))
    }
  }

  static var svdBuiltin: Builtin {
    Builtin(
      "svd",
      Signature([.required("A", .matrix)], options: [.optional("whiten", .any, default: .null)]),
      abstract:
        "the thin SVD A = U diag(S) Vt; with whiten=S, the SVD of A S kept for un-whitening",
      discussion: """
        LAPACK dgesdd in float64, singular values descending. svd(W, whiten=S) decomposes W S
        (the activation-aware objective: ‖(W − Ŵ) X‖ = ‖(W − Ŵ) S‖ for H = S Sᵀ) and keeps S,
        so factors(f, k) returns L, R with L R ≈ W and R computed by a triangular solve.
        .errors and .cosines hold the closed-form whitened error Σ_{i>k} σ_i² and the weight
        cosine for every rank k = 0…r.
        """,
      examples: ["f = svd(W, whiten=S)", "plot(f.S, log=true)"]
    ) { args, _ in
      let a = try args.matrix("A")
      if args.isNil("whiten") { return .handle(SVDHandle(try plainSVD(weight: a))) }
      guard case .handle(let h) = args["whiten"], let s = h as? FactorHandle else {
        throw args.bad("whiten", "a Cholesky factor from chol()")
      }
      return .handle(SVDHandle(try whitenedSVD(weight: a, whitening: s.whitening)))
    }
  }

  static var factorsBuiltin: Builtin {
    Builtin(
      "factors",
      Signature([.required("f", .handle("svd")), .required("rank", .integer)]),
      abstract: "the rank-k factors {L, R} of an SVD, un-whitened: L R is the approximation",
      discussion: """
        L = U_k sqrt(Σ_k) (m x k) and R = sqrt(Σ_k) V_kᵀ S⁻¹ (k x n), S⁻¹ applied by a triangular
        solve, never an explicit inverse. A layer replaced with them computes L (R x) + b.
        """,
      examples: ["F = factors(f, 64)", "F.L @ F.R"]
    ) { args, _ in
      let f = try args.handle("f", as: SVDHandle.self, expected: "an svd from svd()")
      let k = try args.integer("rank", minimum: 1)
      guard k <= f.decomposition.maxRank else {
        throw args.bad("rank", "a rank in 1…\(f.decomposition.maxRank)")
      }
      let lr = try f.decomposition.factors(rank: k)
      return .record([("L", .matrix(lr.left)), ("R", .matrix(lr.right))])
    }
  }

  static var eqRank: Builtin {
    Builtin(
      "eq_rank",
      Signature([.required("m", .any), .optional("n", .any, default: .null)]),
      abstract: "the equivalent rank floor(m n / (m + n)) of an m x n weight",
      discussion: "Above it, the two factors hold more parameters than the dense weight.",
      examples: ["eq_rank(384, 1536)  # 307", "eq_rank(W)"]
    ) { args, _ in
      if case .number = args["m"] {
        let m = try args.integer("m", minimum: 0)
        guard case .number = args["n"] else { throw args.bad("n", "a number (eq_rank(m, n))") }
        return .number(
          Double(equivalentRank(outputs: m, inputs: try args.integer("n", minimum: 0))))
      }
      let w = try args.matrix("m")
      return .number(Double(equivalentRank(outputs: w.rows, inputs: w.columns)))
    }
  }

  static var cond: Builtin {
    Builtin(
      "cond", Signature([.required("A", .matrix)]),
      abstract: "the 2-norm condition number σ_max / σ_min, as numpy.linalg.cond",
      examples: ["cond(cov(X))", "cond(shrink(cov(X)))"]
    ) { args, _ in
      .number(try conditionNumber(try args.matrix("A")))
    }
  }
}
