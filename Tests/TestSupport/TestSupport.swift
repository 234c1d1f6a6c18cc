import FlarCore
import FlarLinAlg
import Foundation

/// Shared helpers for flar's tests.
///
/// Tolerance policy (stated once, as swift-numerics does): Double statistics
/// compared with NumPy/SciPy/scikit-learn use `rtol 1e-10` because only the
/// summation order differs; Float32 paths use `rtol 1e-5`; every exception
/// carries a comment at its call site.
public enum TestSupport {
  /// The repository root, found from this file's location.
  public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  /// `Tests/Fixtures`.
  public static let fixtures = repositoryRoot.appendingPathComponent("Tests/Fixtures")

  /// Path of a fixture file, relative to `Tests/Fixtures`.
  public static func fixture(_ relative: String) -> String {
    fixtures.appendingPathComponent(relative).path
  }

  /// Loads a fixture `.npy` as a `Double` matrix; the error names the
  /// generator to re-run.
  public static func fixtureMatrix(_ relative: String) throws -> Matrix<Double> {
    do {
      return try NumPyArray.read(fixture(relative)).matrix()
    } catch {
      throw FixtureError.missing(relative, String(describing: error))
    }
  }

  /// Runs `body` with a fresh temporary directory that is removed afterwards.
  public static func withTemporaryDirectory<T>(
    _ body: (String) throws -> T
  ) throws -> T {
    let dir = FileManager.default.temporaryDirectory
      .appendingPathComponent("flar-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    return try body(dir.path)
  }

  /// The worst relative error between `actual` and `expected` and where it is.
  ///
  /// Relative to `max(|expected|, floor)`, where `floor` is the largest
  /// magnitude in `expected` times `1e-3`, so that entries near zero are
  /// judged against the matrix's scale instead of their own.
  public static func worstRelativeError(
    _ actual: [Double], _ expected: [Double]
  ) -> (error: Double, index: Int) {
    precondition(actual.count == expected.count)
    let scale = expected.map { abs($0) }.max() ?? 0
    let floor = Swift.max(scale * 1e-3, Double.leastNormalMagnitude)
    var worst = (error: 0.0, index: -1)
    for i in actual.indices {
      let e = abs(actual[i] - expected[i]) / Swift.max(abs(expected[i]), floor)
      if e > worst.error || e.isNaN { worst = (e, i) }
    }
    return worst
  }

  /// A message-ready comparison: nil when within `rtol`, else a description.
  public static func closeness(
    _ actual: [Double], _ expected: [Double], rtol: Double
  ) -> String? {
    guard actual.count == expected.count else {
      return "count \(actual.count) != expected \(expected.count)"
    }
    let w = worstRelativeError(actual, expected)
    if w.error <= rtol { return nil }
    return
      "worst relative error \(w.error) > \(rtol) at index \(w.index): got \(actual[w.index]), expected \(expected[w.index])"
  }
}

/// A fixture could not be read.
public enum FixtureError: Error, CustomStringConvertible {
  case missing(String, String)
  public var description: String {
    switch self {
    case .missing(let name, let why):
      return
        "fixture \(name) unreadable (\(why)); re-run the generator in Tests/Fixtures"
    }
  }
}

extension TestSupport {
  /// Loads a fixture `.npz` as a dictionary of arrays.
  public static func fixtureArchive(_ relative: String) throws -> [String: NumPyArray] {
    do {
      var out: [String: NumPyArray] = [:]
      for (name, array) in try NumPyArchive.read(fixture(relative)) { out[name] = array }
      return out
    } catch {
      throw FixtureError.missing(relative, String(describing: error))
    }
  }

  /// `closeness` for two matrices of one shape (nil when within `rtol`).
  public static func closeness(
    _ actual: Matrix<Double>, _ expected: Matrix<Double>, rtol: Double
  ) -> String? {
    guard actual.rows == expected.rows, actual.columns == expected.columns else {
      return
        "shape (\(actual.rows), \(actual.columns)) != expected (\(expected.rows), \(expected.columns))"
    }
    return closeness(actual.storage, expected.storage, rtol: rtol)
  }

  /// `|a − b| / max(|b|, tiny)` for scalars.
  public static func relativeError(_ a: Double, _ b: Double) -> Double {
    a == b ? 0 : abs(a - b) / max(abs(b), Double.leastNormalMagnitude)
  }

  /// The deterministic pseudo-random generator for test data: FlarCore's
  /// `SplitMix64`, the one seeded generator of flar.
  public typealias SeededGenerator = SplitMix64

  /// A matrix of uniform entries in `[-1, 1)` plus `offset`, from a seed.
  public static func randomMatrix(
    rows: Int, columns: Int, seed: UInt64, offset: Double = 0
  ) -> Matrix<Double> {
    var g = SeededGenerator(seed: seed)
    return Matrix(
      rows: rows, columns: columns,
      storage: (0..<(rows * columns)).map { _ in Double.random(in: -1..<1, using: &g) + offset })
  }
}
