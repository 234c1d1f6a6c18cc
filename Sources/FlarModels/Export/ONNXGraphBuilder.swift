// A small builder for ONNX graphs: named values, nodes, weights as
// initializers, and the few constants the encoder graph needs. It knows
// nothing about a model family; `EncoderModel+ONNX.swift` describes the
// encoder with it.
//
// Every value gets a unique name from a running counter with a readable
// stem (`encoder.layer.3.attention.self.query/MatMul_17`), so a graph opened
// in Netron reads like the model it came from.

import FlarLinAlg
import Foundation

/// Builds one `Onnx_GraphProto`.
struct ONNXGraphBuilder {
  private(set) var graph = Onnx_GraphProto()
  private var counter = 0

  init(name: String) { graph.name = name }

  /// A fresh value name from `stem`.
  mutating func fresh(_ stem: String) -> String {
    counter += 1
    return "\(stem)_\(counter)"
  }

  /// Appends a node and returns its single output's name.
  @discardableResult
  mutating func node(
    _ opType: String, _ inputs: [String], name stem: String,
    attributes: [Onnx_AttributeProto] = []
  ) -> String {
    let output = fresh(stem + "/" + opType)
    var n = Onnx_NodeProto()
    n.opType = opType
    n.name = output
    n.input = inputs
    n.output = [output]
    n.attribute = attributes
    graph.node.append(n)
    return output
  }

  /// Adds a float32 weight under `name` (C order, shape `dims`).
  mutating func weight(_ name: String, dims: [Int], values: [Float]) -> String {
    precondition(dims.reduce(1, *) == values.count, "weight \(name): shape and count differ")
    var t = Onnx_TensorProto()
    t.name = name
    t.dims = dims.map(Int64.init)
    t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
    t.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
    graph.initializer.append(t)
    return name
  }

  /// A matrix as a weight; `transposed` stores (columns, rows), so that
  /// `MatMul(x, weight)` computes `x Wᵀ` for a PyTorch-layout (out, in) `W`.
  mutating func weight(_ name: String, _ m: Matrix<Float>, transposed: Bool) -> String {
    let t = transposed ? m.transposed : m
    return weight(name, dims: [t.rows, t.columns], values: t.storage)
  }

  /// A vector as a 1-D weight.
  mutating func weight(_ name: String, _ v: [Float]) -> String {
    weight(name, dims: [v.count], values: v)
  }

  /// A float32 scalar constant (0-D initializer).
  mutating func scalar(_ value: Float, name stem: String) -> String {
    weight(fresh(stem), dims: [], values: [value])
  }

  /// An int64 constant of shape [count] (or 0-D when `scalar`).
  mutating func int64s(_ values: [Int], name stem: String, scalar: Bool = false) -> String {
    var t = Onnx_TensorProto()
    t.name = fresh(stem)
    t.dims = scalar ? [] : [Int64(values.count)]
    t.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
    t.int64Data = values.map(Int64.init)
    graph.initializer.append(t)
    return t.name
  }

  /// Declares a graph input or output of element type `type` and shape
  /// `dims`, each an integer size or a symbolic name ("batch").
  static func valueInfo(
    _ name: String, type: Onnx_TensorProto.DataType, dims: [ONNXDimension]
  ) -> Onnx_ValueInfoProto {
    var shape = Onnx_TensorShapeProto()
    shape.dim = dims.map { d in
      var dim = Onnx_TensorShapeProto.Dimension()
      switch d {
      case .size(let n): dim.dimValue = Int64(n)
      case .symbol(let s): dim.dimParam = s
      }
      return dim
    }
    var tensor = Onnx_TypeProto.Tensor()
    tensor.elemType = Int32(type.rawValue)
    tensor.shape = shape
    var type = Onnx_TypeProto()
    type.tensorType = tensor
    var info = Onnx_ValueInfoProto()
    info.name = name
    info.type = type
    return info
  }

  mutating func input(_ name: String, type: Onnx_TensorProto.DataType, dims: [ONNXDimension]) {
    graph.input.append(Self.valueInfo(name, type: type, dims: dims))
  }

  mutating func output(_ name: String, type: Onnx_TensorProto.DataType, dims: [ONNXDimension]) {
    graph.output.append(Self.valueInfo(name, type: type, dims: dims))
  }

  /// Publishes `value` under the fixed `name` (an Identity node), for the
  /// graph outputs, whose names are the interface.
  mutating func publish(_ value: String, as name: String) {
    var n = Onnx_NodeProto()
    n.opType = "Identity"
    n.name = name
    n.input = [value]
    n.output = [name]
    graph.node.append(n)
  }
}

/// One dimension of a declared input or output.
enum ONNXDimension {
  case size(Int)
  case symbol(String)
}

/// Attribute constructors.
enum ONNXAttribute {
  static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto()
    a.name = name
    a.type = .int
    a.i = Int64(value)
    return a
  }

  static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto()
    a.name = name
    a.type = .ints
    a.ints = values.map(Int64.init)
    return a
  }

  static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto()
    a.name = name
    a.type = .float
    a.f = value
    return a
  }
}
