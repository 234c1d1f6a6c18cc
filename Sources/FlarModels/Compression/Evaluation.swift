// The task metric of the embedded model: gloss retrieval on WordNet pairs.
//
// For each example sentence, the candidates are all glosses of the
// evaluation set; the score is the cosine of the sentence embeddings (the
// embeddings are L2-normalised, so a dot product). Top-1 accuracy asks
// whether the example's own gloss is the nearest, recall@10 whether it is
// among the ten nearest, MRR averages 1 / its rank. With a reference model,
// the mean and minimum cosine between the two models' embeddings of the
// glosses say how far compression moved the embedding itself.

import FlarCore
import FlarLinAlg

/// Gloss/example pairs read from a TSV file (`gloss<TAB>example` per line).
public struct RetrievalPairs: Sendable {
  public var glosses: [String]
  public var examples: [String]

  /// Reads the pairs; blank lines are skipped.
  ///
  /// - Throws: `EvaluationError.malformedPair` naming the file and line;
  ///   `FileError` when the file cannot be read.
  public static func load(_ path: String) throws -> RetrievalPairs {
    let text = String(decoding: try AtomicFile.read(path), as: UTF8.self)
    var pairs = RetrievalPairs(glosses: [], examples: [])
    for (i, line) in textLines(text).enumerated() {
      if line.allSatisfy(\.isWhitespace) { continue }
      let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
      guard fields.count == 2, !fields[0].isEmpty, !fields[1].isEmpty else {
        throw EvaluationError.malformedPair(path: path, line: i + 1, fields: fields.count)
      }
      pairs.glosses.append(String(fields[0]))
      pairs.examples.append(String(fields[1]))
    }
    guard !pairs.glosses.isEmpty else { throw EvaluationError.noPairs(path: path) }
    return pairs
  }
}

/// What `evaluate` measures.
public struct RetrievalReport: Sendable, Equatable {
  public var top1: Double
  public var recall10: Double
  public var mrr: Double
  /// Cosine between this model's and the reference's gloss embeddings
  /// (nil without a reference).
  public var meanCosine: Double?
  public var minCosine: Double?
  public var pairCount: Int
  /// Mean FLOPs of a forward pass per evaluation sentence (glosses and
  /// examples), attention included.
  public var flopsPerSentence: Double
}

/// Problems with evaluation data.
public enum EvaluationError: Error, Equatable, CustomStringConvertible {
  case malformedPair(path: String, line: Int, fields: Int)
  case noPairs(path: String)

  public var description: String {
    switch self {
    case .malformedPair(let p, let l, let f):
      return "\(p):\(l): expected gloss<TAB>example (2 non-empty fields), found \(f) field(s)"
    case .noPairs(let p):
      return "\(p) holds no pairs"
    }
  }
}

extension EncoderModel {
  /// Retrieval quality on `pairs`, and cosines to `reference`'s embeddings.
  ///
  /// - Parameter referenceGlossEmbeddings: the reference model's embeddings
  ///   of `pairs.glosses`, when already computed (they are the same for
  ///   every compressed variant of one model).
  /// - Parameter cancellation: checked between batches of the forward passes.
  public func evaluateRetrieval(
    _ pairs: RetrievalPairs, reference: EncoderModel? = nil,
    referenceGlossEmbeddings: Matrix<Float>? = nil, maxLength: Int = 128, batchSize: Int = 32,
    cancellation: Cancellation? = nil
  ) throws -> RetrievalReport {
    let glosses = try embed(
      pairs.glosses, maxLength: maxLength, batchSize: batchSize, cancellation: cancellation)
    let examples = try embed(
      pairs.examples, maxLength: maxLength, batchSize: batchSize, cancellation: cancellation)
    let scores = try examples.matmul(glosses, transposeOther: true)  // (P, P)
    let n = pairs.glosses.count
    var top1 = 0
    var top10 = 0
    var reciprocal = 0.0
    for i in 0..<n {
      let own = scores[i, i]
      // Rank = 1 + candidates scoring strictly higher (ties in the model's favour).
      var higher = 0
      for j in 0..<n where j != i && scores[i, j] > own { higher += 1 }
      if higher == 0 { top1 += 1 }
      if higher < 10 { top10 += 1 }
      reciprocal += 1 / Double(higher + 1)
    }
    var meanCos: Double? = nil
    var minCos: Double? = nil
    let ref: Matrix<Float>? =
      try referenceGlossEmbeddings
      ?? reference.map {
        try $0.embed(
          pairs.glosses, maxLength: maxLength, batchSize: batchSize, cancellation: cancellation)
      }
    if let ref {
      var total = 0.0
      var lowest = Double.infinity
      for i in 0..<n {
        var dot = 0.0
        for j in 0..<glosses.columns { dot += Double(glosses[i, j]) * Double(ref[i, j]) }
        total += dot
        lowest = min(lowest, dot)
      }
      meanCos = total / Double(n)
      minCos = lowest
    }
    return RetrievalReport(
      top1: Double(top1) / Double(n), recall10: Double(top10) / Double(n),
      mrr: reciprocal / Double(n), meanCosine: meanCos, minCosine: minCos, pairCount: n,
      flopsPerSentence: try meanFlopsPerSentence(
        pairs.glosses + pairs.examples, maxLength: maxLength))
  }
}

extension EncoderModel {
  /// Sentence embeddings as `embed(_:maxLength:batchSize:)` computes them
  /// (the same batches, so the same numbers), checking `cancellation`
  /// before each batch so that Ctrl-C stops a long run within one batch.
  public func embed(
    _ sentences: [String], maxLength: Int, batchSize: Int, cancellation: Cancellation?
  ) throws -> Matrix<Float> {
    guard tokenizer != nil else { throw ModelError.noTokenizer }
    return try embed(
      encode(sentences, maxLength: maxLength), batchSize: batchSize, cancellation: cancellation)
  }
}
