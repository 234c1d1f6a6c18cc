import FlarCore

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

/// The candidate closest to `name`, when it is close enough to be a typo
/// (FlarCore's `Suggestion` rules, shared with the language's messages).
func closestName(to name: String, among candidates: [String]) -> String? {
  Suggestion.closest(to: name, among: candidates)
}
