import FlarCore
import Foundation

/// What a child process printed, how it exited and how long it ran.
struct ChildProcessResult {
  /// Its whole standard output.
  var output: Data
  var status: Int32
  /// Seconds from just before the start to the exit.
  var seconds: Double
}

/// Runs `executable` with `arguments`, its environment flar-bench's own
/// with `environment` laid over it; reads its standard output to the end,
/// waits for it and times it (the peers' and the `flar` binary's runs).
///
/// - Throws: the error of `Process.run` when it cannot start.
func runChildProcess(
  _ executable: String, _ arguments: [String], environment: [String: String] = [:]
) throws -> ChildProcessResult {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  if !environment.isEmpty {
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
  }
  let pipe = Pipe()
  process.standardOutput = pipe
  let start = monotonicSeconds()
  try process.run()
  let output = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return ChildProcessResult(
    output: output, status: process.terminationStatus, seconds: monotonicSeconds() - start)
}
