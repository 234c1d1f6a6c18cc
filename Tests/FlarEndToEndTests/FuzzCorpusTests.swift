import Foundation
import TestSupport
import Testing

/// The fuzz targets replayed over their committed corpora by the normal
/// (unsanitised) `flar-fuzz` build.
///
/// The corpora hold the seeds and every input that once trapped, so a
/// regression shows here on every CI run even where the libFuzzer build of
/// `scripts/fuzz.sh` does not run.
@Suite struct FuzzCorpusTests {
  static let targets = [
    "script", "eval", "safetensors", "npy", "npz", "latency-csv", "json", "tokenizer", "notebook",
  ]

  /// `flar-fuzz` beside the `flar` binary the other end-to-end tests run.
  static func fuzzBinary() throws -> String {
    let flar = try TestSupport.flarBinary()
    return URL(fileURLWithPath: flar).deletingLastPathComponent()
      .appendingPathComponent("flar-fuzz").path
  }

  static func run(_ arguments: [String]) throws -> FlarResult {
    try runProgram(try fuzzBinary(), arguments: arguments)
  }

  @Test(arguments: targets)
  func everyCommittedInputReplaysWithoutATrap(target: String) throws {
    let corpus = "Fuzz/corpus/\(target)"
    let files = try FileManager.default.contentsOfDirectory(
      atPath: TestSupport.repositoryRoot.appendingPathComponent(corpus).path)
    #expect(!files.isEmpty, "no committed inputs in \(corpus)")
    let result = try Self.run([target, corpus])
    #expect(result.status == 0, "\(result.output)")
    #expect(
      result.output.contains("\(target): \(files.count) inputs replayed, none trapped"),
      "\(result.output)")
  }

  @Test func anUnknownTargetListsTheTargets() throws {
    let result = try Self.run(["jsno", "Fuzz/corpus/json"])
    #expect(result.status == 64)
    for target in Self.targets { #expect(result.output.contains("  \(target) ")) }
  }
}
