// Model families as descriptions: how a family's config and tensor names map
// onto the one encoder runtime (post-LayerNorm transformer blocks on packed
// real tokens). `config.json`'s `model_type` picks the family.
//
// Legend: H hidden, A heads, P positions.
//
// The runtime names a block's six linear layers by role, in forward order:
// query, key, value, attention output, intermediate, output. A family gives
// the tensor-name suffix of each role, the names of the two LayerNorms, and
// what its embeddings and attention add:
//
//   BERT   absolute positions from 0, token-type embeddings (type 0 added)
//   MPNet  positions from padding_idx + 1 (as RoBERTa), no token types, and
//          one relative position bias (buckets x A) shared by every block
//
// Layer names stay the safetensors names (`encoder.layer.{i}.{suffix}`), so a
// name typed at the prompt, a hook key and a tensor key are one string.
//
// A third family is one more `static let` here (and its case in `named`),
// plus what its embeddings or attention need beyond these switches.

/// How one encoder family names and arranges its weights.
public struct ModelFamily: Sendable, Equatable, CustomStringConvertible {
  /// `config.json`'s `model_type`.
  public let modelType: String
  /// The family's usual spelling ("BERT", "MPNet").
  public let displayName: String
  /// The tensor-name suffixes of a block's linear layers, in forward order:
  /// query, key, value, attention output, intermediate, output.
  public let linearSuffixes: [String]
  /// The LayerNorm after attention (`….weight`, `….bias` below a block).
  public let attentionLayerNorm: String
  /// The LayerNorm after the feed-forward output.
  public let outputLayerNorm: String
  /// Whether the embeddings add `embeddings.token_type_embeddings` (type 0).
  public let hasTokenTypes: Bool
  /// Whether positions start after `pad_token_id` (RoBERTa's and MPNet's
  /// `create_position_ids_from_input_ids`), not at 0.
  public let positionsAfterPadding: Bool
  /// The tensor of a relative position bias shared by every block, if any.
  public let relativeAttentionBias: String?

  public var description: String { modelType }

  /// Google's BERT (Hugging Face `BertModel`).
  public static let bert = ModelFamily(
    modelType: "bert", displayName: "BERT",
    linearSuffixes: [
      "attention.self.query", "attention.self.key", "attention.self.value",
      "attention.output.dense", "intermediate.dense", "output.dense",
    ],
    attentionLayerNorm: "attention.output.LayerNorm", outputLayerNorm: "output.LayerNorm",
    hasTokenTypes: true, positionsAfterPadding: false, relativeAttentionBias: nil)

  /// Microsoft's MPNet (Hugging Face `MPNetModel`).
  ///
  /// Song, K. et al. (2020). MPNet: Masked and permuted pre-training for
  /// language understanding. NeurIPS 33.
  public static let mpnet = ModelFamily(
    modelType: "mpnet", displayName: "MPNet",
    linearSuffixes: [
      "attention.attn.q", "attention.attn.k", "attention.attn.v", "attention.attn.o",
      "intermediate.dense", "output.dense",
    ],
    attentionLayerNorm: "attention.LayerNorm", outputLayerNorm: "output.LayerNorm",
    hasTokenTypes: false, positionsAfterPadding: true,
    relativeAttentionBias: "encoder.relative_attention_bias.weight")

  /// Every family flar runs.
  public static let known: [ModelFamily] = [.bert, .mpnet]

  /// The family of `model_type`, or nil.
  public static func named(_ modelType: String) -> ModelFamily? {
    known.first { $0.modelType == modelType }
  }

  /// The family suffix of the linear layer BERT calls `bertSuffix` (the
  /// runtime's role names).
  func suffix(forRole bertSuffix: String) -> String {
    linearSuffixes[ModelFamily.bert.linearSuffixes.firstIndex(of: bertSuffix)!]
  }

  /// The runtime's role name (BERT's suffix) of this family's `suffix`.
  func role(ofSuffix suffix: String) -> String? {
    linearSuffixes.firstIndex(of: suffix).map { ModelFamily.bert.linearSuffixes[$0] }
  }

  /// The suffixes of the layers reading at `point`, in this family's names.
  public func suffixes(at point: LayerPoint) -> [String] {
    point.layerSuffixes.map(suffix(forRole:))
  }
}
