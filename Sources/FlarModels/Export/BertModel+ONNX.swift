// The BERT-family encoder as an ONNX graph, for ONNX Runtime.
//
// Legend: B batch, T padded sequence length (both dynamic), H hidden,
// A heads, D = H / A, I intermediate, k a layer's rank.
//
//   input_ids, token_type_ids, attention_mask     int64 (B, T)
//   x = LayerNorm(word[ids] + type[types] + position[0..<T])        (B, T, H)
//   per block, post-LayerNorm as in HF's BertLayer:
//     q, k, v = Linear(x)                                            (B, T, H)
//     scores = q_h k_hᵀ / √D + (1 − mask)·(−FLT_MAX)                 (B, A, T, T)
//     a = LayerNorm(Linear(softmax(scores) v_h) + x)
//     x = LayerNorm(Linear(gelu(Linear(a))) + a)
//   token_embeddings = x                                             (B, T, H)
//   sentence_embedding = normalize(Σ_t mask·x / max(Σ_t mask, 1e-9)) (B, H)
//
// A dense layer is `MatMul(x, Wᵀ) + b`; a low-rank layer is two MatMuls
// through its rank, `MatMul(MatMul(x, Rᵀ), Lᵀ) + b` with Rᵀ (in, k) and
// Lᵀ (k, out), so ONNX Runtime does the k·(in + out) work per token that
// the compression paid for. Weights are stored transposed so no Transpose
// node runs at inference. GELU is written in the erf form ONNX Runtime's
// optimiser fuses into one Gelu kernel; mean pooling and normalisation match
// sentence-transformers' Pooling(mean) and Normalize (eps 1e-12).

import FlarLinAlg
import Foundation

extension BertModel {
  /// The ONNX opset the graph is written for (LayerNormalization needs 17).
  public static let onnxOpset = 17

  /// The whole encoder with pooling and normalisation as an ONNX model.
  ///
  /// - Throws: `ExportError.unsupportedModel` for shapes the graph cannot
  ///   express.
  func onnxModel() throws -> Onnx_ModelProto {
    var g = ONNXGraphBuilder(name: "flar_encoder")
    let h = config.hiddenSize
    let dynamic: [ONNXDimension] = [.symbol("batch"), .symbol("sequence")]
    g.input("input_ids", type: .int64, dims: dynamic)
    g.input("attention_mask", type: .int64, dims: dynamic)
    g.input("token_type_ids", type: .int64, dims: dynamic)

    var x = onnxEmbeddings(&g)
    let maskBias = onnxMaskBias(&g)
    for (i, layer) in layers.enumerated() {
      x = try onnxBlock(&g, layer, index: i, input: x, maskBias: maskBias)
    }
    let pooled = onnxMeanPoolNormalize(&g, x)
    g.publish(x, as: "token_embeddings")
    g.publish(pooled, as: "sentence_embedding")
    g.output("token_embeddings", type: .float, dims: dynamic + [.size(h)])
    g.output("sentence_embedding", type: .float, dims: [.symbol("batch"), .size(h)])

    var model = Onnx_ModelProto()
    model.irVersion = 8
    model.producerName = "flar"
    model.producerVersion = "1"
    var opset = Onnx_OperatorSetIdProto()
    opset.domain = ""
    opset.version = Int64(Self.onnxOpset)
    model.opsetImport = [opset]
    model.graph = g.graph
    return model
  }

  /// Word + token type + position embeddings, then LayerNorm: (B, T, H).
  private func onnxEmbeddings(_ g: inout ONNXGraphBuilder) -> String {
    let e = embeddings
    let word = g.weight("embeddings.word_embeddings.weight", e.wordEmbeddings, transposed: false)
    let type = g.weight(
      "embeddings.token_type_embeddings.weight", e.tokenTypeEmbeddings, transposed: false)
    let position = g.weight(
      "embeddings.position_embeddings.weight", e.positionEmbeddings, transposed: false)
    let stem = "embeddings"
    let w = g.node("Gather", [word, "input_ids"], name: stem)
    let t = g.node("Gather", [type, "token_type_ids"], name: stem)
    // Positions 0..<T: the first T rows of the table, T read off input_ids.
    let shape = g.node("Shape", ["input_ids"], name: stem)
    let length = g.node(
      "Slice",
      [shape, g.int64s([1], name: "one"), g.int64s([2], name: "two")], name: stem)
    let p = g.node(
      "Slice",
      [position, g.int64s([0], name: "zero"), length, g.int64s([0], name: "axis0")], name: stem)
    // Same summation order as HF and flar's runtime: (word + type) + position.
    let sum = g.node("Add", [g.node("Add", [w, t], name: stem), p], name: stem)
    let gamma = g.weight("embeddings.LayerNorm.weight", e.layerNormWeight)
    let beta = g.weight("embeddings.LayerNorm.bias", e.layerNormBias)
    return g.node(
      "LayerNormalization", [sum, gamma, beta], name: stem + ".LayerNorm",
      attributes: [ONNXAttribute.int("axis", -1), ONNXAttribute.float("epsilon", e.eps)])
  }

  /// (1 − mask) · (−FLT_MAX) as (B, 1, 1, T), added to every head's scores,
  /// as Hugging Face's extended attention mask does.
  private func onnxMaskBias(_ g: inout ONNXGraphBuilder) -> String {
    let stem = "attention_mask"
    let mask = g.node(
      "Cast", ["attention_mask"], name: stem,
      attributes: [ONNXAttribute.int("to", Onnx_TensorProto.DataType.float.rawValue)])
    let inverted = g.node("Sub", [g.scalar(1, name: "one"), mask], name: stem)
    let bias = g.node(
      "Mul", [inverted, g.scalar(-Float.greatestFiniteMagnitude, name: "min")], name: stem)
    return g.node("Unsqueeze", [bias, g.int64s([1, 2], name: "axes")], name: stem)
  }

  /// `y = x Wᵀ + b`, or `(x Rᵀ) Lᵀ + b` for a low-rank layer.
  private func onnxLinear(_ g: inout ONNXGraphBuilder, _ l: Linear, name: String, input: String)
    -> String
  {
    let product: String
    switch l.weights {
    case .dense(let w):
      product = g.node(
        "MatMul", [input, g.weight(name + ".weight", w, transposed: true)], name: name)
    case .lowRank(let lf, let rf):
      let t = g.node("MatMul", [input, g.weight(name + ".R", rf, transposed: true)], name: name)
      product = g.node("MatMul", [t, g.weight(name + ".L", lf, transposed: true)], name: name)
    }
    return g.node("Add", [product, g.weight(name + ".bias", l.bias)], name: name)
  }

  private func onnxLayerNorm(
    _ g: inout ONNXGraphBuilder, _ x: String, weight: [Float], bias: [Float], eps: Float,
    name: String
  ) -> String {
    g.node(
      "LayerNormalization",
      [x, g.weight(name + ".weight", weight), g.weight(name + ".bias", bias)], name: name,
      attributes: [ONNXAttribute.int("axis", -1), ONNXAttribute.float("epsilon", eps)])
  }

  /// One transformer block: (B, T, H) → (B, T, H).
  private func onnxBlock(
    _ g: inout ONNXGraphBuilder, _ layer: BertLayer, index: Int, input x: String,
    maskBias: String
  ) throws -> String {
    let p = "encoder.layer.\(index)."
    let a = layer.attention.heads
    let h = config.hiddenSize
    guard h % a == 0 else {
      throw ExportError.unsupportedModel(detail: "hidden size \(h) is not a multiple of \(a) heads")
    }
    let d = h / a
    let split = g.int64s([0, 0, a, d], name: "heads_shape")
    func heads(_ v: String, perm: [Int], name: String) -> String {
      let r = g.node("Reshape", [v, split], name: name)
      return g.node("Transpose", [r], name: name, attributes: [ONNXAttribute.ints("perm", perm)])
    }
    let sa = p + "attention.self"
    let q = heads(
      onnxLinear(&g, layer.attention.query, name: sa + ".query", input: x), perm: [0, 2, 1, 3],
      name: sa)  // (B, A, T, D)
    let k = heads(
      onnxLinear(&g, layer.attention.key, name: sa + ".key", input: x), perm: [0, 2, 3, 1],
      name: sa)  // (B, A, D, T)
    let v = heads(
      onnxLinear(&g, layer.attention.value, name: sa + ".value", input: x), perm: [0, 2, 1, 3],
      name: sa)  // (B, A, T, D)
    let scores = g.node("MatMul", [q, k], name: sa)
    let scaled = g.node(
      "Mul", [scores, g.scalar(1 / Float(d).squareRoot(), name: "scale")], name: sa)
    let masked = g.node("Add", [scaled, maskBias], name: sa)
    let probabilities = g.node(
      "Softmax", [masked], name: sa, attributes: [ONNXAttribute.int("axis", -1)])
    let context = g.node("MatMul", [probabilities, v], name: sa)  // (B, A, T, D)
    let merged = g.node(
      "Reshape",
      [
        g.node(
          "Transpose", [context], name: sa, attributes: [ONNXAttribute.ints("perm", [0, 2, 1, 3])]),
        g.int64s([0, 0, h], name: "hidden_shape"),
      ], name: sa)  // (B, T, H)

    let ao = p + "attention.output"
    let projected = onnxLinear(&g, layer.attentionOutput, name: ao + ".dense", input: merged)
    let attended = onnxLayerNorm(
      &g, g.node("Add", [projected, x], name: ao), weight: layer.attentionLayerNormWeight,
      bias: layer.attentionLayerNormBias, eps: layer.eps, name: ao + ".LayerNorm")

    let inter = onnxLinear(&g, layer.intermediate, name: p + "intermediate.dense", input: attended)
    let activated = onnxGelu(&g, inter, name: p + "intermediate")
    let out = onnxLinear(&g, layer.output, name: p + "output.dense", input: activated)
    return onnxLayerNorm(
      &g, g.node("Add", [out, attended], name: p + "output"), weight: layer.outputLayerNormWeight,
      bias: layer.outputLayerNormBias, eps: layer.eps, name: p + "output.LayerNorm")
  }

  /// x · ½ · (1 + erf(x / √2)), in the node order ONNX Runtime's GeluFusion
  /// matches.
  private func onnxGelu(_ g: inout ONNXGraphBuilder, _ x: String, name: String) -> String {
    let divided = g.node("Div", [x, g.scalar(Float(2).squareRoot(), name: "sqrt2")], name: name)
    let erf = g.node("Erf", [divided], name: name)
    let plusOne = g.node("Add", [erf, g.scalar(1, name: "one")], name: name)
    let product = g.node("Mul", [x, plusOne], name: name)
    return g.node("Mul", [product, g.scalar(0.5, name: "half")], name: name)
  }

  /// Mean over the real tokens, then L2 normalisation: (B, T, H) → (B, H).
  private func onnxMeanPoolNormalize(_ g: inout ONNXGraphBuilder, _ x: String) -> String {
    let stem = "pooling"
    let mask = g.node(
      "Cast", ["attention_mask"], name: stem,
      attributes: [ONNXAttribute.int("to", Onnx_TensorProto.DataType.float.rawValue)])
    let mask3 = g.node("Unsqueeze", [mask, g.int64s([2], name: "axes")], name: stem)  // (B, T, 1)
    let axis1 = g.int64s([1], name: "axis1")
    let keep0 = [ONNXAttribute.int("keepdims", 0)]
    let summed = g.node(
      "ReduceSum", [g.node("Mul", [x, mask3], name: stem), axis1], name: stem, attributes: keep0)
    let counts = g.node("ReduceSum", [mask3, axis1], name: stem, attributes: keep0)  // (B, 1)
    let mean = g.node(
      "Div", [summed, g.node("Max", [counts, g.scalar(1e-9, name: "eps")], name: stem)],
      name: stem)
    let n = "normalize"
    let squares = g.node(
      "ReduceSum", [g.node("Mul", [mean, mean], name: n), axis1], name: n,
      attributes: [ONNXAttribute.int("keepdims", 1)])
    let norm = g.node(
      "Max", [g.node("Sqrt", [squares], name: n), g.scalar(1e-12, name: "eps")], name: n)
    return g.node("Div", [mean, norm], name: n)
  }
}
