/// Position markers in test sources, swift-syntax's way.
///
/// A source written as `"x = ⟨1⟩shrnk(H)"` stands for `"x = shrnk(H)"` with
/// marker `1` at the UTF-8 offset of `s`. Tests then check that a diagnostic's
/// range starts exactly there, without counting columns by hand.
public struct MarkedSource {
  /// The source with every marker removed.
  public let text: String
  /// UTF-8 byte offset of each marker in `text`, by marker name.
  public let offsets: [String: Int]

  /// Strips `⟨name⟩` markers from `marked`.
  public init(_ marked: String) {
    var text = ""
    var offsets: [String: Int] = [:]
    var rest = Substring(marked)
    while let open = rest.firstIndex(of: "⟨"),
      let close = rest[open...].firstIndex(of: "⟩")
    {
      text += rest[..<open]
      offsets[String(rest[rest.index(after: open)..<close])] = text.utf8.count
      rest = rest[rest.index(after: close)...]
    }
    text += rest
    self.text = text
    self.offsets = offsets
  }

  /// The offset of marker `name`; a missing marker is a bug in the test.
  public subscript(name: String) -> Int {
    guard let offset = offsets[name] else {
      preconditionFailure("no marker ⟨\(name)⟩")
    }
    return offset
  }
}

/// Compares two multi-line strings and describes the first differing line.
///
/// - Returns: nil when equal, else a message with both versions of the line.
public func lineDifference(_ actual: String, _ expected: String) -> String? {
  guard actual != expected else { return nil }
  let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
  let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
  for i in 0..<max(a.count, e.count) {
    let left = i < a.count ? String(a[i]) : "<missing>"
    let right = i < e.count ? String(e[i]) : "<missing>"
    if left != right {
      return
        "line \(i + 1) differs:\n  actual:   \(left)\n  expected: \(right)\n--- actual ---\n\(actual)"
    }
  }
  return "strings differ"
}
