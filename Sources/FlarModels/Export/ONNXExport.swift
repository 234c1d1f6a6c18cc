// Writing the encoder's ONNX graph to a file, atomically, with the weights
// inside the file or, beyond protobuf's 2 GB message limit, in a data file
// beside it (ONNX's external data, which onnx and ONNX Runtime read relative
// to the model's folder).
//
// The pair is replaced so that a reader never sees a graph with another
// export's data: each export's data file has a name of its own,
// `NAME.data-PID-RANDOM`, and is written (and synced) before the graph that
// references it is renamed over the old one, which keeps referencing its own
// data file until then. Once the new graph is in place, the data files of
// earlier exports of NAME are removed — those of this process and of
// processes that no longer run (a writer still running may be about to
// commit its own pair, so its file stays).

import FlarLinAlg
import Foundation
import SwiftProtobuf

extension EncoderModel {
  /// Weights above this many bytes go to external data: protobuf refuses
  /// messages of 2 GiB and more, and the graph itself needs some room.
  public static let onnxInlineWeightLimit = (1 << 31) - (64 << 20)

  /// Writes the model as one ONNX file at `path` (see `onnxModel`).
  ///
  /// - Parameters:
  ///   - path: the `.onnx` file to create or replace.
  ///   - externalData: true puts every weight in a data file beside `path`
  ///     (`NAME.data-PID-RANDOM`, named in the graph); nil (the default)
  ///     does so only when the weights pass `onnxInlineWeightLimit`.
  /// - Returns: the files written (the model, and the data file if any).
  /// - Throws: `ExportError.cannotWrite` naming the path; an existing file
  ///   is replaced only by a complete new one, and its data file stays until
  ///   the new graph has replaced it.
  @discardableResult
  public func saveONNX(to path: String, externalData: Bool? = nil) throws -> [String] {
    var model = try onnxModel()
    let weightBytes = model.graph.initializer.reduce(0) { $0 + $1.rawData.count }
    let external = externalData ?? (weightBytes > Self.onnxInlineWeightLimit)
    var files = [path]
    let url = URL(fileURLWithPath: path)
    let parent = url.deletingLastPathComponent()
    let name = url.lastPathComponent
    do {
      try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
      if external {
        let pid = ProcessInfo.processInfo.processIdentifier
        let dataName = "\(name).data-\(pid)-\(UInt32.random(in: 0...UInt32.max))"
        let data = Self.moveWeightsToExternalData(&model.graph, location: dataName)
        let dataPath = parent.appendingPathComponent(dataName).path
        try AtomicFile.write(data, to: dataPath)
        files.append(dataPath)
        FaultInjection.point(.onnxDataWrittenBeforeModel)
      }
      let bytes: [UInt8] = try model.serializedBytes()
      try AtomicFile.write(bytes, to: path)
    } catch let e as FileError {
      if files.count > 1 { AtomicDirectory.removeTree(files[1]) }
      throw ExportError.cannotWrite(path: path, reason: StagedDirectory.reason(e))
    } catch let e as ExportError {
      throw e
    } catch {
      if files.count > 1 { AtomicDirectory.removeTree(files[1]) }
      throw ExportError.cannotWrite(path: path, reason: StagedDirectory.reason(error))
    }
    Self.removeOldExternalData(of: name, in: parent.path, keeping: files.dropFirst().first)
    return files
  }

  /// Removes the data files `NAME.data-PID-N` of earlier exports of `name`
  /// written by this process or by processes that no longer run, except
  /// `keeping` (the one the new graph references).
  static func removeOldExternalData(of name: String, in parent: String, keeping: String?) {
    let prefix = name + ".data-"
    AtomicFile.removeStaleTemporaries(in: parent, prefixes: [prefix])
    let mine = prefix + "\(ProcessInfo.processInfo.processIdentifier)-"
    let kept = keeping.map { URL(fileURLWithPath: $0).lastPathComponent }
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
    for entry in entries where entry.hasPrefix(mine) && entry != kept {
      AtomicDirectory.removeTree(parent + "/" + entry)
    }
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
