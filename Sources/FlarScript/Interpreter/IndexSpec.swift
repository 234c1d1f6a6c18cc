/// One evaluated index inside `[ ]`: a position, a slice or a key.
enum IndexSpec {
  /// `v[3]`, `v[-1]`.
  case position(Int, SourceRange)
  /// `v[a:b:step]` with missing parts nil.
  case slice(start: Int?, end: Int?, step: Int, SourceRange)
  /// `record["name"]`, `stats["encoder.layer.0..."]`.
  case key(String, SourceRange)

  /// Where the index is written.
  var range: SourceRange {
    switch self {
    case .position(_, let r), .slice(_, _, _, let r), .key(_, let r): return r
    }
  }

  /// Resolves a position against a length; negative positions count from the end.
  ///
  /// The one place negative indices are handled (Wren's `validateIndex`).
  static func resolve(_ index: Int, count: Int) -> Int? {
    let resolved = index < 0 ? index + count : index
    return resolved >= 0 && resolved < count ? resolved : nil
  }

  /// The positions a slice selects, with Python's rules: negative bounds
  /// count from the end, bounds are clamped, missing bounds default to the
  /// whole axis in the step's direction.
  static func positions(start: Int?, end: Int?, step: Int, count: Int) -> [Int] {
    func normalize(_ bound: Int, low: Int, high: Int) -> Int {
      let b = bound < 0 ? bound + count : bound
      return min(max(b, low), high)
    }
    if step > 0 {
      let first = start.map { normalize($0, low: 0, high: count) } ?? 0
      let last = end.map { normalize($0, low: 0, high: count) } ?? count
      return Array(stride(from: first, to: last, by: step))
    }
    let first =
      start.map { normalize($0, low: -1, high: count - 1) } ?? count - 1
    let last = end.map { normalize($0, low: -1, high: count - 1) } ?? -1
    return Array(stride(from: first, to: last, by: step))
  }

  /// The positions this index selects along an axis of `count`, or nil for
  /// an out-of-range position (keys select nothing here).
  func positions(count: Int) -> [Int]? {
    switch self {
    case .position(let i, _): return Self.resolve(i, count: count).map { [$0] }
    case .slice(let start, let end, let step, _):
      return Self.positions(start: start, end: end, step: step, count: count)
    case .key: return nil
    }
  }

  /// True for a single position (which drops its axis).
  var isPosition: Bool {
    if case .position = self { return true }
    return false
  }
}
