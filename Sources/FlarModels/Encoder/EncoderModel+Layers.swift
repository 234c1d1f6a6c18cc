// The linear layers of a model by HF name: listing, sizes, replacement.
//
// Legend: `out`, `in` a layer's feature counts, k a rank.
//
// Names are `encoder.layer.{i}.{suffix}` with the family's suffixes (BERT:
// attention.self.{query,key,value}, attention.output.dense,
// intermediate.dense, output.dense; MPNet: attention.attn.{q,k,v,o},
// intermediate.dense, output.dense): the same strings as the safetensors keys
// without `.weight`, the hook keys and the names in a saved config.

import FlarLinAlg

/// A row of a model's layer table.
public struct LinearLayerInfo: Sendable, Equatable {
  public let name: String
  public let outFeatures: Int
  public let inFeatures: Int
  /// k for a low-rank layer, nil for a dense one.
  public let rank: Int?
  public let parameterCount: Int
  public let flopsPerToken: Int
}

extension EncoderModel {
  /// All compressible linear layers in forward order (6 per block).
  public var linearLayerNames: [String] {
    let suffixes = config.family.linearSuffixes
    return (0..<layers.count).flatMap { i in suffixes.map { "encoder.layer.\(i).\($0)" } }
  }

  /// The key shared by layers that read the same input (a block's query,
  /// key and value): the name of the first of them.
  ///
  /// - Throws: `ModelError.unknownLayer`.
  public func sharedInputName(of name: String) throws -> String {
    let (block, point) = try inputPoint(of: name)
    return "encoder.layer.\(block).\(config.family.suffixes(at: point)[0])"
  }

  /// The table of linear layers whose names match `pattern`.
  ///
  /// - Throws: `ModelError.patternMatchedNothing`.
  public func linearLayers(matching pattern: String = "*") throws -> [LinearLayerInfo] {
    let names = try layerNames(matching: pattern)
    return try names.map { name in
      let l = try linear(name)
      return LinearLayerInfo(
        name: name, outFeatures: l.outFeatures, inFeatures: l.inFeatures, rank: l.rank,
        parameterCount: l.parameterCount, flopsPerToken: l.flopsPerToken)
    }
  }

  /// The names of the linear layers matching the glob `pattern`.
  ///
  /// - Throws: `ModelError.patternMatchedNothing`.
  public func layerNames(matching pattern: String) throws -> [String] {
    let glob = LayerPattern(pattern)
    let names = linearLayerNames.filter(glob.matches)
    if names.isEmpty { throw ModelError.patternMatchedNothing(pattern: pattern) }
    return names
  }

  /// The block index and role of layer `name` (the role is the runtime's
  /// name for the layer, BERT's suffix, whatever the family).
  ///
  /// - Throws: `ModelError.unknownLayer` with the closest name.
  func location(of name: String) throws -> (block: Int, suffix: String) {
    let prefix = "encoder.layer."
    if name.hasPrefix(prefix) {
      let rest = name.dropFirst(prefix.count)
      if let dot = rest.firstIndex(of: "."), let i = Int(rest[..<dot]), i >= 0, i < layers.count {
        let suffix = String(rest[rest.index(after: dot)...])
        if let role = config.family.role(ofSuffix: suffix) { return (i, role) }
      }
    }
    throw ModelError.unknownLayer(
      name: name, suggestion: closestName(to: name, among: linearLayerNames))
  }

  /// The linear layer called `name`.
  public func linear(_ name: String) throws -> Linear {
    let (i, suffix) = try location(of: name)
    return layers[i][linear: suffix]!
  }

  /// A new model with layer `name` replaced by `layer`; `self` is unchanged.
  ///
  /// - Throws: `.unknownLayer`, or `.factorShapeMismatch` when `layer`'s
  ///   input or output size differs from the original's.
  public func replacing(_ name: String, with layer: Linear) throws -> EncoderModel {
    let (i, suffix) = try location(of: name)
    let old = layers[i][linear: suffix]!
    guard layer.inFeatures == old.inFeatures, layer.outFeatures == old.outFeatures else {
      let shapes: ([Int], [Int])
      switch layer.weights {
      case .dense(let w): shapes = ([w.rows, w.columns], [])
      case .lowRank(let l, let r): shapes = ([l.rows, l.columns], [r.rows, r.columns])
      }
      throw ModelError.factorShapeMismatch(
        layer: name, out: old.outFeatures, in: old.inFeatures, l: shapes.0, r: shapes.1)
    }
    var copy = self
    copy.layers[i][linear: suffix] = layer
    return copy
  }

  /// A new model with layer `name` low-rank, `W ≈ L R`, keeping its bias.
  ///
  /// The layer then computes `y = L (R x) + b` with two GEMMs.
  ///
  /// - Parameters:
  ///   - l: (out, k).
  ///   - r: (k, in).
  /// - Throws: `.unknownLayer`, `.factorShapeMismatch`.
  public func replacing(_ name: String, l: Matrix<Float>, r: Matrix<Float>) throws -> EncoderModel {
    let old = try linear(name)
    guard l.rows == old.outFeatures, r.columns == old.inFeatures, l.columns == r.rows,
      l.columns >= 1
    else {
      throw ModelError.factorShapeMismatch(
        layer: name, out: old.outFeatures, in: old.inFeatures, l: [l.rows, l.columns],
        r: [r.rows, r.columns])
    }
    return try replacing(name, with: Linear(l: l, r: r, bias: old.bias))
  }

  /// Parameters of all compressible linear layers.
  public var linearParameterCount: Int {
    linearLayerNames.reduce(0) { $0 + (try! linear($1)).parameterCount }
  }

  /// FLOPs per token of all compressible linear layers (multiply–add = 2;
  /// attention scores, softmax, LayerNorm and GELU are not counted).
  public var flopsPerToken: Int {
    linearLayerNames.reduce(0) { $0 + (try! linear($1)).flopsPerToken }
  }
}
