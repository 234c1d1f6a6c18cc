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
/// `--no-certify` (plain bisection), `--compare-bisection` (each run
/// compresses twice, with plain bisection and with the certified search,
/// in alternating order, checks that the ranks are identical and reports
/// the ratio of the times), `--peer` (after each run, the PyTorch
/// implementation of the same algorithm, `scripts/flar_torch_peer.py`, on
/// the same sentences, options and thread count; its stage times are printed
/// beside flar's and its ranks compared; and the `flar` binary next to
/// flar-bench is timed as a user times it, process start to exit, running
/// the same compression from a script, alternating which of the two
/// processes starts first from run to run), `--model DIR`. Prints each
/// run's stage times, the search's counts (evaluations, early exits,
/// forward passes), the run's manifest and, with `--peer`, the medians of
/// the two processes' times and their ratio.
enum CompressBench {
  static func run(_ args: [String]) throws {
    var options = CompressionOptions()
    var calibCount = 256
    var searchCount = 64
    var runs = 3
    var fullRerun = false
    var compareBisection = false
    var peer = false
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
      case "--no-certify": options.certify = false
      case "--compare-bisection": compareBisection = true
      case "--peer": peer = true
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
    let model = try EncoderModel.load(directory: modelPath)
    let lines = try String(contentsOfFile: "data/calib.txt", encoding: .utf8)
      .split(separator: "\n").map(String.init)
    let calibration = Array(lines.prefix(calibCount))
    let search = Array(lines.suffix(searchCount))
    print(
      "compress \(options.method.rawValue) target \(options.target ?? 0) · calib \(calibCount) · search \(searchCount) · batch \(options.batchSize) · maxlen \(options.maxLength) · OpenBLAS threads \(BLASThreads.current)"
    )
    if compareBisection {
      try compareWithBisection(
        model: model, options: options, calibration: calibration, search: search, runs: runs)
      return
    }
    var totals: [Double] = []
    var processTimes: [(flar: Double, peer: Double)] = []
    var last: CompressionResult? = nil
    for r in 0..<runs {
      let start = monotonicSeconds()
      let result = try Compressor(options: options).run(
        model, calibration: calibration, search: search)
      totals.append(monotonicSeconds() - start)
      let stages = result.timings.map { "\($0.stage) \(formatSeconds($0.seconds))" }
      print("run \(r + 1): \(formatSeconds(totals.last!)) — " + stages.joined(separator: ", "))
      last = result
      if peer {
        let sets = BenchSets(
          modelPath: modelPath, calibCount: calibCount,
          searchStart: lines.count - searchCount, searchCount: searchCount)
        var flarSeconds = Double.nan
        var peerSeconds = Double.nan
        for first in r % 2 == 0 ? [true, false] : [false, true] {
          if first {
            flarSeconds = try runFlarProcess(options: options, result: result, sets: sets)
          } else {
            peerSeconds = try runPeer(options: options, result: result, sets: sets)
          }
        }
        processTimes.append((flarSeconds, peerSeconds))
      }
    }
    guard let result = last else { return }
    if !processTimes.isEmpty { printProcessMedians(processTimes) }
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

extension CompressBench {
  /// Runs `scripts/flar_torch_peer.py` on the sentences flar just used and
  /// prints its stage times beside flar's, and whether the ranks agree.
  ///
  /// - Returns: the peer process's seconds from start to exit (NaN when it
  ///   failed).
  static func runPeer(
    options: CompressionOptions, result: CompressionResult, sets: BenchSets
  ) throws -> Double {
    let (calibCount, searchStart, searchCount) = (
      sets.calibCount, sets.searchStart, sets.searchCount
    )
    let run = try runChildProcess(
      "/usr/bin/env",
      [
        "python3", "scripts/flar_torch_peer.py", "--target", "\(options.target ?? 0.5)",
        "--criterion", options.criterion.rawValue, "--calib", "\(calibCount)",
        "--search-start", "\(searchStart)", "--search", "\(searchCount)",
        "--batch", "\(options.batchSize)", "--maxlen", "\(options.maxLength)",
        "--threads", "\(BLASThreads.current)",
      ])
    let elapsed = run.seconds
    let lastLine = String(decoding: run.output, as: UTF8.self).split(separator: "\n").last ?? ""
    guard run.status == 0, let json = try? JSONValue.parse(Array(lastLine.utf8))
    else {
      print("peer failed (status \(run.status)); is torch installed?")
      return .nan
    }
    let peerTimes = Dictionary(
      (json["times"]?.objectValue ?? []).compactMap { k, v in v.doubleValue.map { (k, $0) } },
      uniquingKeysWith: { a, _ in a })
    let flarTimes = Dictionary(result.timings.map { ($0.stage, $0.seconds) }, uniquingKeysWith: +)
    print("| stage | flar | PyTorch implementation | PyTorch / flar |")
    print("| --- | ---: | ---: | ---: |")
    for stage in [
      "load", "calibration", "decomposition", "threshold", "search", "correction", "build",
    ] {
      let f = flarTimes[stage]
      let p = peerTimes[stage]
      let ratio = f.flatMap { f in p.map { String(format: "%.1fx", $0 / f) } } ?? "–"
      print(
        "| \(stage) | \(f.map(formatSeconds) ?? "–") | \(p.map(formatSeconds) ?? "–") | \(ratio) |")
    }
    let passes = json["batch_forward_passes"]?.doubleValue ?? .nan
    print(
      String(
        format: "peer process %.1f s, %.0f batch forward passes (flar %.1f)", elapsed, passes,
        result.forwardPasses))
    let peerRanks = Dictionary(
      (json["ranks"]?.objectValue ?? []).map { k, v in (k, v.doubleValue.map { Int($0) }) },
      uniquingKeysWith: { a, _ in a })
    let same = result.layers.allSatisfy { peerRanks[$0.name] == .some($0.rank) }
    print("ranks identical to the peer's: \(same)")
    return elapsed
  }
}

extension CompressBench {
  /// Plain bisection against the certified search, alternating which runs
  /// first from round to round; fails when the ranks differ.
  static func compareWithBisection(
    model: EncoderModel, options: CompressionOptions, calibration: [String], search: [String],
    runs: Int
  ) throws {
    var ratios: [Double] = []
    var searchRatios: [Double] = []
    for r in 0..<runs {
      var timed: [Bool: (total: Double, result: CompressionResult)] = [:]
      for certify in r % 2 == 0 ? [false, true] : [true, false] {
        var o = options
        o.certify = certify
        let start = monotonicSeconds()
        let result = try Compressor(options: o).run(
          model, calibration: calibration, search: search)
        timed[certify] = (monotonicSeconds() - start, result)
      }
      let (plain, certified) = (timed[false]!, timed[true]!)
      guard plain.result.layers.map(\.rank) == certified.result.layers.map(\.rank) else {
        throw BenchError.ranksDiffer
      }
      func searchSeconds(_ c: CompressionResult) -> Double {
        c.timings.first { $0.stage == "search" }?.seconds ?? .nan
      }
      ratios.append(plain.total / certified.total)
      searchRatios.append(searchSeconds(plain.result) / searchSeconds(certified.result))
      for (name, run) in [("bisection", plain), ("certified", certified)] {
        print(
          String(
            format:
              "round %d \(name): total %.2f s, search %.2f s, %d evaluations, %d early exits, %.1f passes, %d guided probes, %d fell back",
            r + 1, run.total, searchSeconds(run.result), run.result.evaluations,
            run.result.earlyExits, run.result.forwardPasses,
            run.result.guidedProbes, run.result.certificationFallbacks
          ))
      }
    }
    let median = { (v: [Double]) in v.sorted()[v.count / 2] }
    print(
      String(
        format:
          "ranks identical in every round; bisection / certified: total %.2fx, search %.2fx (medians of %d rounds)",
        median(ratios), median(searchRatios), runs))
  }
}

enum BenchError: Error, CustomStringConvertible {
  case badOption(String)
  case ranksDiffer
  case processFailed(String)
  var description: String {
    switch self {
    case .badOption(let o): return "unknown option \(o)"
    case .ranksDiffer: return "the two compressions compared chose different ranks"
    case .processFailed(let what): return "flar process failed: \(what)"
    }
  }
}
