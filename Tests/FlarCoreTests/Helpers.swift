import FlarCore
import FlarLinAlg
import TestSupport

/// Statistics of `x` fed in batches of the given sizes (which must sum to
/// the row count), as a calibration loop would.
func streamed(
  _ x: Matrix<Float>, batches sizes: [Int], layer: String = "test",
  perBatch: PerBatchShrinkage? = nil
) throws -> LayerStatistics {
  var stats = LayerStatistics(layer: layer, features: x.columns, perBatch: perBatch)
  var start = 0
  for size in sizes {
    try stats.add(batch: x.slice(rows: start..<(start + size), columns: 0..<x.columns))
    start += size
  }
  precondition(start == x.rows, "batch sizes do not cover the samples")
  return stats
}

/// Batch sizes that split `n` rows unevenly (1, 7, then thirds of the rest).
func unevenBatches(_ n: Int) -> [Int] {
  if n < 10 { return [n] }
  let rest = n - 8
  return [1, 7, rest / 3, rest / 3, rest - 2 * (rest / 3)]
}

/// Naive Ledoit–Wolf from the full sample matrix, in the paper's form:
/// `b̄² = (1/N²) Σ_i ‖y_i y_iᵀ − S‖²_F / p`, `d² = ‖S − μI‖²_F / p`,
/// `λ = min(b̄², d²) / d²`; each `y_i y_iᵀ` is formed explicitly.
func naiveLedoitWolfShrinkage(_ x: Matrix<Double>, centered: Bool) -> Double {
  let (count, p) = (x.rows, x.columns)
  var y = x
  if centered {
    for j in 0..<p {
      let mean = x.column(j).reduce(0, +) / Double(count)
      for i in 0..<count { y[i, j] -= mean }
    }
  }
  let s = try! y.matmul(y, transposeSelf: true) * (1 / Double(count))
  let mu = s.trace / Double(p)
  var target = s
  target.addToDiagonal(-mu)
  let d2 = target.squaredFrobeniusNorm / Double(p)
  var b2 = 0.0
  for i in 0..<count {
    let row = Matrix.row(y.row(i))
    let outer = try! row.matmul(row, transposeSelf: true)
    b2 += (outer - s).squaredFrobeniusNorm
  }
  b2 /= Double(count * count) * Double(p)
  let b = min(b2, d2)
  return b == 0 ? 0 : b / d2
}
