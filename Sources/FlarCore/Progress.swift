#if canImport(Glibc)
import Glibc
#endif

/// Receives the progress of a long computation (hooking, search, latency
/// measurement).
///
/// The core reports; the shell decides whether anything is
/// shown: a bar on a terminal, nothing under `--quiet` or in a pipe.
public protocol ProgressReporter: AnyObject {
  /// A new stage of `total` units starts.
  func begin(_ label: String, total: Int)
  /// `units` more are done.
  func advance(by units: Int)
  /// The stage is over (the bar is cleared).
  func end()
  /// A short note shown after the count until the next one (a training
  /// loop's loss and speed); reporters that show nothing ignore it.
  func describe(_ detail: String)
}

extension ProgressReporter {
  public func describe(_ detail: String) {}
}

/// Reports nothing.
public final class SilentProgress: ProgressReporter {
  public init() {}
  public func begin(_ label: String, total: Int) {}
  public func advance(by units: Int) {}
  public func end() {}
}

/// A one-line bar on standard error, redrawn with `\r` at most ten times a
/// second: `hook ████████▌        52% 133/256 · 1.2 s`.
public final class TerminalProgressBar: ProgressReporter {
  private var label = ""
  private var total = 0
  private var done = 0
  private var started = 0.0
  private var lastDraw = 0.0
  private var detail = ""
  private let width: Int

  public init(width: Int = 24) { self.width = width }

  public func begin(_ label: String, total: Int) {
    self.label = label
    self.total = max(total, 1)
    done = 0
    started = monotonicSeconds()
    lastDraw = 0
    detail = ""
    draw()
  }

  public func describe(_ detail: String) { self.detail = detail }

  public func advance(by units: Int) {
    done = min(total, done + units)
    let now = monotonicSeconds()
    if now - lastDraw >= 0.1 || done == total {
      lastDraw = now
      draw()
    }
  }

  public func end() {
    writeError("\r\u{1B}[K")
  }

  private func draw() {
    let fraction = Double(done) / Double(total)
    let eighths = Int(fraction * Double(width * 8))
    let partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][eighths % 8]
    let bar =
      String(repeating: "█", count: eighths / 8) + partial
      + String(repeating: " ", count: width - eighths / 8 - (partial.isEmpty ? 0 : 1))
    let elapsed = monotonicSeconds() - started
    let percent = Int((fraction * 100).rounded(.down))
    writeError(
      "\r\(label) \(bar) \(percent)% \(done)/\(total) · \(formatElapsed(elapsed))"
        + (detail.isEmpty ? "" : " · " + detail) + "\u{1B}[K")
  }

  private func formatElapsed(_ s: Double) -> String {
    s < 60 ? "\(Double(Int(s * 10)) / 10) s" : "\(Int(s) / 60) min \(Int(s) % 60) s"
  }

  private func writeError(_ text: String) {
    _ = text.withCString { write(2, $0, strlen($0)) }
  }
}

/// Seconds on a monotonic clock.
public func monotonicSeconds() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
