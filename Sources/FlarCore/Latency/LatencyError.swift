/// Errors of latency measurement, latency data sets and latency predictors.
///
/// Every case carries what went wrong and where: the shape, the file and
/// line, the column. The text is produced in `description` only.
public enum LatencyError: Error, Equatable, CustomStringConvertible {
  /// A layer shape that cannot be measured or predicted.
  case invalidShape(LatencyShape, reason: String)
  /// Measurement stopped by the caller's "should stop" check.
  case cancelled(completedRepetitions: Int, of: Int)
  /// Training was cancelled (Ctrl-C) after `treesGrown` of the forest's trees.
  case trainingCancelled(treesGrown: Int, of: Int)
  /// A CSV header without one of the required columns.
  case missingColumn(file: String, column: String, header: [String])
  /// A CSV row with another number of cells than the header.
  case wrongColumnCount(file: String, line: Int, expected: Int, actual: Int)
  /// A CSV cell that is not a number (or not an integer where one is needed).
  case notANumber(file: String, line: Int, column: String, text: String)
  /// A cell that should hold a whole number (a dimension) and does not.
  case notAnInteger(file: String, line: Int, column: String, text: String)
  /// An existing CSV to append to whose header is not flar's.
  case incompatibleHeader(file: String, header: [String], expected: [String])
  /// A dimension (batch, tokens, features, rank) or time that is not > 0.
  case notPositive(file: String, line: Int, column: String, value: Double)
  /// A CSV file with a header but no rows, or no header at all.
  case emptyDataset(file: String)
  /// Too few usable rows to train and hold out a test split.
  case tooFewSamples(usable: Int, minimum: Int)
  /// A training option out of its range.
  case invalidOption(name: String, value: String, expected: String)
  /// A predictor file that is not valid predictor JSON.
  case malformedPredictor(path: String, reason: String)

  public var description: String {
    switch self {
    case .invalidShape(let s, let reason):
      return "invalid layer shape \(s): \(reason)"
    case .cancelled(let done, let total):
      return "latency measurement cancelled after \(done) of \(total) repetitions"
    case .trainingCancelled(let grown, let total):
      return "latency predictor training cancelled after \(grown) of \(total) trees"
    case .missingColumn(let file, let column, let header):
      let names = header.map { "\"\($0)\"" }.joined(separator: ", ")
      return "\(file):1: missing column \"\(column)\" in header [\(names)]"
    case .wrongColumnCount(let file, let line, let expected, let actual):
      return "\(file):\(line): expected \(expected) cells as in the header, found \(actual)"
    case .notANumber(let file, let line, let column, let text):
      return "\(file):\(line): column \(column): \"\(text)\" is not a number"
    case .notAnInteger(let file, let line, let column, let text):
      return "\(file):\(line): column \(column): \"\(text)\" is not a whole number"
    case .incompatibleHeader(let file, let header, let expected):
      return
        "\(file):1: cannot append: header \(header.joined(separator: ",")) differs from \(expected.joined(separator: ","))"
    case .notPositive(let file, let line, let column, let value):
      return "\(file):\(line): column \(column): expected a positive value, found \(value)"
    case .emptyDataset(let file):
      return "\(file): no latency rows"
    case .tooFewSamples(let usable, let minimum):
      return "too few usable latency samples: \(usable), need at least \(minimum)"
    case .invalidOption(let name, let value, let expected):
      return "invalid \(name) \(value): expected \(expected)"
    case .malformedPredictor(let path, let reason):
      return "\(path): not a flar latency predictor: \(reason)"
    }
  }
}
