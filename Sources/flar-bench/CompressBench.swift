import FlarCore
import FlarLinAlg
import FlarModels
import Foundation

/// `flar-bench compress`: the full compression of the embedded model, stage
/// by stage, with the number of forward passes the search spends.
///
/// Options: `--method NAME` (default flar), `--target F` (0.5),
/// `--calib N` (256), `--search N` (64), `--runs N` (3, median reported),
/// `--criterion NAME` (feat_mse), `--dense keep|rescale` (keep),
/// `--no-early-exit`, `--full-rerun` (also run the search re-running the
/// whole model per candidate and check that the ranks are identical),
/// `--model DIR`. Prints each run's stage times, the search's counts
/// (evaluations, early exits, forward passes) and the run's manifest.
enum CompressBench {
  static func run(_ args: [String]) throws {
    var options = CompressionOptions()
    var calibCount = 256
    var searchCount = 64
    var runs = 3
    var fullRerun = false
    var modelPath = "models/all-MiniLM-L6-v2"
    var i = 0
    func next() -> String {
      i += 1
      return i < args.count ? args[i] : ""
    }
    while i < args.count {
      switch args[i] {
      case "--method": options.method = CompressionMethod(rawValue: next()) ?? .flar
      case "--target": options.target = Double(next())
      case "--calib": calibCount = Int(next()) ?? calibCount
      case "--search": searchCount = Int(next()) ?? searchCount
      case "--runs": runs = Int(next()) ?? runs
      case "--full-rerun": fullRerun = true
      case "--no-early-exit": options.earlyExit = false
      case "--criterion":
        let name = next()
        guard let c = SearchCriterion(rawValue: name) else { throw BenchError.badOption(name) }
        options.criterion = c
      case "--dense":
        let name = next()
        guard let d = DenseLayerHandling(rawValue: name) else { throw BenchError.badOption(name) }
        options.denseLayers = d
      case "--model": modelPath = next()
      default: throw BenchError.badOption(args[i])
      }
      i += 1
    }
    let model = try BertModel.load(directory: modelPath)
    let lines = try String(contentsOfFile: "data/calib.txt", encoding: .utf8)
      .split(separator: "\n").map(String.init)
    let calibration = Array(lines.prefix(calibCount))
    let search = Array(lines.suffix(searchCount))
    print(
      "compress \(options.method.rawValue) target \(options.target ?? 0) · calib \(calibCount) · search \(searchCount) · batch \(options.batchSize) · maxlen \(options.maxLength) · OpenBLAS threads \(BLASThreads.current)"
    )
    var totals: [Double] = []
    var last: CompressionResult? = nil
    for r in 0..<runs {
      let start = monotonicSeconds()
      let result = try Compressor(options: options).run(
        model, calibration: calibration, search: search)
      totals.append(monotonicSeconds() - start)
      let stages = result.timings.map { "\($0.stage) \(formatSeconds($0.seconds))" }
      print("run \(r + 1): \(formatSeconds(totals.last!)) — " + stages.joined(separator: ", "))
      last = result
    }
    guard let result = last else { return }
    let sorted = totals.sorted()
    print(
      "median total \(formatSeconds(sorted[sorted.count / 2])) (min \(formatSeconds(sorted.first!)), max \(formatSeconds(sorted.last!)))"
    )
    print(
      String(
        format:
          "search: %d evaluations, %d stopped early, %.1f batch forward passes (batches of %d, full-pass equivalents)",
        result.evaluations, result.earlyExits, result.forwardPasses, options.batchSize))
    print(
      "linear params \(result.linearParamsAfter) of \(result.linearParamsBefore) (\(String(format: "%.3f", Double(result.linearParamsAfter) / Double(result.linearParamsBefore)))); model params \(result.modelParamsAfter) of \(result.modelParamsBefore)"
    )
    if let tau = result.tau { print("tau \(tau)") }
    print(
      "ranks: "
        + result.layers.map { "\($0.rank.map(String.init) ?? "dense")" }.joined(separator: " "))
    print("manifest:")
    for (key, value) in result.manifest { print("  \(key): \(value)") }
    if fullRerun {
      var slow = options
      slow.suffixEvaluation = false
      let start = monotonicSeconds()
      let reference = try Compressor(options: slow).run(
        model, calibration: calibration, search: search)
      let same = reference.layers.map(\.rank) == result.layers.map(\.rank)
      print(
        "full re-run search: \(formatSeconds(monotonicSeconds() - start)), \(String(format: "%.1f", reference.forwardPasses)) forward passes, ranks identical: \(same)"
      )
      if !same { throw BenchError.ranksDiffer }
    }
  }
}

enum BenchError: Error, CustomStringConvertible {
  case badOption(String)
  case ranksDiffer
  var description: String {
    switch self {
    case .badOption(let o): return "unknown option \(o)"
    case .ranksDiffer: return "suffix and full re-run searches chose different ranks"
    }
  }
}
