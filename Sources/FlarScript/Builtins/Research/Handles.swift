import FlarCore
import FlarLinAlg
import FlarModels

// The opaque values of the research builtins. Each prints a one-screen
// summary and exposes its fields with `.`; those that stand for a matrix
// (covariance, shrunk covariance, Cholesky factor) are accepted wherever a
// matrix is, so `W @ S` works.

/// Formats a number the way the language prints it.
func show(_ x: Double) -> String { ValueFormatter.repr(.number(x)) }

/// A loaded (or compressed) BERT model.
public final class ModelHandle: Handle {
  public let model: EncoderModel
  /// Where it was loaded from, if anywhere.
  public let path: String?

  public init(_ model: EncoderModel, path: String?) {
    self.model = model
    self.path = path
  }

  public var typeName: String { "model" }

  public var summary: String {
    let c = model.config
    let lowRank = model.linearLayerNames.filter { (try? model.linear($0).rank) != nil }.count
    var lines = [
      "model \(path ?? "(in memory)"): \(c.family.displayName), \(c.numHiddenLayers) layers, hidden \(c.hiddenSize), \(c.numAttentionHeads) heads, intermediate \(c.intermediateSize)",
      "  \(model.parameterCount) parameters (\(model.linearParameterCount) in \(model.linearLayerNames.count) linear layers, \(lowRank) low-rank)",
    ]
    if model.tokenizer == nil { lines.append("  no tokenizer") }
    return lines.joined(separator: "\n")
  }

  public var fieldNames: [String] {
    ["layers", "params", "linear_params", "flops", "hidden", "depth", "heads", "path"]
  }

  public func field(named name: String) -> Value? {
    switch name {
    case "layers": return .list(model.linearLayerNames.map(Value.string))
    case "params": return .number(Double(model.parameterCount))
    case "linear_params": return .number(Double(model.linearParameterCount))
    case "flops": return .number(Double(model.flopsPerToken))
    case "hidden": return .number(Double(model.config.hiddenSize))
    case "depth": return .number(Double(model.config.numHiddenLayers))
    case "heads": return .number(Double(model.config.numAttentionHeads))
    case "path": return path.map(Value.string) ?? .null
    default: return nil
    }
  }
}

/// Hook statistics of several layers, indexed by layer name.
public final class StatisticsHandle: Handle {
  public let statistics: CalibrationStatistics
  public init(_ s: CalibrationStatistics) { statistics = s }

  public var typeName: String { "statistics" }
  public var elementKeys: [String] { statistics.byLayer.keys.sorted(by: layerOrder) }

  public var summary: String {
    let distinct = Set(statistics.byLayer.values.map(\.layer)).count
    return
      "statistics of \(statistics.byLayer.count) layers (\(distinct) distinct inputs) over \(statistics.sentenceCount) sentences, \(statistics.tokenCount) tokens\n  index with a layer name: st[\"\(elementKeys.first ?? "")\"]"
  }

  public var fieldNames: [String] { ["layers", "sentences", "tokens"] }

  public func field(named name: String) -> Value? {
    switch name {
    case "layers": return .list(elementKeys.map(Value.string))
    case "sentences": return .number(Double(statistics.sentenceCount))
    case "tokens": return .number(Double(statistics.tokenCount))
    default: return nil
    }
  }

  public func element(at key: Value) throws -> Value? {
    guard case .string(let name) = key, let s = statistics.byLayer[name] else { return nil }
    return .handle(LayerStatisticsHandle(s))
  }
}

/// Orders layer names as the forward pass meets them (block, then position).
func layerOrder(_ a: String, _ b: String) -> Bool {
  func key(_ s: String) -> (Int, Int, String) {
    let parts = s.split(separator: ".")
    let block = parts.count > 2 ? Int(parts[2]) ?? 0 : 0
    // "attention.output.dense" comes before "output.dense", so the first
    // suffix that matches is the layer's own (in any family's names).
    let order =
      ModelFamily.known.lazy.compactMap { f in f.linearSuffixes.firstIndex { s.hasSuffix($0) } }
      .first ?? 99
    return (block, order, s)
  }
  return key(a) < key(b)
}

/// The streamed input statistics of one layer.
public final class LayerStatisticsHandle: Handle {
  public let statistics: LayerStatistics
  public init(_ s: LayerStatistics) { statistics = s }

  public var typeName: String { "layer statistics" }

  public var summary: String {
    var text =
      "layer statistics \(statistics.layer): \(statistics.features) features, \(statistics.tokenCount) tokens in \(statistics.batchCount) batches"
    if let bad = statistics.firstNonFinite {
      text += "\n  NaN/Inf seen: batch \(bad.batch), token \(bad.token), channel \(bad.channel)"
    }
    return text
  }

  public var fieldNames: [String] {
    ["n", "features", "batches", "mean", "mean_abs", "max_abs", "finite"]
  }

  public func field(named name: String) -> Value? {
    switch name {
    case "n": return .number(Double(statistics.tokenCount))
    case "features": return .number(Double(statistics.features))
    case "batches": return .number(Double(statistics.batchCount))
    case "mean": return .matrix(.row(statistics.mean))
    case "mean_abs": return .matrix(.row(statistics.meanAbs))
    case "max_abs": return .matrix(.row(statistics.maxAbs))
    case "finite": return .bool(statistics.firstNonFinite == nil)
    default: return nil
    }
  }
}

/// A covariance (or uncentred second moment) with the statistics it came from.
public final class CovarianceHandle: Handle {
  public let matrix: Matrix<Double>
  public let statistics: LayerStatistics
  public let centering: Centering

  public init(matrix: Matrix<Double>, statistics: LayerStatistics, centering: Centering) {
    self.matrix = matrix
    self.statistics = statistics
    self.centering = centering
  }

  public var typeName: String { "covariance" }
  public var matrixValue: Matrix<Double>? { matrix }

  public var summary: String {
    "covariance \(matrix.rows)x\(matrix.columns) (\(centering == .centered ? "centred" : "uncentred second moment")) from \(statistics.tokenCount) samples"
      + "\n" + ValueFormatter.repr(.matrix(matrix))
  }

  public var fieldNames: [String] { ["matrix", "n", "center", "trace"] }

  public func field(named name: String) -> Value? {
    switch name {
    case "matrix": return .matrix(matrix)
    case "n": return .number(Double(statistics.tokenCount))
    case "center": return .bool(centering == .centered)
    case "trace": return .number(matrix.trace)
    default: return nil
    }
  }
}

/// A shrunk covariance and its intensity λ.
public final class ShrunkHandle: Handle {
  public let shrunk: ShrunkCovariance
  public init(_ s: ShrunkCovariance) { shrunk = s }

  public var typeName: String { "shrunk covariance" }
  public var matrixValue: Matrix<Double>? { shrunk.matrix }

  public var summary: String {
    "shrunk covariance \(shrunk.matrix.rows)x\(shrunk.matrix.columns): method \(shrunk.method), lambda \(show(shrunk.lambda)), target \(show(shrunk.targetScale)) I"
      + "\n" + ValueFormatter.repr(.matrix(shrunk.matrix))
  }

  public var fieldNames: [String] { ["matrix", "lambda", "method", "target"] }

  public func field(named name: String) -> Value? {
    switch name {
    case "matrix": return .matrix(shrunk.matrix)
    case "lambda": return .number(shrunk.lambda)
    case "method": return .string(shrunk.method.description)
    case "target": return .number(shrunk.targetScale)
    default: return nil
    }
  }
}

/// A Cholesky factor `S` with `S Sᵀ = C` (after any jitter).
public final class FactorHandle: Handle {
  public let whitening: Whitening
  public init(_ w: Whitening) { whitening = w }

  public var typeName: String { "cholesky factor" }
  public var matrixValue: Matrix<Double>? { whitening.factor }

  public var summary: String {
    var text =
      "cholesky factor \(whitening.factor.rows)x\(whitening.factor.columns) of C; 1-norm condition estimate of C \(show(whitening.conditionNumber))"
    if whitening.shifted {
      text += ", jitter \(show(whitening.jitter)) added (eigenvalue-shift fallback)"
    }
    return text + "\n" + ValueFormatter.repr(.matrix(whitening.factor))
  }

  public var fieldNames: [String] { ["L", "jitter", "cond"] }

  public func field(named name: String) -> Value? {
    switch name {
    case "L": return .matrix(whitening.factor)
    case "jitter": return .number(whitening.jitter)
    case "cond": return .number(whitening.conditionNumber)
    default: return nil
    }
  }
}

/// An SVD, possibly of a whitened or scaled matrix, ready for `factors`.
public final class SVDHandle: Handle {
  public let decomposition: LowRankDecomposition
  public init(_ d: LowRankDecomposition) { decomposition = d }

  public var typeName: String { "svd" }

  var kind: String {
    switch decomposition.transform {
    case .identity: return "plain"
    case .lowerTriangular: return "whitened"
    case .diagonal: return "scaled"
    }
  }

  public var summary: String {
    let s = decomposition.svd.s
    let head = s.prefix(4).map(show).joined(separator: ", ")
    return
      "svd (\(kind)) of a \(decomposition.outputs)x\(decomposition.inputs) matrix: \(s.count) singular values [\(head)\(s.count > 4 ? ", …" : "")]\n  fields: U, S, Vt; factors(f, rank) for L, R"
  }

  public var fieldNames: [String] { ["U", "S", "Vt", "whitened", "errors", "cosines"] }

  public func field(named name: String) -> Value? {
    switch name {
    case "U": return .matrix(decomposition.svd.u)
    case "S": return .matrix(.row(decomposition.svd.s))
    case "Vt": return .matrix(decomposition.svd.vt)
    case "whitened": return .bool(kind == "whitened")
    case "errors": return .matrix(.row(whitenedErrors(decomposition)))
    case "cosines": return .matrix(.row(weightCosines(decomposition)))
    default: return nil
    }
  }
}
