import Foundation

/// Keeps a result alive so the optimiser cannot drop the work behind it.
@inline(never)
func blackHole<T>(_ value: T) {
  withExtendedLifetime(value) {}
}

/// A timing: per-call seconds of each repeat, summarised.
struct Timing {
  var seconds: [Double]
  var loops: Int
  var median: Double {
    let s = seconds.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
  }
  var min: Double { seconds.min()! }
  var max: Double { seconds.max()! }
  /// The `%timeit` caching warning: slowest / fastest above 4.
  var unstable: Bool { max / min > 4 }
}

/// The timeit protocol: a loop count grown until one loop takes at least
/// `minimumSeconds` (its passes are the warm-up), then `repeats` timed
/// loops.
///
/// The peer script follows the same steps.
func measure(
  repeats: Int = 5, minimumSeconds: Double = 0.2, _ body: () throws -> Void
) rethrows -> Timing {
  let clock = ContinuousClock()
  func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
  }
  var loops = 1
  while true {
    let t = try clock.measure { for _ in 0..<loops { try body() } }
    if seconds(t) >= minimumSeconds || loops >= 1 << 20 { break }
    loops *= 2
  }
  var out: [Double] = []
  for _ in 0..<repeats {
    let t = try clock.measure { for _ in 0..<loops { try body() } }
    out.append(seconds(t) / Double(loops))
  }
  return Timing(seconds: out, loops: loops)
}

/// `1.23 ms`-style text for a duration in seconds.
func formatSeconds(_ s: Double) -> String {
  if s >= 1 { return String(format: "%.3f s", s) }
  if s >= 1e-3 { return String(format: "%.2f ms", s * 1e3) }
  return String(format: "%.1f µs", s * 1e6)
}
