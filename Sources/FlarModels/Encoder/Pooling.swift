// Sentence embeddings from token states: mean pooling, then L2
// normalisation (sentence-transformers' `Pooling(mean)` + `Normalize`).
//
// Legend: B sequences, N packed tokens, H hidden.

import FlarLinAlg

/// Mean of each sequence's token rows, scaled to unit L2 norm.
///
///     e_s = Σ_{t in s} x_t / T_s,     e_s ← e_s / max(‖e_s‖₂, 1e-12)
///
/// Reimers, N. & Gurevych, I. (2019). Sentence-BERT. EMNLP-IJCNLP, §3. The
/// floor 1e-12 is `torch.nn.functional.normalize`'s default eps. Sums are
/// accumulated in Double.
///
/// - Parameters:
///   - states: (N, H) packed token states.
///   - offsets: (B + 1) sequence boundaries in rows.
/// - Returns: (B, H).
public func meanPooledNormalized<Scalar: EncoderScalar>(
  _ states: Matrix<Scalar>, offsets: [Int]
) -> Matrix<Scalar> {
  meanPooledKeepingNorms(states, offsets: offsets).embeddings
}

/// Mean pooling and L2 normalisation with the norms kept.
struct PooledEmbeddings<Scalar: EncoderScalar> {
  /// e_s = m_s / max(‖m_s‖, 1e-12): (B, H).
  var embeddings: Matrix<Scalar>
  /// ‖m_s‖ per sequence (B), in Double.
  var norms: [Double]
}

/// `meanPooledNormalized` with ‖m_s‖ kept (the backward pass divides by it).
func meanPooledKeepingNorms<Scalar: EncoderScalar>(
  _ states: Matrix<Scalar>, offsets: [Int]
) -> PooledEmbeddings<Scalar> {
  let h = states.columns
  let b = offsets.count - 1
  var out = Matrix<Scalar>(rows: b, columns: h)
  var norms = [Double](repeating: 0, count: b)
  var sum = [Double](repeating: 0, count: h)
  for s in 0..<b {
    for j in 0..<h { sum[j] = 0 }
    for r in offsets[s]..<offsets[s + 1] {
      for j in 0..<h { sum[j] += Double(states.storage[r * h + j]) }
    }
    let count = Double(max(offsets[s + 1] - offsets[s], 1))
    var norm = 0.0
    for j in 0..<h {
      sum[j] /= count
      norm += sum[j] * sum[j]
    }
    norms[s] = norm.squareRoot()
    let scale = 1 / max(norms[s], 1e-12)
    for j in 0..<h { out.storage[s * h + j] = Scalar(sum[j] * scale) }
  }
  return PooledEmbeddings(embeddings: out, norms: norms)
}

/// How a sentence-transformers model turns token states into one embedding:
/// its `Pooling` module's mode and whether a `Normalize` module follows.
public struct SentencePooling: Sendable, Equatable, CustomStringConvertible {
  /// The `pooling_mode_*` of `1_Pooling/config.json` flar implements.
  public enum Mode: String, Sendable, CaseIterable {
    case mean = "mean_tokens"
    case cls = "cls_token"
    case max = "max_tokens"
    case meanSqrtLength = "mean_sqrt_len_tokens"
  }

  public var mode: Mode = .mean
  public var normalize = true

  public init(mode: Mode = .mean, normalize: Bool = true) {
    self.mode = mode
    self.normalize = normalize
  }

  public var description: String {
    "\(mode.rawValue)" + (normalize ? " + normalize" : "")
  }

  /// The sentence embeddings of packed token states.
  ///
  ///     mean   e_s = Σ_t x_t / T_s          cls  e_s = x_{first token}
  ///     max    e_s = max_t x_t (per feature)
  ///     mean_sqrt_len   e_s = Σ_t x_t / √T_s
  ///
  /// then `e_s / max(‖e_s‖₂, 1e-12)` when normalising (as
  /// sentence-transformers' `Pooling` and `Normalize`).
  ///
  /// - Parameters:
  ///   - states: (N, H) packed token states.
  ///   - offsets: (B + 1) sequence boundaries in rows.
  /// - Returns: (B, H).
  public func callAsFunction<Scalar: EncoderScalar>(
    _ states: Matrix<Scalar>, offsets: [Int]
  ) -> Matrix<Scalar> {
    if mode == .mean && normalize { return meanPooledNormalized(states, offsets: offsets) }
    let h = states.columns
    let b = offsets.count - 1
    var out = Matrix<Scalar>(rows: b, columns: h)
    var e = [Double](repeating: 0, count: h)
    for s in 0..<b {
      let rows = offsets[s]..<offsets[s + 1]
      for j in 0..<h { e[j] = mode == .max ? -.infinity : 0 }
      if rows.isEmpty {
        for j in 0..<h { e[j] = 0 }
      } else if mode == .cls {
        for j in 0..<h { e[j] = Double(states.storage[rows.lowerBound * h + j]) }
      } else if mode == .max {
        for r in rows { for j in 0..<h { e[j] = Swift.max(e[j], Double(states[r, j])) } }
      } else {
        for r in rows { for j in 0..<h { e[j] += Double(states.storage[r * h + j]) } }
        let count = Double(rows.count)
        let divisor = mode == .mean ? count : count.squareRoot()
        for j in 0..<h { e[j] /= divisor }
      }
      var scale = 1.0
      if normalize {
        let norm = e.reduce(0) { $0 + $1 * $1 }.squareRoot()
        scale = 1 / Swift.max(norm, 1e-12)
      }
      for j in 0..<h { out.storage[s * h + j] = Scalar(e[j] * scale) }
    }
    return out
  }
}

extension SentencePooling {
  /// The pooling a sentence-transformers model directory describes.
  ///
  /// `modules.json` lists the modules after the transformer: one `Pooling`
  /// (its folder's `config.json` names the mode) and optionally `Normalize`.
  /// A directory without `modules.json` pools by the mean and normalises
  /// (a plain Hugging Face model, used as sentence-transformers would wrap it).
  ///
  /// - Throws: `ModelError.unknownPooling` naming the file and what it asks
  ///   for (an unknown module, no or several pooling modes, …).
  public static func read(directory: String) throws -> SentencePooling {
    let modulesPath = directory + "/modules.json"
    guard let bytes = try? AtomicFile.read(modulesPath) else { return SentencePooling() }
    func fail(_ path: String, _ detail: String) -> ModelError {
      .unknownPooling(path: path, detail: detail)
    }
    let modules: JSONValue
    do { modules = try parseJSON(bytes) } catch { throw fail(modulesPath, "\(error)") }
    guard let list = modules.arrayValue else { throw fail(modulesPath, "not a JSON list") }
    var pooling: SentencePooling? = nil
    var normalize = false
    for (index, module) in list.enumerated() {
      let type = module["type"]?.stringValue ?? ""
      let kind = type.split(separator: ".").last.map(String.init) ?? type
      switch kind {
      case "Transformer": continue
      case "Normalize": normalize = true
      case "Pooling":
        let folder = module["path"]?.stringValue ?? ""
        let path = directory + "/" + (folder.isEmpty ? "" : folder + "/") + "config.json"
        pooling = try readPoolingConfig(path)
      default:
        throw fail(
          modulesPath,
          "module \(index) is \"\(type)\"; flar runs Transformer, Pooling and Normalize")
      }
    }
    guard var result = pooling else {
      throw fail(modulesPath, "no sentence_transformers.models.Pooling module")
    }
    result.normalize = normalize
    return result
  }

  private static func readPoolingConfig(_ path: String) throws -> SentencePooling {
    let json: JSONValue
    do { json = try parseJSON(try AtomicFile.read(path)) } catch {
      throw ModelError.unknownPooling(path: path, detail: "\(error)")
    }
    guard let pairs = json.objectValue else {
      throw ModelError.unknownPooling(path: path, detail: "not a JSON object")
    }
    let on = pairs.filter { $0.0.hasPrefix("pooling_mode_") && $0.1.boolValue == true }
      .map { String($0.0.dropFirst("pooling_mode_".count)) }
    guard on.count == 1, let mode = Mode(rawValue: on[0]) else {
      let known = Mode.allCases.map { "pooling_mode_" + $0.rawValue }.joined(separator: ", ")
      let asked =
        on.isEmpty
        ? "no pooling mode"
        : on.map { "pooling_mode_" + $0 }
          .joined(separator: " and ")
      throw ModelError.unknownPooling(
        path: path, detail: "\(asked) is set; flar implements exactly one of \(known)")
    }
    return SentencePooling(mode: mode, normalize: false)
  }
}
