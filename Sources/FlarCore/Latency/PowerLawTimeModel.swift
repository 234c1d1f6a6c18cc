#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A power-law fit of a layer's time in milliseconds against its size, used
/// to turn a predicted recovery ratio into milliseconds.
///
///     log t = c₀ + c₁ log rows + c₂ log in + c₃ log out
///
/// fitted by least squares on the logarithms (so the error minimised is the
/// relative one), with `rows = batch · tokens`. The random forest predicts
/// only the ratio `Y`, which is what the filter needs; the milliseconds
/// `t_k ≈ t₁ + Y (t_dense − t₁)` also need `t_dense` and `t₁`, and one fit of
/// this form per time keeps that honest: it is smooth, it extrapolates along
/// the GEMM's own scaling (for a compute-bound dense GEMM the exponents tend
/// to 1), and its held-out relative error is stored beside the forest's R².
/// A forest on the times would be more exact inside the sampled shapes but
/// flat outside them, which is where a real model's layers may fall.
public struct PowerLawTimeModel: Sendable, Equatable {
  /// `c₀ … c₃`.
  public let coefficients: [Double]

  /// The model with the given coefficients (four of them).
  public init(coefficients: [Double]) {
    precondition(coefficients.count == 4, "power law of \(coefficients.count) coefficients")
    self.coefficients = coefficients
  }

  /// Coefficients read from a file, whose count the reader checks after.
  init(unchecked coefficients: [Double]) {
    self.coefficients = coefficients
  }

  /// The predicted time in milliseconds.
  public func milliseconds(rows: Int, in inFeatures: Int, out outFeatures: Int) -> Double {
    let x = Self.regressors(rows: rows, in: inFeatures, out: outFeatures)
    return exp(zip(coefficients, x).reduce(0) { $0 + $1.0 * $1.1 })
  }

  static func regressors(rows: Int, in i: Int, out o: Int) -> [Double] {
    [1, log(Double(rows)), log(Double(i)), log(Double(o))]
  }

  /// Fits the power law to `(shape, milliseconds)` pairs.
  ///
  /// The normal equations `(AᵀA + εI) c = Aᵀ log t` are solved by Gaussian
  /// elimination with partial pivoting; `ε = 1e-10 · tr(AᵀA) / 4` keeps a
  /// data set where one size never varies (a constant column beside the
  /// intercept) solvable, with that column's coefficient near 0.
  ///
  /// - Precondition: at least one pair, every time positive.
  public static func fit(_ pairs: [(shape: LatencyShape, milliseconds: Double)])
    -> PowerLawTimeModel
  {
    precondition(!pairs.isEmpty && pairs.allSatisfy { $0.milliseconds > 0 }, "power-law fit data")
    var ata = [[Double]](repeating: [Double](repeating: 0, count: 4), count: 4)  // Σ a aᵀ
    var aty = [Double](repeating: 0, count: 4)  // Σ a log t
    for (shape, ms) in pairs {
      let a = regressors(rows: shape.rows, in: shape.inFeatures, out: shape.outFeatures)
      for r in 0..<4 {
        aty[r] += a[r] * log(ms)
        for c in 0..<4 { ata[r][c] += a[r] * a[c] }
      }
    }
    let ridge = 1e-10 * (0..<4).reduce(0) { $0 + ata[$1][$1] } / 4
    for r in 0..<4 { ata[r][r] += ridge }
    return PowerLawTimeModel(coefficients: solve(ata, aty))
  }

  /// Solves the 4×4 system by elimination with partial pivoting.
  private static func solve(_ a: [[Double]], _ b: [Double]) -> [Double] {
    var m = a
    var v = b
    let n = v.count
    for col in 0..<n {
      let pivot = (col..<n).max { abs(m[$0][col]) < abs(m[$1][col]) }!
      m.swapAt(col, pivot)
      v.swapAt(col, pivot)
      for row in (col + 1)..<n where m[col][col] != 0 {
        let factor = m[row][col] / m[col][col]
        for k in col..<n { m[row][k] -= factor * m[col][k] }
        v[row] -= factor * v[col]
      }
    }
    var x = [Double](repeating: 0, count: n)
    for row in stride(from: n - 1, through: 0, by: -1) {
      var s = v[row]
      for k in (row + 1)..<n { s -= m[row][k] * x[k] }
      x[row] = m[row][row] == 0 ? 0 : s / m[row][row]
    }
    return x
  }
}
