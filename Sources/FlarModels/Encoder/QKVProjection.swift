// Q, K and V of one block from one GEMM on the block input, whatever mix of
// dense and low-rank projections the block has.
//
// Legend: N packed tokens, H hidden, k_p the rank of projection p, m_p its
// rows in the first stage (H dense, k_p low-rank), M = Σ m_p.
//
//   all dense     QKV = x [W_q; W_k; W_v]ᵀ + [b_q, b_k, b_v]          one GEMM (N, 3H)
//   otherwise     T = x [A_q; A_k; A_v]ᵀ                              one GEMM (N, M)
//                 QKV_p = T_p + b_p                   dense p (A_p = W_p)
//                 QKV_p = T_p L_pᵀ + b_p              low-rank p (A_p = R_p), into QKV's block
//
// Goals, in order: the values of three separate layers (each product is the
// same sum over H, or over k_p, as `Linear` computes it); fewer and wider
// GEMMs. A low-rank block otherwise runs six GEMMs, three of them of width
// k_p (8 to 48 on a 50 % MiniLM), each paying OpenBLAS's packing of x and a
// hand-off to its threads; stacking the first stages reads x once, in one
// GEMM of width M, and the second stages write straight into their columns
// of QKV (no (N, H) temporaries, no copy).

import FlarLinAlg

/// Q, K and V as one stacked first stage and, for low-rank ones, a second.
struct QKVProjection<Scalar: EncoderScalar>: Sendable {
  /// The stacked first stage (M, H): W_p or R_p for each projection p.
  let first: Matrix<Scalar>
  /// Projection p's rows in `first`, its L (H, k_p) when low-rank, its bias.
  let parts: [(rows: Range<Int>, l: Matrix<Scalar>?, bias: [Scalar])]
  /// Whether all three are dense (`first` is then [W_q; W_k; W_v]).
  let allDense: Bool

  /// The stacked projections of `layers` (query, key, value), or nil when
  /// their input or output widths differ.
  init?(_ layers: [LinearLayer<Scalar>]) {
    guard let h = layers.first?.outFeatures,
      layers.allSatisfy({ $0.outFeatures == h && $0.inFeatures == layers[0].inFeatures })
    else { return nil }
    var storage: [Scalar] = []
    var parts: [(rows: Range<Int>, l: Matrix<Scalar>?, bias: [Scalar])] = []
    var row = 0
    for layer in layers {
      let a: Matrix<Scalar>
      let l: Matrix<Scalar>?
      switch layer.weights {
      case .dense(let w): (a, l) = (w, nil)
      case .lowRank(let lf, let rf): (a, l) = (rf, lf)
      }
      storage += a.storage
      parts.append((row..<(row + a.rows), l, layer.bias))
      row += a.rows
    }
    first = Matrix(rows: row, columns: layers[0].inFeatures, storage: storage)
    self.parts = parts
    allDense = parts.allSatisfy { $0.l == nil }
  }

  /// Q, K and V side by side: (N, 3H).
  ///
  /// - Throws: `LinAlgError.shapeMismatch` when `x` has the wrong width.
  func callAsFunction(_ x: Matrix<Scalar>) throws -> Matrix<Scalar> {
    let h = parts[0].bias.count
    var qkv = broadcastRows(parts.flatMap(\.bias), rows: x.rows)  // (N, 3H)
    if allDense {
      try qkv.addProduct(x, first, transposeB: true)
      return qkv
    }
    let t = try stageProduct(x, first)  // (N, M)
    let n = x.rows
    let m = first.rows
    qkv.withMutableView { out in
      t.withView { tv in
        for (p, part) in parts.enumerated() {
          guard let l = part.l else { continue }
          let block = out.block(rows: 0..<n, columns: (p * h)..<(p * h + h))
          l.withView {
            block.setProduct(
              tv.block(rows: 0..<n, columns: part.rows), $0, transposeB: true, beta: 1)
          }
        }
      }
    }
    // A dense projection's product is T's columns as they are.
    for (p, part) in parts.enumerated() where part.l == nil {
      qkv.storage.withUnsafeMutableBufferPointer { out in
        t.storage.withUnsafeBufferPointer { src in
          for i in 0..<n {
            let o = out.baseAddress! + i * 3 * h + p * h
            let s = src.baseAddress! + i * m + part.rows.lowerBound
            for j in 0..<h { o[j] += s[j] }
          }
        }
      }
    }
    return qkv
  }
}

/// `x Aᵀ` (N, rows of A) into a fresh matrix, as `Linear`'s first stage.
///
/// - Throws: `LinAlgError.shapeMismatch` when the widths differ.
func stageProduct<Scalar: LinAlgScalar>(
  _ x: Matrix<Scalar>, _ a: Matrix<Scalar>
) throws -> Matrix<Scalar> {
  guard x.columns == a.columns else {
    throw LinAlgError.shapeMismatch(
      operation: "matrix product", lhs: (x.rows, x.columns), rhs: (a.columns, a.rows))
  }
  var t = Matrix<Scalar>(rows: x.rows, columns: a.rows)
  t.withMutableView { tv in
    x.withView { xv in a.withView { tv.setProduct(xv, $0, transposeB: true) } }
  }
  return t
}
