// The trainable tensors of the encoder blocks by safetensors name: which
// exist for a selection, their values, and writing new values back.
//
// Legend: `out` x `in` a weight, k a rank, H hidden.
//
// A name is the tensor's key in model.safetensors, so a gradient, an
// optimiser state and a saved tensor share one string:
// `encoder.layer.{i}.{suffix}.weight` (dense W), `.L`, `.R` (low-rank
// factors), `.bias`, and `encoder.layer.{i}.{LayerNorm}.weight` / `.bias`.

import FlarLinAlg

/// One trainable tensor of one block.
struct ParameterSlot: Sendable {
  enum Part: Sendable { case weight, l, r, bias }
  enum Kind: Sendable {
    /// Linear layer number `index` of the block (forward order), one part.
    case linear(index: Int, part: Part)
    /// LN₁ (`attention: true`) or LN₂; γ (`gamma: true`) or β.
    case norm(attention: Bool, gamma: Bool)
  }

  var name: String
  var block: Int
  var kind: Kind

  /// This tensor's gradient among a block's, flattened row-major.
  func gradient<Scalar: EncoderScalar>(in g: BlockGradients<Scalar>) -> [Scalar]? {
    switch kind {
    case .linear(let index, let part):
      let lg = g.linear[index]
      switch part {
      case .weight: return lg.weight?.storage
      case .l: return lg.l?.storage
      case .r: return lg.r?.storage
      case .bias: return lg.bias
      }
    case .norm(let attention, let gamma):
      guard let n = attention ? g.attentionNorm : g.outputNorm else { return nil }
      return gamma ? n.gamma : n.beta
    }
  }
}

/// The tensor is not a trainable tensor of this model.
public struct UnknownParameterError: Error, Equatable, CustomStringConvertible {
  public var name: String
  public var description: String { "no trainable tensor \"\(name)\" in the encoder blocks" }
}

extension TransformerEncoder {
  /// The slots of block `i` that `parameters` selects, in a fixed order.
  func parameterSlots(block i: Int, _ parameters: TrainableParameters) -> [ParameterSlot] {
    let family = config.family
    let p = "encoder.layer.\(i)."
    var out: [ParameterSlot] = []
    for (index, role) in EncoderBlock<Scalar>.linearSuffixes.enumerated() {
      let name = p + family.suffix(forRole: role)
      let layer = layers[i][linear: role]!
      if layer.rank == nil, parameters.contains(.dense) {
        out.append(
          ParameterSlot(
            name: name + ".weight", block: i, kind: .linear(index: index, part: .weight)))
      }
      if layer.rank != nil, parameters.contains(.lowRank) {
        out.append(
          ParameterSlot(name: name + ".L", block: i, kind: .linear(index: index, part: .l)))
        out.append(
          ParameterSlot(name: name + ".R", block: i, kind: .linear(index: index, part: .r)))
      }
      if parameters.contains(.bias) {
        out.append(
          ParameterSlot(name: name + ".bias", block: i, kind: .linear(index: index, part: .bias)))
      }
    }
    if parameters.contains(.norm) {
      for (attention, norm) in [(true, family.attentionLayerNorm), (false, family.outputLayerNorm)]
      {
        out.append(
          ParameterSlot(
            name: p + norm + ".weight", block: i, kind: .norm(attention: attention, gamma: true)))
        out.append(
          ParameterSlot(
            name: p + norm + ".bias", block: i, kind: .norm(attention: attention, gamma: false)))
      }
    }
    return out
  }

  /// The slots of every block, bottom block first.
  func parameterSlots(_ parameters: TrainableParameters) -> [ParameterSlot] {
    layers.indices.flatMap { parameterSlots(block: $0, parameters) }
  }

  /// The names of the tensors `parameters` selects, bottom block first.
  public func trainableTensorNames(_ parameters: TrainableParameters) -> [String] {
    parameterSlots(parameters).map(\.name)
  }

  /// The number of values those tensors hold.
  public func trainableParameterCount(_ parameters: TrainableParameters) -> Int {
    parameterSlots(parameters).reduce(0) { $0 + values(of: $1).count }
  }

  /// The values of a trainable tensor, row-major.
  ///
  /// - Throws: `UnknownParameterError` for a name that is not one.
  public func parameterValues(_ name: String) throws -> [Scalar] {
    values(of: try slot(named: name))
  }

  /// Replaces the values of a trainable tensor (same count, row-major).
  ///
  /// - Throws: `UnknownParameterError` for a name that is not one.
  public mutating func setParameterValues(_ name: String, _ values: [Scalar]) throws {
    setValues(of: try slot(named: name), values)
  }

  /// Replaces the values of the tensor in `s` (same count, row-major).
  mutating func setValues(of s: ParameterSlot, _ values: [Scalar]) {
    let name = s.name
    precondition(values.count == self.values(of: s).count, "\(name): wrong number of values")
    switch s.kind {
    case .linear(let index, let part):
      let role = EncoderBlock<Scalar>.linearSuffixes[index]
      var layer = layers[s.block][linear: role]!
      switch (part, layer.weights) {
      case (.weight, .dense(let w)):
        layer.weights = .dense(Matrix(rows: w.rows, columns: w.columns, storage: values))
      case (.l, .lowRank(let l, let r)):
        layer.weights = .lowRank(l: Matrix(rows: l.rows, columns: l.columns, storage: values), r: r)
      case (.r, .lowRank(let l, let r)):
        layer.weights = .lowRank(l: l, r: Matrix(rows: r.rows, columns: r.columns, storage: values))
      case (.bias, _): layer.bias = values
      default: preconditionFailure("slot \(name) does not match its layer")
      }
      layers[s.block][linear: role] = layer
    case .norm(let attention, let gamma):
      switch (attention, gamma) {
      case (true, true): layers[s.block].attentionLayerNormWeight = values
      case (true, false): layers[s.block].attentionLayerNormBias = values
      case (false, true): layers[s.block].outputLayerNormWeight = values
      case (false, false): layers[s.block].outputLayerNormBias = values
      }
    }
  }

  private func slot(named name: String) throws -> ParameterSlot {
    let all: TrainableParameters = [.lowRank, .dense, .bias, .norm]
    guard let s = parameterSlots(all).first(where: { $0.name == name }) else {
      throw UnknownParameterError(name: name)
    }
    return s
  }

  /// The values of the tensor in `s`, row-major.
  func values(of s: ParameterSlot) -> [Scalar] {
    let layer = layers[s.block]
    switch s.kind {
    case .linear(let index, let part):
      let linear = layer[linear: EncoderBlock<Scalar>.linearSuffixes[index]]!
      switch (part, linear.weights) {
      case (.weight, .dense(let w)): return w.storage
      case (.l, .lowRank(let l, _)): return l.storage
      case (.r, .lowRank(_, let r)): return r.storage
      case (.bias, _): return linear.bias
      default: return []
      }
    case .norm(let attention, let gamma):
      switch (attention, gamma) {
      case (true, true): return layer.attentionLayerNormWeight
      case (true, false): return layer.attentionLayerNormBias
      case (false, true): return layer.outputLayerNormWeight
      case (false, false): return layer.outputLayerNormBias
      }
    }
  }
}
