// The fuzz targets: each reader flar exposes to other people's files, and the
// language front end, driven by arbitrary bytes. A target throws away the
// errors the reader is meant to throw (bad input is allowed to be rejected);
// what it must never do is trap, leak, hang or read out of bounds, and where
// a reader promises an invariant (a token's offsets lie inside the text, a
// notebook renders back to itself) the target checks it with `invariant`,
// a trap with its message kept in release builds, so that libFuzzer records
// a violation as a crash and says which.

import FlarCore
import FlarLinAlg
import FlarModels
import FlarScript

#if canImport(Glibc)
import Glibc
#endif

/// One fuzz target: a name for `FLAR_FUZZ_TARGET` and the function it runs.
struct FuzzTarget: Sendable {
  let name: String
  let summary: String
  let run: @Sendable ([UInt8]) -> Void
}

enum FuzzTargets {
  /// Every target, in the order `scripts/fuzz.sh` runs them.
  static let all: [FuzzTarget] = [
    FuzzTarget(name: "script", summary: "lexer, parser and diagnostic rendering", run: script),
    FuzzTarget(
      name: "eval", summary: "the interpreter and the pure builtins, bounded in steps and time",
      run: eval),
    FuzzTarget(
      name: "safetensors", summary: "safetensors header and tensor reader", run: safetensors),
    FuzzTarget(name: "npy", summary: ".npy reader", run: npy),
    FuzzTarget(name: "npz", summary: ".npz (stored zip) reader", run: npz),
    FuzzTarget(name: "latency-csv", summary: "latency CSV reader", run: latencyCSV),
    FuzzTarget(name: "json", summary: "JSON parser", run: json),
    FuzzTarget(
      name: "tokenizer", summary: "BERT normaliser, pre-tokeniser and WordPiece", run: tokenizer),
    FuzzTarget(name: "notebook", summary: "text notebook parser and renderer", run: notebook),
  ]

  static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }

  static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

  static func script(_ bytes: [UInt8]) {
    let session = Session(output: { _ in })
    do {
      _ = try session.parse(text(bytes), fileName: "fuzz.flar")
    } catch {
      // Rendering walks the source with the diagnostics' ranges: the part
      // most likely to index past the end of an odd line.
      _ = error.rendered
    }
  }

  /// The builtins `eval` may call: the language's own (values, strings,
  /// records, matrices, math, assert), none that reads or writes files or
  /// loads a model.
  static var pureFamilies: [BuiltinFamily] { [.core, .strings, .records, .matrix, .math, .checks] }

  /// Runs arbitrary source: an error is allowed, a trap is not.
  ///
  /// An error is the program's own (a bad operand, an index out of range).
  /// Bounded three ways so an input cannot hang or exhaust memory by design:
  /// 10,000 steps, a quarter of a second (a watchdog presses Ctrl-C, which
  /// builtins that loop poll), and matrices within half of a 64 MiB budget.
  static func eval(_ bytes: [UInt8]) {
    setenv("FLAR_MEMORY_LIMIT_MB", "64", 1)
    let cancellation = Cancellation()
    let session = Session(
      registry: BuiltinRegistry(families: pureFamilies), cancellation: cancellation,
      output: { _ in })
    session.interpreter.stepLimit = 10_000
    Watchdog.shared.arm(cancellation, seconds: 0.25)
    defer { Watchdog.shared.disarm() }
    do {
      try session.run(source: text(bytes), fileName: "fuzz.flar")
    } catch {
      _ = error.rendered
    }
  }

  /// A private scratch file per process: the reader maps a real file.
  ///
  /// In memory (`/dev/shm`) where there is one: on disk, truncating and
  /// rewriting the file for every input waited once for more than the 1 s
  /// per-input limit inside `open` while other runs wrote their corpora (a
  /// 30-byte input that replays in 0.1 s), and libFuzzer counted the disk's
  /// stall as a slow input. Removed when the process exits normally (a
  /// crash leaves it, one file of at most `-max_len` bytes).
  static let scratchPath: String = {
    let directory = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
    atexit { _ = unlink(FuzzTargets.scratchPath) }
    return "\(directory)/flar-fuzz-\(getpid()).safetensors"
  }()

  static func safetensors(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { raw in
      _ = try? SafeTensorsHeader.parse(raw, fileSize: bytes.count, path: "fuzz.safetensors")
    }
    guard let file = fopen(scratchPath, "wb") else { return }
    _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, bytes.count, file) }
    fclose(file)
    guard let tensors = try? SafeTensorsFile(path: scratchPath) else { return }
    for name in tensors.names {
      _ = try? tensors.floats(name)
      _ = try? tensors.matrix(name)
    }
  }

  static func npy(_ bytes: [UInt8]) {
    _ = try? NumPyArray.decode(bytes, path: "fuzz.npy")
  }

  static func npz(_ bytes: [UInt8]) {
    _ = try? NumPyArchive.decode(bytes, path: "fuzz.npz")
  }

  static func latencyCSV(_ bytes: [UInt8]) {
    _ = try? LatencyDataset.parse(text(bytes), file: "fuzz.csv")
  }

  static func json(_ bytes: [UInt8]) {
    _ = try? parseJSON(bytes)
  }

  /// The committed tiny model's vocabulary (Tests/Fixtures/models/tiny).
  nonisolated(unsafe) static var cachedTokenizer: BertTokenizer?

  static func loadTokenizer() -> BertTokenizer {
    if let cachedTokenizer { return cachedTokenizer }
    let directory = environment("FLAR_FUZZ_VOCAB_DIR") ?? "Tests/Fixtures/models/tiny"
    do {
      let tokenizer = try BertTokenizer.load(directory: directory)
      cachedTokenizer = tokenizer
      return tokenizer
    } catch {
      fatalError("flar-fuzz: cannot load the tokenizer in \(directory): \(error)")
    }
  }

  static func tokenizer(_ bytes: [UInt8]) {
    let tokenizer = loadTokenizer()
    let string = text(bytes)
    let utf8Count = string.utf8.count
    for token in tokenizer.tokenize(string) {
      invariant(
        token.offsets.lowerBound >= 0 && token.offsets.upperBound <= utf8Count,
        "token \(token.piece) has offsets \(token.offsets) outside 0..<\(utf8Count)")
      invariant(
        token.id >= 0 && token.id < tokenizer.vocabulary.count,
        "token id \(token.id) outside the vocabulary")
    }
    if let ids = try? tokenizer.encode(string, maxLength: 16) {
      invariant(ids.count <= 16, "encode returned \(ids.count) ids for maxLength 16")
    }
  }

  static func notebook(_ bytes: [UInt8]) {
    guard let parsed = try? Notebook.parse(text(bytes)) else { return }
    // A parsed notebook renders to text that parses to the same notebook:
    // `notebook run` rewrites files through this path.
    let rendered = parsed.render()
    let again: Notebook
    do {
      again = try Notebook.parse(rendered)
    } catch {
      fatalError("a rendered notebook no longer parses: \(error)\n\(rendered.debugDescription)")
    }
    let twice = again.render()
    invariant(
      twice == rendered,
      "render is not a fixed point:\n\(rendered.debugDescription)\n\(twice.debugDescription)")
  }

  static func environment(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
  }
}

/// Traps with `message` unless `condition` holds; unlike `precondition`, the
/// message survives `-O`, so a crash report says what broke.
func invariant(_ condition: Bool, _ message: @autoclosure () -> String) {
  if !condition { fatalError(message()) }
}
