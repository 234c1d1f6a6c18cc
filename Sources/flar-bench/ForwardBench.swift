import FlarLinAlg
import FlarModels
import Foundation

/// `flar-bench forward`: the embedded model's forward pass over one batch
/// of sentences, and the GEMM roof of the same work.
///
/// Options: `--model DIR` (default `models/all-MiniLM-L6-v2`),
/// `--sentences FILE` (`Tests/Fixtures/models/sentences.txt`), `--batch N`
/// (32, the first N lines), `--maxlen N` (128), `--threads N` (2),
/// `--repeats N` (15), `--groups N` (`auto`: the forward pass's own choice
/// of how many groups of sequences run at once; 1 runs the whole batch on
/// the calling thread with OpenBLAS's threads). Timing follows `measure`: warm-up and autorange,
/// then the median and min–max of the repeats.
enum ForwardBench {
  static func run(_ args: [String]) throws {
    let options = try BenchOptions(
      args,
      defaults: [
        "--model": "models/all-MiniLM-L6-v2", "--sentences": "Tests/Fixtures/models/sentences.txt",
        "--batch": "32", "--maxlen": "128", "--threads": "2", "--repeats": "15",
        "--groups": "auto",
      ])
    let (batchSize, maxLength) = (try options.integer("--batch"), try options.integer("--maxlen"))
    let (threads, repeats) = (try options.integer("--threads"), try options.integer("--repeats"))
    let groups = options["--groups"] == "auto" ? nil : try options.integer("--groups")
    if let groups, groups < 1 { throw BenchOptionError.notPositive("--groups", groups) }
    BLASThreads.set(threads)
    let model = try EncoderModel.load(directory: options["--model"])
    let sentences = try String(contentsOfFile: options["--sentences"], encoding: .utf8)
      .split(separator: "\n").prefix(batchSize).map(String.init)
    let batch = try model.encode(sentences, maxLength: maxLength)
    let tokens = batch.tokenCount
    let gflop = Double(model.flopsPerToken * tokens) / 1e9
    let forward = try measure(repeats: repeats) {
      blackHole(try model.embed(batch, batchSize: batchSize, groups: groups))
    }
    let used = groups ?? model.forwardGroups(batch)
    print(
      "forward, B=\(sentences.count) (\(tokens) real tokens, longest \(batch.longest)), Float32, \(threads) threads, \(used) group\(used == 1 ? "" : "s"): \(summary(forward)); linear GFLOP/s \(String(format: "%.1f", gflop / forward.median))"
    )
    // The GEMM roof for the same work: the linear layers alone on N rows.
    let inputs = try model.linearLayerNames.map { name -> (Linear, Matrix<Float>) in
      let layer = try model.linear(name)
      return (layer, Matrix(rows: tokens, columns: layer.inFeatures, repeating: 0.5))
    }
    let linear = try measure(repeats: repeats) {
      for (layer, x) in inputs { blackHole(try layer(x)) }
    }
    print(
      "\(inputs.count) linear layers alone on \(tokens) tokens, \(threads) threads: \(summary(linear)); GFLOP/s \(String(format: "%.1f", gflop / linear.median))"
    )
  }

  /// `median 245.00 ms (min 238.00 ms, max 284.00 ms), 15 repeats of 1 loop`.
  static func summary(_ t: Timing) -> String {
    let warning = t.unstable ? " — slowest over 4× fastest: the machine was busy" : ""
    return
      "median \(formatSeconds(t.median)) (min \(formatSeconds(t.min)), max \(formatSeconds(t.max))), \(t.seconds.count) repeats of \(t.loops) loop\(t.loops == 1 ? "" : "s")\(warning)"
  }
}
