// A linear layer y = W x + b, dense or low-rank, on packed token rows.
//
// Legend: N packed tokens; `in`, `out` the layer's feature counts; k a rank.
// Weights follow PyTorch's layout, W of shape (out, in), so a batch of rows
// X (N, in) maps to Y = X Wᵀ + b (N, out): one GEMM with Wᵀ not formed.

import FlarLinAlg

/// A linear layer in Float, the model's own precision.
public typealias Linear = LinearLayer<Float>

/// A linear layer: dense `W` or a low-rank pair `L R`, plus its bias.
public struct LinearLayer<Scalar: EncoderScalar>: Sendable, Equatable {
  /// The weight, dense or factored.
  public enum Weights: Sendable, Equatable {
    /// W: (out, in).
    case dense(Matrix<Scalar>)
    /// W ≈ L R with L: (out, k) and R: (k, in); k is the rank.
    case lowRank(l: Matrix<Scalar>, r: Matrix<Scalar>)
  }

  public var weights: Weights
  public var bias: [Scalar]  // (out)

  /// A dense layer; `weight` is (out, in), `bias` (out).
  public init(weight: Matrix<Scalar>, bias: [Scalar]) {
    precondition(bias.count == weight.rows, "bias does not match the weight's rows")
    weights = .dense(weight)
    self.bias = bias
  }

  /// A low-rank layer `W ≈ L R`: `l` (out, k), `r` (k, in), `bias` (out).
  public init(l: Matrix<Scalar>, r: Matrix<Scalar>, bias: [Scalar]) {
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
  public func denseWeight() -> Matrix<Scalar> {
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
  public func callAsFunction(_ x: Matrix<Scalar>) throws -> Matrix<Scalar> { try apply(x) }

  /// `self(x)`: the generic body, specialised where a concrete type calls it.
  func apply(_ x: Matrix<Scalar>) throws -> Matrix<Scalar> {
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

extension LinearLayer where Scalar == Float {
  /// `self(x)` in Float: a concrete entry point for other modules (a call
  /// through the generic one from outside this module is not specialised).
  public func callAsFunction(_ x: Matrix<Float>) throws -> Matrix<Float> { try apply(x) }
}

extension LinearLayer {
  /// The same layer in another precision (Float values are exact in Double).
  public func converted<T: EncoderScalar>(to: T.Type = T.self) -> LinearLayer<T> {
    let b = bias.map { T($0) }
    switch weights {
    case .dense(let w): return LinearLayer<T>(weight: w.converted(), bias: b)
    case .lowRank(let l, let r): return LinearLayer<T>(l: l.converted(), r: r.converted(), bias: b)
    }
  }
}
