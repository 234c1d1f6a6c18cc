// Matching and suggesting layer and tensor names.
//
// Glob patterns over layer names: `*` matches any run of characters (dots
// included), `?` one character; everything else matches itself.
// `"*.intermediate.dense"` picks every block's intermediate projection,
// `"encoder.layer.0.*"` every linear layer of block 0, `"*"` all of them.

/// A glob pattern for HF layer names.
public struct LayerPattern: Sendable, Equatable, CustomStringConvertible {
  public let text: String
  private let characters: [Character]

  public init(_ text: String) {
    self.text = text
    characters = Array(text)
  }

  public var description: String { text }

  /// True when the whole of `name` matches the pattern.
  public func matches(_ name: String) -> Bool {
    let s = Array(name)
    // Iterative matching with backtracking to the last `*`: O(|s|·|p|) worst case.
    var i = 0
    var j = 0
    var star: Int? = nil
    var resume = 0
    while i < s.count {
      if j < characters.count, characters[j] == "?" || characters[j] == s[i] {
        i += 1
        j += 1
      } else if j < characters.count, characters[j] == "*" {
        star = j
        resume = i
        j += 1
      } else if let st = star {
        j = st + 1
        resume += 1
        i = resume
      } else {
        return false
      }
    }
    while j < characters.count, characters[j] == "*" { j += 1 }
    return j == characters.count
  }
}

// "Did you mean" suggestions for names: layer names, tensor names.

/// Levenshtein distance between two strings, by characters.
func editDistance(_ a: String, _ b: String) -> Int {
  let x = Array(a)
  let y = Array(b)
  if x.isEmpty { return y.count }
  if y.isEmpty { return x.count }
  var previous = Array(0...y.count)
  var current = [Int](repeating: 0, count: y.count + 1)
  for i in 1...x.count {
    current[0] = i
    for j in 1...y.count {
      let substitution = previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1)
      current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
    }
    swap(&previous, &current)
  }
  return previous[y.count]
}

/// The candidate closest to `name`, when it is close enough to be a typo.
///
/// Argument-parser's rules: names shorter than 3 characters get no
/// suggestion, and a candidate qualifies when its distance is at most a
/// third of the longer name's length (and at least 1 edit is allowed).
func closestName(to name: String, among candidates: [String]) -> String? {
  guard name.count >= 3 else { return nil }
  var best: (String, Int)? = nil
  for c in candidates {
    let d = editDistance(name, c)
    let limit = max(1, max(name.count, c.count) / 3)
    if d <= limit, best == nil || d < best!.1 { best = (c, d) }
  }
  return best?.0
}
