// The encoder of either family (BERT, MPNet) as an ONNX graph, for ONNX
// Runtime.
//
// Legend: B batch, T padded sequence length (both dynamic), H hidden,
// A heads, D = H / A, I intermediate, k a layer's rank, P the longest
// sequence the position table takes.
//
//   input_ids, attention_mask (, token_type_ids: BERT)   int64 (B, T)
//   BERT   x = LayerNorm(word[ids] + type[types] + position[0..<T])      (B, T, H)
//   MPNet  x = LayerNorm(word[ids] + position[pos]),                     (B, T, H)
//          pos = cumsum(ids ≠ pad)·(ids ≠ pad) + pad (RoBERTa's ids, so
//          padding on either side gives Hugging Face's positions)
//   MPNet  bias = rel[bucket(j − i)] per head, once per batch            (1, A, T, T)
//   per block, post-LayerNorm as in HF's EncoderLayer and MPNetLayer:
//     q, k, v = Linear(x)                                            (B, T, H)
//     scores = q_h k_hᵀ / √D (+ bias) + (1 − mask)·(−FLT_MAX)        (B, A, T, T)
//     a = LayerNorm(Linear(softmax(scores) v_h) + x)
//     x = LayerNorm(Linear(gelu(Linear(a))) + a)
//   token_embeddings = x                                             (B, T, H)
//   sentence_embedding = the model's pooling (SentencePooling+ONNX)  (B, H)
//
// A dense layer is `MatMul(x, Wᵀ) + b`; a low-rank layer is two MatMuls
// through its rank, `MatMul(MatMul(x, Rᵀ), Lᵀ) + b` with Rᵀ (in, k) and
// Lᵀ (k, out), so ONNX Runtime does the k·(in + out) work per token that
// the compression paid for. Weights are stored transposed so no Transpose
// node runs at inference, under the family's tensor names. GELU is written
// in the erf form ONNX Runtime's optimiser fuses into one Gelu kernel.
//
// MPNet's relative bias: the bucket of every signed distance −(P − 1)…P − 1
// is an int64 initializer computed by the runtime's own
// `RelativePositionBias.bucket` (2P − 1 values, 8 KB for P = 512); the graph
// makes the (T, T) distances j − i with Range, Gathers their buckets, then
// Gathers the learned (buckets, A) weight. Writing T5's bucket formula in
// ONNX ops instead would truncate `log(d / 8) / log(16) · 8` to an integer
// in ONNX Runtime's float Log, whose last bit may differ from PyTorch's at
// the distances where the quotient is an integer, moving a distance to the
// neighbouring bucket; the table is exact and shared with the runtime. A
// full (P, P) table would also be exact but 2 MB, and Slice-ing it to T is
// no cheaper than the Range.

import FlarLinAlg
import Foundation

extension EncoderModel {
  /// The ONNX opset the graph is written for (LayerNormalization needs 17).
  public static let onnxOpset = 17

  /// The whole encoder with the model's pooling as an ONNX model.
  ///
  /// - Throws: `ExportError.unsupportedModel` for shapes the graph cannot
  ///   express.
  func onnxModel() throws -> Onnx_ModelProto {
    var g = ONNXGraphBuilder(name: "flar_encoder")
    let h = config.hiddenSize
    let family = config.family
    let dynamic: [ONNXDimension] = [.symbol("batch"), .symbol("sequence")]
    g.input("input_ids", type: .int64, dims: dynamic)
    g.input("attention_mask", type: .int64, dims: dynamic)
    if family.hasTokenTypes { g.input("token_type_ids", type: .int64, dims: dynamic) }

    var x = try onnxEmbeddings(&g)
    let maskBias = onnxMaskBias(&g)
    let positionBias = try onnxRelativePositionBias(&g)
    for (i, layer) in layers.enumerated() {
      x = try onnxBlock(&g, layer, index: i, input: x, bias: positionBias, maskBias: maskBias)
    }
    let pooled = pooling.onnxPool(&g, x)
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

  /// Word (+ token type) + position embeddings, then LayerNorm: (B, T, H).
  private func onnxEmbeddings(_ g: inout ONNXGraphBuilder) throws -> String {
    let e = embeddings
    let stem = "embeddings"
    let word = g.weight("embeddings.word_embeddings.weight", e.wordEmbeddings, transposed: false)
    let position = g.weight(
      "embeddings.position_embeddings.weight", e.positionEmbeddings, transposed: false)
    var sum = g.node("Gather", [word, "input_ids"], name: stem)
    if config.family.hasTokenTypes {
      guard let types = e.tokenTypeEmbeddings else {
        throw ExportError.unsupportedModel(
          detail: "\(config.family.displayName) needs embeddings.token_type_embeddings.weight")
      }
      let type = g.weight("embeddings.token_type_embeddings.weight", types, transposed: false)
      // Same summation order as HF and flar's runtime: (word + type) + position.
      sum = g.node(
        "Add", [sum, g.node("Gather", [type, "token_type_ids"], name: stem)], name: stem)
    }
    let p: String
    if config.family.positionsAfterPadding {
      // RoBERTa's create_position_ids_from_input_ids: real tokens count up
      // from pad + 1, padding sits at pad. (B, T, H)
      let pad = g.int64s([e.positionOffset - 1], name: "pad", scalar: true)
      let real = g.node(
        "Cast", [g.node("Not", [g.node("Equal", ["input_ids", pad], name: stem)], name: stem)],
        name: stem, attributes: [ONNXAttribute.int("to", Onnx_TensorProto.DataType.int64.rawValue)])
      let counted = g.node(
        "CumSum", [real, g.int64s([1], name: "axis1", scalar: true)], name: stem)
      let ids = g.node("Add", [g.node("Mul", [counted, real], name: stem), pad], name: stem)
      p = g.node("Gather", [position, ids], name: stem)
    } else {
      // Positions 0..<T: the first T rows of the table, T read off input_ids.
      let shape = g.node("Shape", ["input_ids"], name: stem)
      let length = g.node(
        "Slice",
        [shape, g.int64s([1], name: "one"), g.int64s([2], name: "two")], name: stem)
      p = g.node(
        "Slice",
        [position, g.int64s([0], name: "zero"), length, g.int64s([0], name: "axis0")], name: stem)
    }
    sum = g.node("Add", [sum, p], name: stem)
    let gamma = g.weight("embeddings.LayerNorm.weight", e.layerNormWeight)
    let beta = g.weight("embeddings.LayerNorm.bias", e.layerNormBias)
    return g.node(
      "LayerNormalization", [sum, gamma, beta], name: stem + ".LayerNorm",
      attributes: [ONNXAttribute.int("axis", -1), ONNXAttribute.float("epsilon", e.eps)])
  }

  /// MPNet's relative position bias of the batch, (1, A, T, T), shared by
  /// every block; nil for a family without one (see the file header).
  private func onnxRelativePositionBias(_ g: inout ONNXGraphBuilder) throws -> String? {
    guard let name = config.family.relativeAttentionBias else { return nil }
    guard let relative = relativeBias else {
      throw ExportError.unsupportedModel(
        detail: "\(config.family.displayName) needs \(name)")
    }
    let stem = "encoder.relative_position"
    let longest = config.maxPositionEmbeddings - embeddings.positionOffset  // P
    let buckets = (0..<max(2 * longest - 1, 1)).map { relative.bucket($0 - (longest - 1)) }
    let table = g.int64s(buckets, name: "encoder.relative_position_buckets")  // (2P − 1)
    let weight = g.weight(name, relative.weight, transposed: false)  // (buckets, A)
    let length = g.node(
      "Gather",
      [g.node("Shape", ["input_ids"], name: stem), g.int64s([1], name: "one", scalar: true)],
      name: stem)  // T, 0-D
    let zero = g.int64s([0], name: "zero", scalar: true)
    let positions = g.node(
      "Range", [zero, length, g.int64s([1], name: "one", scalar: true)], name: stem)  // (T)
    // Keys as a row (1, T), queries as a column (T, 1).
    let keys = g.node("Unsqueeze", [positions, g.int64s([0], name: "axes")], name: stem)
    let queries = g.node("Unsqueeze", [positions, g.int64s([1], name: "axes")], name: stem)
    let distance = g.node("Sub", [keys, queries], name: stem)  // j − i, (T, T)
    let index = g.node(
      "Add", [distance, g.int64s([longest - 1], name: "middle", scalar: true)], name: stem)
    let bucket = g.node("Gather", [table, index], name: stem)  // (T, T)
    let values = g.node("Gather", [weight, bucket], name: stem)  // (T, T, A)
    let perHead = g.node(
      "Transpose", [values], name: stem, attributes: [ONNXAttribute.ints("perm", [2, 0, 1])])
    return g.node("Unsqueeze", [perHead, g.int64s([0], name: "axes")], name: stem)  // (1, A, T, T)
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
    _ g: inout ONNXGraphBuilder, _ layer: EncoderLayer, index: Int, input x: String,
    bias: String?, maskBias: String
  ) throws -> String {
    let p = "encoder.layer.\(index)."
    // q, k, v, attention output, intermediate, output under the family's names
    let names = config.family.linearSuffixes.map { p + $0 }
    let a = layer.attention.heads
    let h = config.hiddenSize
    guard h % a == 0 else {
      throw ExportError.unsupportedModel(detail: "hidden size \(h) is not a multiple of \(a) heads")
    }
    let d = h / a
    let split = g.int64s([0, 0, a, d], name: "heads_shape")
    func heads(_ l: Linear, _ name: String, perm: [Int]) -> String {
      let r = g.node("Reshape", [onnxLinear(&g, l, name: name, input: x), split], name: name)
      return g.node("Transpose", [r], name: name, attributes: [ONNXAttribute.ints("perm", perm)])
    }
    let sa = p + "attention"
    let q = heads(layer.attention.query, names[0], perm: [0, 2, 1, 3])  // (B, A, T, D)
    let k = heads(layer.attention.key, names[1], perm: [0, 2, 3, 1])  // (B, A, D, T)
    let v = heads(layer.attention.value, names[2], perm: [0, 2, 1, 3])  // (B, A, T, D)
    let scores = g.node("MatMul", [q, k], name: sa)
    var scaled = g.node(
      "Mul", [scores, g.scalar(1 / Float(d).squareRoot(), name: "scale")], name: sa)
    // HF's order: scaled scores + position bias, then + mask.
    if let bias { scaled = g.node("Add", [scaled, bias], name: sa) }
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

    let projected = onnxLinear(&g, layer.attentionOutput, name: names[3], input: merged)
    let attended = onnxLayerNorm(
      &g, g.node("Add", [projected, x], name: names[3]), weight: layer.attentionLayerNormWeight,
      bias: layer.attentionLayerNormBias, eps: layer.eps, name: p + config.family.attentionLayerNorm
    )

    let inter = onnxLinear(&g, layer.intermediate, name: names[4], input: attended)
    let activated = onnxGelu(&g, inter, name: names[4])
    let out = onnxLinear(&g, layer.output, name: names[5], input: activated)
    return onnxLayerNorm(
      &g, g.node("Add", [out, attended], name: names[5]), weight: layer.outputLayerNormWeight,
      bias: layer.outputLayerNormBias, eps: layer.eps, name: p + config.family.outputLayerNorm)
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
}
