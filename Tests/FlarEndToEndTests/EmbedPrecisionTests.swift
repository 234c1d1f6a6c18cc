import Foundation
import TestSupport
import Testing

/// `embed(…, precision="float64")` through the real binary on the tiny random
/// BERT, against the generator's float64 NumPy embeddings of the same 24
/// sentences (Tests/Fixtures/models/tiny_embeddings.npy, generate_models.py):
/// the float64 pass meets them to double rounding, the default float32 pass
/// to float32 rounding only; a precision flar lacks is refused by name.
@Suite struct EmbedPrecisionTests {
  @Test func float64EmbeddingsMeetTheFloat64Reference() throws {
    let script = """
      m = load("Tests/Fixtures/models/tiny")
      s = text("Tests/Fixtures/models/sentences.txt", limit=24)
      R = load("Tests/Fixtures/models/tiny_embeddings.npy")
      E64 = embed(m, s, maxlen=32, batch=5, precision="float64")
      E32 = embed(m, s, maxlen=32, batch=5)
      print(shape(E64))
      print("float64", max(abs(E64 - R)) < 1e-10)
      print("float32", max(abs(E32 - R)) > 1e-9, max(abs(E32 - R)) < 1e-4)
      print("explicit", max(abs(embed(m, s, maxlen=32, batch=5, precision="float32") - E32)))
      """
    let r = try runFlar(arguments: ["--quiet", "-e", script])
    #expect(r.status == 0, "\(r)")
    let lines = r.stdout.split(separator: "\n").map(String.init)
    #expect(lines == ["[24, 48]", "float64 true", "float32 true true", "explicit 0"], "\(r)")
  }

  @Test func anUnknownPrecisionIsRefusedWithTheChoices() throws {
    let r = try runFlar(arguments: [
      "--quiet", "-e",
      "m = load(\"Tests/Fixtures/models/tiny\")\nembed(m, [\"a dog\"], precision=\"float16\")",
    ])
    #expect(r.status != 0, "\(r)")
    #expect(r.stderr.contains("precision"), "\(r)")
    #expect(r.stderr.contains("\"float32\"") && r.stderr.contains("\"float64\""), "\(r)")
    #expect(r.stdout.isEmpty, "\(r)")
  }
}
