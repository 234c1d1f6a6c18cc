import Foundation
import TestSupport
import Testing

@testable import FlarScript

/// `evaluate(…, reference=m)` keeps the reference's gloss embeddings for the
/// next call, but never the reference model itself: a model is freed when
/// the session drops it or ends.
@Suite struct ReferenceEmbeddingCacheTests {
  static let model = TestSupport.fixture("mpnet/tiny")

  /// Runs `body` with a pairs file of three glosses.
  func withPairs(_ body: (String) throws -> Void) throws {
    try TestSupport.withTemporaryDirectory { dir in
      let file = dir + "/pairs.tsv"
      try
        (["animal\ta living organism", "group\tany number of entities", "food\tany substance"]
        .joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
      try body(file)
    }
  }

  /// The model handle bound to `name`, for a weak reference.
  func modelHandle(_ s: ResearchSession, _ name: String) -> ModelHandle? {
    guard case .handle(let h) = s.session.interpreter.global(name) else { return nil }
    return h as? ModelHandle
  }

  /// The reference model of an `evaluate` is freed when its session ends
  /// (it was kept by a process-wide cache until the process ended, which
  /// LeakSanitizer reported as leaked config.json values).
  @Test func theReferenceModelEndsWithItsSession() throws {
    try withPairs { pairs in
      weak var reference: ModelHandle?
      do {
        let s = ResearchSession()
        try s.run(
          """
          m = load("\(Self.model)")
          q = evaluate(m, reference=m, pairs="\(pairs)")
          """)
        #expect(try s.display("q.mean_cos > 0.999") == "true")
        reference = modelHandle(s, "m")
        #expect(reference != nil)
      }
      #expect(reference == nil)
    }
  }

  /// Within a session the cached embeddings serve the next `evaluate` with
  /// the same reference, and dropping the reference frees it.
  @Test func theCacheServesTheSessionWithoutHoldingTheModel() throws {
    try withPairs { pairs in
      let s = ResearchSession()
      try s.run(
        """
        m = load("\(Self.model)")
        m2 = replace(m, "encoder.layer.0.intermediate.dense", rank=12)
        q = evaluate(m2, reference=m, pairs="\(pairs)")
        """)
      let cache = s.session.interpreter.referenceEmbeddings
      weak var reference = modelHandle(s, "m")
      #expect(reference != nil)
      if let reference {
        #expect(cache.embeddings(of: reference, pairs: pairs, maxLength: 128, count: 3) != nil)
      }
      try s.run("q2 = evaluate(m2, reference=m, pairs=\"\(pairs)\")")
      #expect(try s.display("q2.mean_cos == q.mean_cos") == "true")
      try s.run("m = nil")
      #expect(reference == nil)
    }
  }
}
