// The manifest every compression records (design.md: "every compression run
// is accountable and repeatable"), built here so that every caller — the
// prompt's compress, flar-bench — records the same one.

import FlarCore
import FlarLinAlg

/// The manifest of one run: method and options, the data (count and
/// checksum), the model (path and checksum), flar's version.
///
/// - Parameter modelPath: where the model was loaded from; nil takes the
///   model's own `sourceDirectory` ("in memory" when it has none).
public func compressionManifest(
  options: CompressionOptions, model: EncoderModel, modelPath: String? = nil,
  calibration: [String], search: [String], pairs: CalibrationPairs? = nil
) -> [(String, String)] {
  var out = options.manifestEntries
  out.append(("seed", "0 (no randomness: calibration and search sets are fixed)"))
  out.append(("calibration", sentenceDigest(calibration)))
  out.append(("search", sentenceDigest(search)))
  if let pairs {
    let lines = zip(pairs.queries, pairs.definitions).map { $0 + "\t" + $1 }
    out.append(
      (
        "pairs",
        "\(pairs.count) query/definition pairs, sha256 \(SHA256.hex(Array(lines.joined(separator: "\n").utf8)))"
      ))
  }
  if let path = modelPath ?? model.sourceDirectory {
    let weights = path + "/model.safetensors"
    let digest = (try? AtomicFile.read(weights)).map { SHA256.hex($0) } ?? "unreadable"
    out.append(("model", "\(path) (model.safetensors sha256 \(digest))"))
  } else {
    out.append(("model", "in memory"))
  }
  out.append(("flar", flarVersion))
  return out
}

/// "N sentences, sha256 …" of the lines joined by newlines.
private func sentenceDigest(_ lines: [String]) -> String {
  "\(lines.count) sentences, sha256 \(SHA256.hex(Array(lines.joined(separator: "\n").utf8)))"
}
