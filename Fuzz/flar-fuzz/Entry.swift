// Two ways in. Built by scripts/fuzz.sh with `-sanitize=fuzzer,address
// -DFLAR_LIBFUZZER`, `main` hands the command line to libFuzzer's driver,
// which calls the target named by FLAR_FUZZ_TARGET for every input. In the
// normal build (no libFuzzer), the same targets replay files: `flar-fuzz TARGET FILE_OR_DIRECTORY...`, which is
// how the test suite runs the committed corpora and the inputs that once
// crashed, without a sanitizer build.

import FlarLinAlg

#if canImport(Glibc)
import Glibc
#endif

#if FLAR_LIBFUZZER

/// The target chosen once, from the environment.
let selectedTarget: FuzzTarget = {
  let name = FuzzTargets.environment("FLAR_FUZZ_TARGET") ?? ""
  guard let target = FuzzTargets.named(name) else {
    let names = FuzzTargets.all.map(\.name).joined(separator: ", ")
    fatalError("flar-fuzz: set FLAR_FUZZ_TARGET to one of: \(names) (got \"\(name)\")")
  }
  return target
}()

/// libFuzzer's driver, called from our own `main`.
///
/// SwiftPM renames an executable's entry point and aliases `main` to it, so
/// libFuzzer's `main` is never linked; its documented driver entry takes the
/// command line and the per-input callback instead.
@_extern(c, "LLVMFuzzerRunDriver")
func runFuzzerDriver(
  _ argc: UnsafeMutablePointer<CInt>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@main
enum Fuzz {
  static func main() {
    _ = selectedTarget
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(
      runFuzzerDriver(&argc, &argv) { data, count in
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
        selectedTarget.run(bytes)
        return 0
      })
  }
}

#else

@main
enum Replay {
  static func main() {
    let arguments = Array(CommandLine.arguments.dropFirst())
    guard let name = arguments.first, let target = FuzzTargets.named(name) else {
      let lines = FuzzTargets.all.map { "  \($0.name)  \($0.summary)" }.joined(separator: "\n")
      print("usage: flar-fuzz TARGET FILE_OR_DIRECTORY...\ntargets:\n\(lines)")
      exit(64)
    }
    var count = 0
    for path in arguments.dropFirst() {
      for file in files(at: path) {
        guard let bytes = try? AtomicFile.read(file) else {
          print("flar-fuzz: cannot read \(file)")
          exit(1)
        }
        target.run(bytes)
        count += 1
      }
    }
    print("flar-fuzz: \(name): \(count) inputs replayed, none trapped")
  }

  /// The regular files under `path` (itself when it is one), sorted.
  static func files(at path: String) -> [String] {
    guard let directory = opendir(path) else { return [path] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
      let name = directoryEntryName(entry)
      if !name.hasPrefix(".") { names.append(path + "/" + name) }
    }
    return names.sorted()
  }
}

#endif
