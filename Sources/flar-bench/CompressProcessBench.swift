import FlarCore
import FlarLinAlg
import FlarModels
import Foundation

/// The sentence sets and model of one `flar-bench compress` run, as the
/// processes it starts receive them.
struct BenchSets {
  var modelPath: String
  /// The first `calibCount` lines of `data/calib.txt` calibrate.
  var calibCount: Int
  /// Lines `searchStart ..< searchStart + searchCount` are the search set.
  var searchStart: Int
  var searchCount: Int
}

extension CompressBench {
  /// The `flar` program that compresses as `options` and `sets` say and
  /// prints one `name rank` line per layer (`nil` for a dense one).
  static func compressProgram(options: CompressionOptions, sets: BenchSets) -> String {
    let searchEnd = sets.searchStart + sets.searchCount
    return """
      m = load("\(sets.modelPath)")
      lines = text("data/calib.txt")
      r = compress(m, method="\(options.method.rawValue)", target=\(options.target ?? 0.5), \
      criterion="\(options.criterion.rawValue)", dense="\(options.denseLayers.rawValue)", \
      early_exit=\(options.earlyExit), certify=\(options.certify), step=\(options.step), \
      maxlen=\(options.maxLength), batch=\(options.batchSize), \
      calib=lines[0:\(sets.calibCount)], search=lines[\(sets.searchStart):\(searchEnd)])
      for l in r.layers do print(l.name, l.rank) end

      """
  }

  /// Times the `flar` binary beside flar-bench as a user does, from process
  /// start to exit (model load, text, compression, ranks printed), with
  /// flar-bench's OpenBLAS thread count, and checks that it chose the ranks
  /// `result` did.
  ///
  /// - Returns: the process's seconds from start to exit.
  /// - Throws: `BenchError.processFailed` when the binary is missing or
  ///   exits with an error; `BenchError.ranksDiffer` when its ranks differ.
  static func runFlarProcess(
    options: CompressionOptions, result: CompressionResult, sets: BenchSets
  ) throws -> Double {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
      .appendingPathComponent("flar").path
    let run: ChildProcessResult
    do {
      run = try runChildProcess(
        binary, ["--quiet", "-e", compressProgram(options: options, sets: sets)],
        environment: ["OPENBLAS_NUM_THREADS": "\(BLASThreads.current)"])
    } catch {
      throw BenchError.processFailed("\(binary): \(error)")
    }
    let elapsed = run.seconds
    guard run.status == 0 else {
      throw BenchError.processFailed("\(binary) exited with \(run.status)")
    }
    var ranks: [String: String] = [:]
    for line in String(decoding: run.output, as: UTF8.self).split(separator: "\n") {
      let parts = line.split(separator: " ")
      if parts.count == 2 { ranks[String(parts[0])] = String(parts[1]) }
    }
    let same = result.layers.allSatisfy { ranks[$0.name] == ($0.rank.map(String.init) ?? "nil") }
    print(String(format: "flar process %.1f s (start to exit), ranks identical: \(same)", elapsed))
    if !same { throw BenchError.ranksDiffer }
    return elapsed
  }

  /// The medians of the two processes' times over the runs, and their ratio.
  static func printProcessMedians(_ times: [(flar: Double, peer: Double)]) {
    let median = { (v: [Double]) in v.sorted()[v.count / 2] }
    let flar = median(times.map(\.flar))
    let peer = median(times.map(\.peer))
    print(
      String(
        format:
          "process start to exit, medians of %d runs: flar %.2f s, PyTorch implementation %.2f s, PyTorch / flar %.2fx",
        times.count, flar, peer, peer / flar))
  }
}
