// A linear layer y = W x + b, dense or low-rank, on packed token rows.
//
// Legend: N packed tokens; `in`, `out` the layer's feature counts; k a rank.
// Weights follow PyTorch's layout, W of shape (out, in), so a batch of rows
// X (N, in) maps to Y = X Wᵀ + b (N, out): one GEMM with Wᵀ not formed.

import FlarLinAlg

/// A linear layer: dense `W` or a low-rank pair `L R`, plus its bias.
public struct Linear: Sendable, Equatable {
  /// The weight, dense or factored.
  public enum Weights: Sendable, Equatable {
    /// W: (out, in).
    case dense(Matrix<Float>)
    /// W ≈ L R with L: (out, k) and R: (k, in); k is the rank.
    case lowRank(l: Matrix<Float>, r: Matrix<Float>)
  }

  public var weights: Weights
  public var bias: [Float]  // (out)

  /// A dense layer; `weight` is (out, in), `bias` (out).
  public init(weight: Matrix<Float>, bias: [Float]) {
    precondition(bias.count == weight.rows, "bias does not match the weight's rows")
    weights = .dense(weight)
    self.bias = bias
  }

  /// A low-rank layer `W ≈ L R`: `l` (out, k), `r` (k, in), `bias` (out).
  public init(l: Matrix<Float>, r: Matrix<Float>, bias: [Float]) {
    precondition(l.columns == r.rows && bias.count == l.rows, "low-rank factor shapes disagree")
    weights = .lowRank(l: l, r: r)
    self.bias = bias
  }

  /// out, the number of output features.
  public var outFeatures: Int { bias.count }

  /// in, the number of input features.
  public var inFeatures: Int {
    switch weights {
    case .dense(let w): return w.columns
    case .lowRank(_, let r): return r.columns
    }
  }

  /// k for a low-rank layer, nil for a dense one.
  public var rank: Int? {
    if case .lowRank(let l, _) = weights { return l.columns }
    return nil
  }

  /// Parameters held: `out·in + out` dense, `k·(out + in) + out` low-rank.
  public var parameterCount: Int {
    switch weights {
    case .dense(let w): return w.count + bias.count
    case .lowRank(let l, let r): return l.count + r.count + bias.count
    }
  }

  /// Multiply–add FLOPs per token, counting a multiply–add as 2:
  /// `2·out·in` dense, `2·k·(out + in)` low-rank (the bias is not counted).
  public var flopsPerToken: Int {
    switch weights {
    case .dense(let w): return 2 * w.count
    case .lowRank(let l, let r): return 2 * (l.count + r.count)
    }
  }

  /// The dense weight: W itself, or the product L R (out, in).
  public func denseWeight() -> Matrix<Float> {
    switch weights {
    case .dense(let w): return w
    case .lowRank(let l, let r): return try! l.matmul(r)  // shapes agree by construction
    }
  }

  /// Y = X Wᵀ + b, or Y = (X Rᵀ) Lᵀ + b for a low-rank layer.
  ///
  /// - Parameter x: (N, in), one row per token.
  /// - Returns: (N, out).
  /// - Throws: `LinAlgError.shapeMismatch` when `x` has the wrong width.
  public func callAsFunction(_ x: Matrix<Float>) throws -> Matrix<Float> {
    var y = broadcastRows(bias, rows: x.rows)  // (N, out)
    switch weights {
    case .dense(let w):
      try y.addProduct(x, w, transposeB: true)  // one GEMM: N × in × out
    case .lowRank(let l, let r):
      let t = try stageProduct(x, r)  // (N, k)
      try y.addProduct(t, l, transposeB: true)  // (N, out)
    }
    return y
  }
}
