// Writing the encoder's ONNX graph to a file, atomically, with the weights
// inside the file or, beyond protobuf's 2 GB message limit, in a
// `NAME.data` file beside it (ONNX's external data, which onnx and ONNX
// Runtime read relative to the model's folder).

import FlarLinAlg
import Foundation
import SwiftProtobuf

extension BertModel {
  /// Weights above this many bytes go to external data: protobuf refuses
  /// messages of 2 GiB and more, and the graph itself needs some room.
  public static let onnxInlineWeightLimit = (1 << 31) - (64 << 20)

  /// Writes the model as one ONNX file at `path` (see `onnxModel`).
  ///
  /// - Parameters:
  ///   - path: the `.onnx` file to create or replace.
  ///   - externalData: true puts every weight in `path + ".data"`; nil
  ///     (the default) does so only when the weights pass
  ///     `onnxInlineWeightLimit`.
  /// - Returns: the files written (the model, and the data file if any).
  /// - Throws: `ExportError.cannotWrite` naming the path; an existing file
  ///   is replaced only by a complete new one. With external data the data
  ///   file is replaced first, then the model.
  @discardableResult
  public func saveONNX(to path: String, externalData: Bool? = nil) throws -> [String] {
    var model = try onnxModel()
    let weightBytes = model.graph.initializer.reduce(0) { $0 + $1.rawData.count }
    let external = externalData ?? (weightBytes > Self.onnxInlineWeightLimit)
    var files = [path]
    do {
      let parent = URL(fileURLWithPath: path).deletingLastPathComponent()
      try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
      if external {
        let dataName = URL(fileURLWithPath: path).lastPathComponent + ".data"
        let data = Self.moveWeightsToExternalData(&model.graph, location: dataName)
        let dataPath = parent.appendingPathComponent(dataName).path
        try AtomicFile.write(data, to: dataPath)
        files.append(dataPath)
      }
      let bytes: [UInt8] = try model.serializedBytes()
      try AtomicFile.write(bytes, to: path)
    } catch let e as FileError {
      throw ExportError.cannotWrite(path: path, reason: StagedDirectory.reason(e))
    } catch let e as ExportError {
      throw e
    } catch {
      throw ExportError.cannotWrite(path: path, reason: StagedDirectory.reason(error))
    }
    return files
  }

  /// Moves every float initializer's bytes into one buffer, each tensor at a
  /// 64-byte aligned offset, and points the tensor at it.
  static func moveWeightsToExternalData(_ graph: inout Onnx_GraphProto, location: String)
    -> [UInt8]
  {
    var data: [UInt8] = []
    for i in graph.initializer.indices where !graph.initializer[i].rawData.isEmpty {
      while data.count % 64 != 0 { data.append(0) }
      let offset = data.count
      data.append(contentsOf: graph.initializer[i].rawData)
      func entry(_ key: String, _ value: String) -> Onnx_StringStringEntryProto {
        var e = Onnx_StringStringEntryProto()
        e.key = key
        e.value = value
        return e
      }
      graph.initializer[i].externalData = [
        entry("location", location), entry("offset", String(offset)),
        entry("length", String(data.count - offset)),
      ]
      graph.initializer[i].dataLocation = .external
      graph.initializer[i].rawData = Data()
    }
    return data
  }
}
