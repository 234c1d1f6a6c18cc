import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Crashes and full or read-only disks in the middle of every kind of write
/// flar does: the old file or directory stays whole and readable, the error
/// names the path, and what a killed writer leaves behind is cleaned up by the
/// next write of the same path.
///
/// The kills are deterministic: FLAR_TEST_KILL_AT makes the process send
/// itself SIGKILL at a named point of the writer (FlarLinAlg's
/// `FaultInjection`), the worst instant, every run.
@Suite struct FaultInjectionTests {
  static let tiny = "Tests/Fixtures/models/tiny"

  /// Runs `flar -e script` in the repository root with FLAR_TEST_KILL_AT set.
  static func run(_ script: String, killAt point: String? = nil) throws -> FlarResult {
    var overrides: [String: String] = [:]
    if let point { overrides["FLAR_TEST_KILL_AT"] = point }
    return try runFlar(
      arguments: ["--quiet", "-e", script],
      environment: TestSupport.flarEnvironment(overrides))
  }

  /// The names in `directory` that are temporaries of `name` (the litter a
  /// killed writer leaves: `NAME.tmp-PID-N` files, `.NAME.tmp-PID-N` dirs).
  static func litter(of name: String, in directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory).filter {
      $0.hasPrefix(name + ".tmp-") || $0.hasPrefix("." + name + ".tmp-")
    }
  }

  static func lastLine(_ text: String) -> String {
    String(text.split(separator: "\n").last ?? "")
  }

  static func bytes(_ path: String) throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: path))
  }

  /// Every file under `directory`, by relative path, with its bytes.
  static func snapshot(_ directory: String) throws -> [String: Data] {
    var files: [String: Data] = [:]
    let enumerator = FileManager.default.enumerator(atPath: directory)
    while let relative = enumerator?.nextObject() as? String {
      var isDirectory: ObjCBool = false
      let path = directory + "/" + relative
      if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
        !isDirectory.boolValue
      {
        files[relative] = try bytes(path)
      }
    }
    return files
  }

  /// A write killed before its rename: the old file is untouched, the
  /// killed process's temporary is there, and the next write replaces the
  /// file and removes that temporary.
  @Test(arguments: [
    ("m.npy", "save(ones(2, 2), P)", "save(randn(300, 300), P)", "shape(load(P))", "[300, 300]"),
    (
      "r.npz", "save({a: ones(2, 2)}, P)", "save({a: randn(3, 3), b: eye(4)}, P)",
      "fields(load(P))", "[\"a\", \"b\"]"
    ),
    (
      "layers.csv", "export(layers(load(\"\(tiny)\")), P)",
      "export(layers(load(\"\(tiny)\"), \"*.query\"), P)", "len(text(P))", "3"
    ),
  ])
  func aKilledFileWriteLeavesTheOldFileWhole(
    name: String, first: String, second: String, check: String, expected: String
  ) throws {
    try TestSupport.withTemporaryDirectory { directory in
      let path = directory + "/" + name
      let bind = "P = \"\(path)\"; "
      let initial = try Self.run(bind + first)
      try #require(initial.status == 0, "\(initial)")
      let old = try Self.bytes(path)

      let killed = try Self.run(bind + second, killAt: "file-written-before-rename")
      #expect(killed.status == SIGKILL, "expected SIGKILL, got \(killed)")
      #expect(try Self.bytes(path) == old, "the old \(name) changed")
      #expect(try Self.litter(of: name, in: directory).count == 1)

      let again = try Self.run(bind + second + "; print(" + check + ")")
      #expect(again.status == 0, "\(again)")
      #expect(Self.lastLine(again.stdout) == expected)
      #expect(
        try Self.litter(of: name, in: directory).isEmpty, "the killed write's temporary stayed")
    }
  }

  /// A model directory save killed after staging, before the exchange: the
  /// old directory is whole; the next save replaces it and clears the stage.
  @Test func aKilledModelSaveLeavesTheOldDirectoryWhole() throws {
    try TestSupport.withTemporaryDirectory { directory in
      let target = directory + "/model"
      let bind = "m = load(\"\(Self.tiny)\"); P = \"\(target)\"; "
      let initial = try Self.run(bind + "save(m, P)")
      try #require(initial.status == 0, "\(initial)")
      let old = try Self.snapshot(target)
      let layer = "encoder.layer.0.intermediate.dense"
      let compress = "save(replace(m, \"\(layer)\", rank=8), P)"

      let killed = try Self.run(bind + compress, killAt: "directory-staged-before-exchange")
      #expect(killed.status == SIGKILL, "expected SIGKILL, got \(killed)")
      #expect(try Self.snapshot(target) == old, "the old model directory changed")
      #expect(try Self.litter(of: "model", in: directory).count == 1)

      let again = try Self.run(bind + compress + "; print(rank(load(P), \"\(layer)\"))")
      #expect(again.status == 0, "\(again)")
      #expect(Self.lastLine(again.stdout) == "8")
      #expect(try Self.litter(of: "model", in: directory).isEmpty)
    }
  }

  /// A Hugging Face export killed after staging, before the exchange: the
  /// old export is whole; the next one takes its place in one exchange and
  /// clears the stage.
  @Test func aKilledHuggingFaceExportLeavesTheOldDirectoryWhole() throws {
    try TestSupport.withTemporaryDirectory { directory in
      let target = directory + "/hf"
      let bind = "m = load(\"\(Self.tiny)\"); P = \"\(target)\"; "
      let initial = try Self.run(bind + "save(m, P, format=\"hf\")")
      try #require(initial.status == 0, "\(initial)")
      let old = try Self.snapshot(target)
      let layer = "encoder.layer.0.intermediate.dense"
      let export = "save(replace(m, \"\(layer)\", rank=8), P, format=\"hf\")"

      let killed = try Self.run(bind + export, killAt: "directory-staged-before-exchange")
      #expect(killed.status == SIGKILL, "expected SIGKILL, got \(killed)")
      #expect(try Self.snapshot(target) == old, "the old export changed")
      #expect(try Self.litter(of: "hf", in: directory).count == 1)

      let again = try Self.run(bind + export)
      #expect(again.status == 0, "\(again)")
      let new = try Self.snapshot(target)
      #expect(new.keys.sorted() == old.keys.sorted())
      #expect(new["model.safetensors"] != old["model.safetensors"])
      #expect(try Self.litter(of: "hf", in: directory).isEmpty)
    }
  }

  /// An ONNX export with external data killed after its data file, before
  /// the graph: the old graph and the data file it names are untouched; the
  /// next export removes the killed one's data file and the old one.
  @Test func aKilledExternalDataExportLeavesTheOldPairWhole() throws {
    try TestSupport.withTemporaryDirectory { directory in
      let path = directory + "/m.onnx"
      let bind = "m = load(\"\(Self.tiny)\"); P = \"\(path)\"; "
      let initial = try Self.run(bind + "save(m, P, external_data=true)")
      try #require(initial.status == 0, "\(initial)")
      let old = try Self.snapshot(directory)
      #expect(old.count == 2)
      let layer = "encoder.layer.0.intermediate.dense"
      let export = "save(replace(m, \"\(layer)\", rank=8), P, external_data=true)"

      let killed = try Self.run(bind + export, killAt: "onnx-data-written-before-model")
      #expect(killed.status == SIGKILL, "expected SIGKILL, got \(killed)")
      let after = try Self.snapshot(directory)
      #expect(after.count == 3, "\(after.keys.sorted())")
      for (name, bytes) in old { #expect(after[name] == bytes, "\(name) changed") }

      let again = try Self.run(bind + export)
      #expect(again.status == 0, "\(again)")
      let final = try Self.snapshot(directory)
      #expect(final.count == 2, "\(final.keys.sorted())")
      #expect(final["m.onnx"] != old["m.onnx"])
      #expect(Set(final.keys).intersection(after.keys) == ["m.onnx"])
    }
  }

  /// A latency CSV whose append was killed half-way through a row: every
  /// whole row stays, and the next append cuts the half row off first.
  @Test func aKilledLatencyAppendKeepsEveryWholeRow() throws {
    try TestSupport.withTemporaryDirectory { directory in
      let path = directory + "/latency.csv"
      let measure = "latency_dataset(n=2, file=\"\(path)\", seed=N)"
      let initial = try Self.run(measure.replacingOccurrences(of: "N", with: "1"))
      try #require(initial.status == 0, "\(initial)")
      let old = try String(contentsOfFile: path, encoding: .utf8)
      #expect(old.split(separator: "\n").count == 3)

      let killed = try Self.run(
        measure.replacingOccurrences(of: "N", with: "2"), killAt: "half-a-row-appended")
      #expect(killed.status == SIGKILL, "expected SIGKILL, got \(killed)")
      let torn = try String(contentsOfFile: path, encoding: .utf8)
      #expect(torn.hasPrefix(old) && torn.count > old.count && !torn.hasSuffix("\n"))

      let again = try Self.run(measure.replacingOccurrences(of: "N", with: "3"))
      #expect(again.status == 0, "\(again)")
      let healed = try String(contentsOfFile: path, encoding: .utf8)
      let lines = healed.split(separator: "\n", omittingEmptySubsequences: false)
      #expect(healed.hasPrefix(old) && healed.hasSuffix("\n"))
      #expect(lines.count == 6, "header, 2 old rows, 2 new rows and the final newline")
      let columns = lines[0].split(separator: ",", omittingEmptySubsequences: false).count
      for line in lines.dropFirst().dropLast() {
        #expect(line.split(separator: ",", omittingEmptySubsequences: false).count == columns)
      }
    }
  }

  /// A small tmpfs mounted for the test (as root; skipped where mounting is
  /// not allowed), unmounted afterwards.
  static func withTmpfs(
    sizeKB: Int, _ body: (String) throws -> Void
  ) throws {
    try TestSupport.withTemporaryDirectory { directory in
      let mountPoint = directory + "/mnt"
      try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
      guard shell("mount -t tmpfs -o size=\(sizeKB)k tmpfs '\(mountPoint)'") == 0 else {
        print("FaultInjectionTests: cannot mount a tmpfs here; full-disk check skipped")
        return
      }
      defer { _ = shell("umount '\(mountPoint)'") }
      try body(mountPoint)
    }
  }

  static func shell(_ command: String) -> Int32 {
    (try? runProgram("/bin/sh", arguments: ["-c", command], timeout: 60))?.status ?? -1
  }

  @Test func aFullDiskIsAClearErrorAndTheOldFileStaysWhole() throws {
    try Self.withTmpfs(sizeKB: 256) { mount in
      let path = mount + "/m.npy"
      let initial = try Self.run("save(ones(4, 4), \"\(path)\")")
      try #require(initial.status == 0, "\(initial)")
      let old = try Self.bytes(path)
      // 400 x 400 float64 is 1.28 MB: four times the file system.
      let full = try Self.run("save(randn(400, 400), \"\(path)\")")
      #expect(full.status == 1)
      #expect(full.stderr.contains("cannot write \"\(path)\""), "\(full)")
      #expect(full.stderr.contains("No space left on device"), "\(full)")
      #expect(try Self.bytes(path) == old)
      #expect(try Self.litter(of: "m.npy", in: mount).isEmpty)
    }
  }

  @Test func aReadOnlyDirectoryIsAClearErrorAndTheOldFileStaysWhole() throws {
    try Self.withTmpfs(sizeKB: 1024) { mount in
      let path = mount + "/m.npy"
      let initial = try Self.run("save(ones(4, 4), \"\(path)\")")
      try #require(initial.status == 0, "\(initial)")
      let old = try Self.bytes(path)
      try #require(Self.shell("mount -o remount,ro '\(mount)'") == 0)
      let refused = try Self.run("save(randn(3, 3), \"\(path)\")")
      #expect(refused.status == 1)
      #expect(refused.stderr.contains("cannot write \"\(path)\""), "\(refused)")
      #expect(refused.stderr.contains("Read-only file system"), "\(refused)")
      #expect(try Self.bytes(path) == old)
    }
  }
}

/// Files written on Windows (CRLF line endings) read as the same lines as
/// their LF twins: `text`, the evaluation pairs and the vocabulary.
@Suite struct WindowsLineEndingTests {
  @Test func textReadsCRLFLinesAsItReadsLFLines() throws {
    try TestSupport.withTemporaryDirectory { directory in
      let path = directory + "/calib.txt"
      try "first gloss\r\nsecond gloss\r\n\r\nthird\r\n".write(
        toFile: path, atomically: true, encoding: .utf8)
      let result = try runFlar(arguments: ["-e", "text(\"\(path)\")"])
      #expect(result.status == 0, "\(result)")
      #expect(result.stdout == "[\"first gloss\", \"second gloss\", \"third\"]\n", "\(result)")
    }
  }
}
