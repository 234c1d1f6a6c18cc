import FlarLinAlg

// The predictor file, written and read with flar's own JSON (`JSONValue`)
// rather than Foundation's coders: one JSON implementation in the project,
// the same number text as every other file flar writes, and errors that name
// the key path. The keys are the ones the Codable synthesis wrote before, so
// predictors saved by earlier versions of the same format still load.

extension LatencyPredictor {
  /// Writes the predictor as JSON (compact, keys sorted), atomically.
  public func save(to path: String) throws {
    try AtomicFile.write(Array(json.serialized().utf8), to: path)
  }

  /// Reads a predictor saved by `save(to:)`.
  ///
  /// - Throws: `FileError` when unreadable; `LatencyError.malformedPredictor`
  ///   naming the path and the problem (invalid JSON, a missing or mistyped
  ///   key and its path, another format or version, inconsistent trees).
  public static func load(_ path: String) throws -> LatencyPredictor {
    let bytes = try AtomicFile.read(path)
    let predictor: LatencyPredictor
    do {
      predictor = try LatencyPredictor(json: JSONReader(JSONValue.parse(bytes)))
    } catch let error as JSONError {
      throw LatencyError.malformedPredictor(
        path: path, reason: "invalid JSON at top level: \(error.description)")
    } catch let error as JSONShapeError {
      throw LatencyError.malformedPredictor(path: path, reason: error.reason)
    }
    if let problem = predictor.problem() {
      throw LatencyError.malformedPredictor(path: path, reason: problem)
    }
    return predictor
  }

  var json: JSONValue {
    .object([
      "format": .string(format), "version": JSONValue(integer: version),
      "featureNames": .array(featureNames.map(JSONValue.string)), "forest": forest.json,
      "denseTime": denseTime.json, "rank1Time": rank1Time.json, "metadata": metadata.json,
    ])
  }

  init(json r: JSONReader) throws(JSONShapeError) {
    self.format = try r.member("format").string()
    self.version = try r.member("version").int()
    self.featureNames = try r.member("featureNames").strings()
    self.forest = try RandomForest(json: r.member("forest"))
    self.denseTime = try PowerLawTimeModel(json: r.member("denseTime"))
    self.rank1Time = try PowerLawTimeModel(json: r.member("rank1Time"))
    self.metadata = try Metadata(json: r.member("metadata"))
  }
}

extension LatencyPredictor.Metadata {
  var json: JSONValue {
    .object([
      "hardware": .string(hardware), "sampleCount": JSONValue(integer: sampleCount),
      "droppedNonFinite": JSONValue(integer: droppedNonFinite),
      "trainCount": JSONValue(integer: trainCount), "testCount": JSONValue(integer: testCount),
      "r2": .number(r2), "mae": .number(mae), "denseRelativeError": .number(denseRelativeError),
      "rank1RelativeError": .number(rank1RelativeError),
      "rankRelativeError": .number(rankRelativeError),
      "decisionAccuracy": .number(decisionAccuracy), "flarVersion": .string(flarVersion),
    ])
  }

  init(json r: JSONReader) throws(JSONShapeError) {
    // A score JSON cannot hold (NaN from a held-out split too small to score)
    // was written as null; it reads back as NaN, the value it stood for.
    func score(_ key: String) throws(JSONShapeError) -> Double {
      let member = try r.member(key)
      return member.value == .null ? .nan : try member.double()
    }
    self.init(
      hardware: try r.member("hardware").string(),
      sampleCount: try r.member("sampleCount").int(),
      droppedNonFinite: try r.member("droppedNonFinite").int(),
      trainCount: try r.member("trainCount").int(), testCount: try r.member("testCount").int(),
      r2: try score("r2"), mae: try score("mae"),
      denseRelativeError: try score("denseRelativeError"),
      rank1RelativeError: try score("rank1RelativeError"),
      rankRelativeError: try score("rankRelativeError"),
      decisionAccuracy: try score("decisionAccuracy"),
      flarVersion: try r.member("flarVersion").string())
  }
}

extension RandomForest {
  var json: JSONValue {
    .object([
      "options": options.json, "featureCount": JSONValue(integer: featureCount),
      "trees": .array(trees.map(\.json)),
    ])
  }

  init(json r: JSONReader) throws(JSONShapeError) {
    var trees: [RegressionTree] = []
    for tree in try r.member("trees").elements() { trees.append(try RegressionTree(json: tree)) }
    self.init(
      options: try Options(json: r.member("options")),
      featureCount: try r.member("featureCount").int(), trees: trees)
  }
}

extension RandomForest.Options {
  var json: JSONValue {
    var members: [String: JSONValue] = [
      "treeCount": JSONValue(integer: treeCount),
      "minSamplesLeaf": JSONValue(integer: minSamplesLeaf), "maxFeatures": .number(maxFeatures),
      "bootstrap": .bool(bootstrap), "seed": .number(String(seed)),
    ]
    // nil (grow until pure) is written by leaving the key out, as before.
    if let maxDepth { members["maxDepth"] = JSONValue(integer: maxDepth) }
    return .object(members)
  }

  init(json r: JSONReader) throws(JSONShapeError) {
    self.init(
      treeCount: try r.member("treeCount").int(),
      maxDepth: try r.optionalMember("maxDepth")?.int(),
      minSamplesLeaf: try r.member("minSamplesLeaf").int(),
      maxFeatures: try r.member("maxFeatures").double(),
      bootstrap: try r.member("bootstrap").bool(), seed: try r.member("seed").uint64())
  }
}

extension RegressionTree {
  var json: JSONValue {
    .object([
      "feature": .array(feature.map(JSONValue.init(integer:))),
      "threshold": .array(threshold.map(JSONValue.number)),
      "left": .array(left.map(JSONValue.init(integer:))),
      "right": .array(right.map(JSONValue.init(integer:))),
      "value": .array(value.map(JSONValue.number)),
    ])
  }

  init(json r: JSONReader) throws(JSONShapeError) {
    self.init(
      feature: try r.member("feature").ints(), threshold: try r.member("threshold").doubles(),
      left: try r.member("left").ints(), right: try r.member("right").ints(),
      value: try r.member("value").doubles())
  }
}

extension PowerLawTimeModel {
  var json: JSONValue { .object(["coefficients": .array(coefficients.map(JSONValue.number))]) }

  /// Reads the coefficients; their count is checked by the predictor's
  /// `problem()`, so a damaged file is an error, never the initialiser's trap.
  init(json r: JSONReader) throws(JSONShapeError) {
    self.init(unchecked: try r.member("coefficients").doubles())
  }
}
