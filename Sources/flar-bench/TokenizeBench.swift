import FlarCore
import FlarModels
import Foundation

/// `flar-bench tokenize`: the tokenizer of a model directory encoding every
/// non-empty line of a text file, as `embed`, `hook` and `compress` encode
/// their sentences (`[CLS] … [SEP]`, truncated to `--maxlen` ids).
///
/// Options: `--model DIR` (default `models/all-MiniLM-L6-v2`), `--text FILE`
/// (`data/calib.txt`), `--maxlen N` (128), `--repeats N` (5). Timing follows
/// `measure`: warm-up and autorange, then the repeats. Prints one line of
/// JSON: the sentence, byte and token counts and the seconds per pass of
/// each repeat, which `scripts/bench_tokenizer_peer.py` reads.
enum TokenizeBench {
  static func run(_ args: [String]) throws {
    let options = try BenchOptions(
      args,
      defaults: [
        "--model": "models/all-MiniLM-L6-v2", "--text": "data/calib.txt", "--maxlen": "128",
        "--repeats": "5",
      ])
    let (maxLength, repeats) = (try options.integer("--maxlen"), try options.integer("--repeats"))
    guard repeats >= 1 else { throw BenchOptionError.notAnInteger("--repeats", "\(repeats)") }
    let tokenizer = try BertTokenizer.load(directory: options["--model"])
    let text = try String(contentsOfFile: options["--text"], encoding: .utf8)
    let sentences = textLines(text).filter { !$0.isEmpty }.map(String.init)
    let batch = try tokenizer.encode(sentences, maxLength: maxLength)
    let timing = try measure(repeats: repeats) {
      blackHole(try tokenizer.encode(sentences, maxLength: maxLength))
    }
    let bytes = sentences.reduce(0) { $0 + $1.utf8.count }
    let seconds = timing.seconds.map { String(format: "%.6e", $0) }.joined(separator: ", ")
    print(
      "{\"sentences\": \(sentences.count), \"bytes\": \(bytes), \"tokens\": \(batch.tokenCount), \"loops\": \(timing.loops), \"seconds\": [\(seconds)]}"
    )
  }
}
