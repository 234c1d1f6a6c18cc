import FlarCore
import FlarLinAlg
import Foundation

/// `flar-bench linalg`: the numerical foundation beside NumPy/SciPy/
/// scikit-learn on the same data, in the same run.
///
/// For each input width `n` (with MiniLM-like weight shapes) it times, on
/// `tokens` Float32 activations streamed in batches of `batch` tokens:
/// Gram accumulation (Float → float64, SYRK and GEMM kernels, and the full
/// `LayerStatistics` update), Ledoit–Wolf from the statistics (against
/// `sklearn.covariance.ledoit_wolf` on the samples), Cholesky of the shrunk
/// moment, and the whitened SVD `W S = U Σ Vᵀ` with `Vᵀ S⁻¹`. The peer
/// script `scripts/bench_linalg_peer.py` reads the same `.npy` files and
/// prints its timings as JSON. Priorities: same data and protocol for both
/// sides first, total run time second.
enum LinAlgBench {
  struct Case {
    var n: Int
    var weightRows: Int
    var tokens: Int
  }

  static func run(_ args: [String]) throws {
    let options = try BenchOptions(
      args,
      defaults: [
        "--cases": "384:1536:32768,1536:384:32768,4096:4096:8192",
        "--batch": "4096", "--repeats": "5", "--threads": "2",
        "--python": "python3", "--peer": "scripts/bench_linalg_peer.py",
        "--steps": "syrk,gemm,stats,lw,cholesky,svd",
      ])
    let cases = options["--cases"].split(separator: ",").map { spec -> Case in
      let p = spec.split(separator: ":").map { Int($0)! }
      return Case(n: p[0], weightRows: p[1], tokens: p[2])
    }
    let batch = try options.integer("--batch")
    let repeats = try options.integer("--repeats")
    BLASThreads.set(try options.integer("--threads"))
    emit(
      "# flar-bench linalg — OpenBLAS threads \(BLASThreads.current); \(BLASThreads.configuration)")
    emit("| step | flar median (min–max) | peer | peer median (min–max) | ratio |")
    emit("| --- | --- | --- | --- | --- |")
    for c in cases {
      try runCase(c, batch: batch, repeats: repeats, options: options)
    }
  }

  static func row(_ step: String, _ t: Timing, _ peerName: String, _ peer: [Double]?) {
    let mine = "\(formatSeconds(t.median)) (\(formatSeconds(t.min))–\(formatSeconds(t.max)))"
    var peerText = "–"
    var ratio = "–"
    if let p = peer, !p.isEmpty {
      let s = p.sorted()
      let med = s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
      peerText = "\(formatSeconds(med)) (\(formatSeconds(s.first!))–\(formatSeconds(s.last!)))"
      ratio = String(format: "%.3f", t.median / med)
    }
    let warn = t.unstable ? " ⚠ max/min > 4" : ""
    emit("| \(step) | \(mine)\(warn) | \(peerName) | \(peerText) | \(ratio) |")
  }

  /// Measures the asked steps of one case, then its peer, then prints the
  /// rows.
  ///
  /// Long because the steps share the arrays and the streamed statistics in
  /// the order the method computes them, and the rows print in that order.
  static func runCase(_ c: Case, batch: Int, repeats: Int, options: BenchOptions) throws {
    let x = randomFloat(rows: c.tokens, columns: c.n, seed: UInt64(c.n))
    let w = randomFloat(rows: c.weightRows, columns: c.n, seed: UInt64(c.n) + 1)
    let batches = stride(from: 0, to: c.tokens, by: batch).map {
      x.slice(rows: $0..<Swift.min($0 + batch, c.tokens), columns: 0..<c.n)
    }
    // Flar side.
    let steps = Set(options["--steps"].split(separator: ",").map(String.init))
    let none = Timing(seconds: [], loops: 0)
    let gramSyrk =
      !steps.contains("syrk")
      ? none
      : measure(repeats: repeats) {
        var g = Matrix<Double>(rows: c.n, columns: c.n)
        for b in batches { try! g.addGram(of: b.converted(), mirror: false) }
        blackHole(g)
      }
    let gramGemm =
      !steps.contains("gemm")
      ? none
      : measure(repeats: repeats) {
        var g = Matrix<Double>(rows: c.n, columns: c.n)
        for b in batches {
          let d: Matrix<Double> = b.converted()
          try! g.addProduct(d, d, transposeA: true)
        }
        blackHole(g)
      }
    var stats = LayerStatistics(features: c.n)
    for b in batches { try stats.add(batch: b) }
    let statsTime =
      !steps.contains("stats")
      ? none
      : try measure(repeats: repeats) {
        var s = LayerStatistics(features: c.n)
        for b in batches { try s.add(batch: b) }
        stats = s
      }
    var shrunk = try ledoitWolf(stats)
    let lwTime =
      !steps.contains("lw")
      ? none
      : try measure(repeats: repeats) {
        shrunk = try ledoitWolf(stats)
      }
    let cholTime =
      !steps.contains("cholesky")
      ? none
      : try measure(repeats: repeats) {
        blackHole(try cholesky(shrunk.matrix))
      }
    let white = try whitening(shrunk.matrix)
    let svdTime =
      !steps.contains("svd")
      ? none
      : try measure(repeats: repeats) {
        blackHole(try whitenedSVD(weight: w, whitening: white))
      }
    // Peer side, on the same arrays.
    let peer = try runPeer(
      x: x, w: w, h: shrunk.matrix, c: c, batch: batch, repeats: repeats, options: options)
    let tag = "n=\(c.n), N=\(c.tokens)"
    let gramPeer = "NumPy astype + Xᵀ@X"
    if steps.contains("syrk") {
      row(
        "Gram Σxxᵀ, Float32 → float64, dsyrk per \(batch)-token batch, \(tag)", gramSyrk, gramPeer,
        peer["gram"])
    }
    if steps.contains("gemm") {
      row("Gram Σxxᵀ, Float32 → float64, dgemm per batch, \(tag)", gramGemm, gramPeer, peer["gram"])
    }
    if steps.contains("stats") {
      row("LayerStatistics.add (Gram + all moments), \(tag)", statsTime, gramPeer, peer["gram"])
    }
    if steps.contains("lw") {
      row("Ledoit–Wolf from streamed stats, \(tag)", lwTime, "sklearn ledoit_wolf(X)", peer["lw"])
    }
    if steps.contains("stats") && steps.contains("lw") {
      let total = Timing(seconds: zip(statsTime.seconds, lwTime.seconds).map(+), loops: 1)
      row("stats + Ledoit–Wolf, \(tag)", total, "sklearn ledoit_wolf(X)", peer["lw"])
    }
    if steps.contains("cholesky") {
      row("Cholesky dpotrf, n=\(c.n)", cholTime, "numpy.linalg.cholesky", peer["cholesky"])
    }
    if steps.contains("svd") {
      row(
        "whitened SVD W S = UΣVᵀ + Vᵀ S⁻¹, W \(c.weightRows)×\(c.n)", svdTime,
        "NumPy W@S, svd, SciPy solve_triangular", peer["whitened_svd"])
    }
  }

  /// Writes a line unbuffered, so that a long run shows each row as it is
  /// measured even when stdout is a file.
  static func emit(_ line: String) {
    FileHandle.standardOutput.write((line + "\n").data(using: .utf8)!)
  }

  static func randomFloat(rows: Int, columns: Int, seed: UInt64) -> Matrix<Float> {
    // SplitMix64 → uniform [-1, 1), with a per-channel scale so that the
    // second moment is not a multiple of the identity.
    var generator = SplitMix64(seed: seed)
    var out = [Float](repeating: 0, count: rows * columns)
    for i in 0..<out.count {
      let u = Float(generator.next() >> 40) / Float(1 << 24) * 2 - 1
      out[i] = u * (1 + Float(i % columns) / Float(columns))
    }
    return Matrix(rows: rows, columns: columns, storage: out)
  }

  static func runPeer(
    x: Matrix<Float>, w: Matrix<Float>, h: Matrix<Double>, c: Case, batch: Int,
    repeats: Int, options: BenchOptions
  ) throws -> [String: [Double]] {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "flar-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try NumPyArray(x).write(to: dir.appendingPathComponent("x.npy").path)
    try NumPyArray(w).write(to: dir.appendingPathComponent("w.npy").path)
    try NumPyArray(h).write(to: dir.appendingPathComponent("h.npy").path)
    let run = try runChildProcess(
      "/usr/bin/env",
      [
        options["--python"], options["--peer"], dir.path, "--batch", "\(batch)",
        "--repeats", "\(repeats)", "--steps", options["--steps"],
      ],
      environment: ["OPENBLAS_NUM_THREADS": options["--threads"]])
    let data = run.output
    guard run.status == 0, let json = try? JSONValue.parse(data) else {
      emit(
        "peer failed (status \(run.status)); its output: \(String(decoding: data, as: UTF8.self))"
      )
      return [:]
    }
    if let versions = json["versions"] { emit("<!-- peer: \(versions.text) -->") }
    var timings: [String: [Double]] = [:]
    for (step, values) in json["timings"]?.objectValue ?? [] {
      timings[step] = values.arrayValue?.compactMap(\.doubleValue)
    }
    return timings
  }
}
