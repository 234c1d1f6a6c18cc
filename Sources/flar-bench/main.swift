import FlarLinAlg
import Foundation

// flar-bench: benchmarks kept apart from the tests (style.md §2.7).
// The first argument picks a subcommand; each lives in its own file.

keepFreedHeapForReuse()
let arguments = Array(CommandLine.arguments.dropFirst())
let subcommands: [String: ([String]) throws -> Void] = [
  "linalg": LinAlgBench.run,
  "compress": CompressBench.run,
  "forward": ForwardBench.run,
  "tokenize": TokenizeBench.run,
]

guard let name = arguments.first, let command = subcommands[name] else {
  let usage =
    "usage: flar-bench <subcommand> [options]\nsubcommands: "
    + subcommands.keys.sorted().joined(separator: ", ")
  FileHandle.standardError.write((usage + "\n").data(using: .utf8)!)
  exit(2)
}
do {
  try command(Array(arguments.dropFirst()))
} catch {
  FileHandle.standardError.write("flar-bench \(name): \(error)\n".data(using: .utf8)!)
  exit(1)
}
