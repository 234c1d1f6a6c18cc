// The calibration output error of a compressed layer, in closed form from
// the streamed statistics:
//
//     ‖(W − Ŵ) X‖²_F / N = tr((W − Ŵ) H (W − Ŵ)ᵀ),   H = X Xᵀ / N,
//
// reported relative to the layer's output energy tr(W H Wᵀ). This is the
// objective the whitened methods minimise (reference-notes §1): at equal
// ranks, SVD-LLM's factorisation (unshrunk H) is optimal for it, so it can
// never lose to the plain SVD; FLAR-SVD's shrunk H is optimal for a nearby
// matrix.

import FlarCore
import FlarLinAlg

extension EncoderModel {
  /// The relative calibration output error of each layer of `stats`
  /// between this model and `reference`, in forward order.
  ///
  /// - Throws: model and statistics errors.
  public func calibrationOutputErrors(
    reference: EncoderModel, statistics: CalibrationStatistics
  ) throws -> [(layer: String, error: Double)] {
    var out: [(String, Double)] = []
    for name in linearLayerNames where statistics.byLayer[name] != nil {
      let h = try secondMoment(try statistics.statistics(of: name))
      let w: Matrix<Double> = try reference.linear(name).denseWeight().converted()
      let wHat: Matrix<Double> = try linear(name).denseWeight().converted()
      var delta = w
      for i in 0..<delta.storage.count { delta.storage[i] -= wHat.storage[i] }
      out.append((name, try quadratic(delta, h) / max(try quadratic(w, h), .leastNormalMagnitude)))
    }
    return out
  }
}

/// tr(A H Aᵀ) = Σ (A H) ⊙ A.
private func quadratic(_ a: Matrix<Double>, _ h: Matrix<Double>) throws -> Double {
  let ah = try a.matmul(h)
  var total = 0.0
  for i in 0..<ah.storage.count { total += ah.storage[i] * a.storage[i] }
  return total
}
