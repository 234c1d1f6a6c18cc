import Foundation
import Synchronization

/// What one run of the `flar` binary (or another program) produced.
public struct FlarResult: Sendable, CustomStringConvertible {
  public var status: Int32
  public var stdout: String
  public var stderr: String

  public var description: String {
    "exit status \(status)\n--- stdout ---\n\(stdout)--- stderr ---\n\(stderr)"
  }

  /// Standard output, then standard error: for checks that do not care which.
  public var output: String { stdout + stderr }
}

/// A run of `flar` (or another program) that did not finish, or could not start.
public enum RunFlarError: Error, CustomStringConvertible {
  case binaryMissing([String])
  case timedOut(seconds: Double, arguments: [String], stdout: String, stderr: String)

  public var description: String {
    switch self {
    case .binaryMissing(let tried):
      return
        "no flar binary (tried \(tried.joined(separator: ", "))); run `swift build` first or set FLAR_BIN"
    case .timedOut(let seconds, let arguments, let stdout, let stderr):
      return
        "\(arguments.joined(separator: " ")) still running after \(seconds) s; killed\n--- stdout so far ---\n\(stdout)--- stderr so far ---\n\(stderr)"
    }
  }
}

extension TestSupport {
  /// The `flar` binary the end-to-end tests run.
  ///
  /// `FLAR_BIN` when set; otherwise the newer of `.build/release/flar` (what
  /// CI builds) and `.build/debug/flar` (what a plain `swift test` builds),
  /// so that a stale release binary never hides a fresh debug build.
  public static func flarBinary() throws -> String {
    if let path = ProcessInfo.processInfo.environment["FLAR_BIN"], !path.isEmpty {
      guard FileManager.default.isExecutableFile(atPath: path) else {
        throw RunFlarError.binaryMissing([path])
      }
      return path
    }
    let candidates = ["release", "debug"].map {
      repositoryRoot.appendingPathComponent(".build/\($0)/flar").path
    }
    let existing = candidates.filter { FileManager.default.isExecutableFile(atPath: $0) }
    func modified(_ path: String) -> Date {
      ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date)
        ?? .distantPast
    }
    guard let newest = existing.max(by: { modified($0) < modified($1) }) else {
      throw RunFlarError.binaryMissing(candidates)
    }
    return newest
  }

  /// The environment of every flar the tests start: the caller's, with
  /// `HOME` pointed away from the user's history and `.editrc` (and
  /// `EDITRC` removed) when `home` is given, colour off, and `overrides` on
  /// top.
  public static func flarEnvironment(
    home: String? = nil, _ overrides: [String: String] = [:]
  ) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = "1"
    if let home {
      environment["HOME"] = home
      environment["EDITRC"] = nil
    }
    for (key, value) in overrides { environment[key] = value }
    return environment
  }
}

/// Runs the `flar` binary with `arguments`, feeding `stdin` (standard input
/// is `/dev/null` when nil), and returns its exit status and both outputs.
///
/// Both pipes are drained on their own threads so a chatty child never
/// blocks on a full pipe. A child still running after `timeout` seconds is
/// killed and the call throws `RunFlarError.timedOut` with what it printed.
///
/// - Parameters:
///   - environment: the child's whole environment; defaults to
///     `TestSupport.flarEnvironment()`.
///   - directory: the working directory; defaults to the repository root, so
///     that `models/` and `data/` resolve as they do for a user.
public func runFlar(
  arguments: [String],
  stdin: String? = nil,
  environment: [String: String]? = nil,
  directory: String? = nil,
  timeout: Double = 120
) throws -> FlarResult {
  try runProgram(
    try TestSupport.flarBinary(), arguments: arguments, stdin: stdin,
    environment: environment ?? TestSupport.flarEnvironment(), directory: directory,
    timeout: timeout)
}

/// Runs `python3` (found on the PATH) with `arguments` in the repository
/// root, with the caller's environment, as `runProgram` runs any program.
public func runPython(_ arguments: [String], timeout: Double = 600) throws -> FlarResult {
  try runProgram("/usr/bin/env", arguments: ["python3"] + arguments, timeout: timeout)
}

/// Runs the program at `executable` as `runFlar` runs flar: both outputs
/// drained on their own threads, standard input from `stdin` (else
/// `/dev/null`), killed after `timeout` seconds (`RunFlarError.timedOut`).
///
/// - Parameters:
///   - environment: the child's whole environment; defaults to the caller's.
///   - directory: the working directory; defaults to the repository root.
public func runProgram(
  _ executable: String,
  arguments: [String],
  stdin: String? = nil,
  environment: [String: String]? = nil,
  directory: String? = nil,
  timeout: Double = 120
) throws -> FlarResult {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  process.environment = environment ?? ProcessInfo.processInfo.environment
  process.currentDirectoryURL = URL(
    fileURLWithPath: directory ?? TestSupport.repositoryRoot.path)

  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  let input = stdin.map { _ in Pipe() }
  process.standardInput = input ?? FileHandle.nullDevice

  let finished = DispatchSemaphore(value: 0)
  process.terminationHandler = { _ in finished.signal() }

  let collected = Mutex<(out: Data, err: Data)>((Data(), Data()))
  let drained = DispatchGroup()
  let outReader = out.fileHandleForReading
  let errReader = err.fileHandleForReading
  DispatchQueue.global().async(group: drained) {
    let data = outReader.readDataToEndOfFile()
    collected.withLock { $0.out = data }
  }
  DispatchQueue.global().async(group: drained) {
    let data = errReader.readDataToEndOfFile()
    collected.withLock { $0.err = data }
  }

  do {
    try process.run()
  } catch {
    // Let the reader threads see their end of file before giving up.
    try? out.fileHandleForWriting.close()
    try? err.fileHandleForWriting.close()
    throw error
  }
  // The parent's copies of the write ends must close, or the readers never see EOF.
  try? out.fileHandleForWriting.close()
  try? err.fileHandleForWriting.close()
  if let input, let stdin {
    let writer = input.fileHandleForWriting
    let bytes = Data(stdin.utf8)
    DispatchQueue.global().async {
      try? writer.write(contentsOf: bytes)
      try? writer.close()
    }
  }

  if finished.wait(timeout: .now() + timeout) == .timedOut {
    kill(process.processIdentifier, SIGKILL)
    finished.wait()
    _ = drained.wait(timeout: .now() + 5)
    let partial = collected.withLock { $0 }
    throw RunFlarError.timedOut(
      seconds: timeout, arguments: [URL(fileURLWithPath: executable).lastPathComponent] + arguments,
      stdout: String(decoding: partial.out, as: UTF8.self),
      stderr: String(decoding: partial.err, as: UTF8.self))
  }
  // A grandchild holding the pipes open must not hang the test either.
  _ = drained.wait(timeout: .now() + 10)
  let result = collected.withLock { $0 }
  return FlarResult(
    status: process.terminationStatus,
    stdout: String(decoding: result.out, as: UTF8.self),
    stderr: String(decoding: result.err, as: UTF8.self))
}
