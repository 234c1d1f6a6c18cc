// A sentence-transformers pooling as ONNX nodes, as its `Pooling` and
// `Normalize` modules compute it on padded batches.
//
// Legend: B batch, T padded sequence length, H hidden; m the attention mask.
//
//   mean            e = Σ_t m_t x_t / max(Σ_t m_t, 1e-9)
//   mean_sqrt_len   e = Σ_t m_t x_t / √max(Σ_t m_t, 1e-9)
//   max             e = max_t (m_t ? x_t : −1e9)        (per feature)
//   cls             e = x_0
//   then, with Normalize, e / max(‖e‖₂, 1e-12)
//
// These are sentence-transformers' own formulas (the clamp of the mean's
// count, the −1e9 fill of max), so the graph equals it on any padding; the
// runtime pools real tokens only, which gives the same values.

extension SentencePooling {
  /// Pools the token states `x` (B, T, H) into sentence embeddings (B, H).
  func onnxPool(_ g: inout ONNXGraphBuilder, _ x: String) -> String {
    let stem = "pooling"
    let axis1 = g.int64s([1], name: "axis1")
    let keep0 = [ONNXAttribute.int("keepdims", 0)]
    var pooled: String
    if mode == .cls {
      pooled = g.node(
        "Gather", [x, g.int64s([0], name: "first", scalar: true)], name: stem,
        attributes: [ONNXAttribute.int("axis", 1)])
    } else {
      let mask = g.node(
        "Cast", ["attention_mask"], name: stem,
        attributes: [ONNXAttribute.int("to", Onnx_TensorProto.DataType.float.rawValue)])
      let mask3 = g.node("Unsqueeze", [mask, g.int64s([2], name: "axes")], name: stem)  // (B, T, 1)
      if mode == .max {
        let padding = g.node(
          "Equal", [mask3, g.scalar(0, name: "zero")], name: stem)  // (B, T, 1)
        let filled = g.node(
          "Where", [padding, g.scalar(-1e9, name: "fill"), x], name: stem)  // (B, T, H)
        pooled = g.node(
          "ReduceMax", [filled], name: stem,
          attributes: [ONNXAttribute.ints("axes", [1]), ONNXAttribute.int("keepdims", 0)])
      } else {
        let summed = g.node(
          "ReduceSum", [g.node("Mul", [x, mask3], name: stem), axis1], name: stem,
          attributes: keep0)  // (B, H)
        let counts = g.node("ReduceSum", [mask3, axis1], name: stem, attributes: keep0)  // (B, 1)
        let clamped = g.node("Max", [counts, g.scalar(1e-9, name: "eps")], name: stem)
        let divisor = mode == .mean ? clamped : g.node("Sqrt", [clamped], name: stem)
        pooled = g.node("Div", [summed, divisor], name: stem)
      }
    }
    guard normalize else { return pooled }
    let n = "normalize"
    let squares = g.node(
      "ReduceSum", [g.node("Mul", [pooled, pooled], name: n), axis1], name: n,
      attributes: [ONNXAttribute.int("keepdims", 1)])
    let norm = g.node(
      "Max", [g.node("Sqrt", [squares], name: n), g.scalar(1e-12, name: "eps")], name: n)
    return g.node("Div", [pooled, norm], name: n)
  }
}
