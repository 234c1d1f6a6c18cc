/// Edit distance and "did you mean" suggestions, shared by every message.
///
/// The rules follow swift-argument-parser's: a candidate is offered only when
/// it is close enough (at most a third of the longer name, and at least one
/// edit), the closest wins with ties going to the earlier candidate, and very
/// short names (one character) are not corrected because any other short name
/// would be "close".
public enum Suggestion {
  /// The Levenshtein distance between two strings, counted in `Character`s.
  ///
  /// Insertions, deletions and substitutions each cost 1; a transposition of
  /// neighbours costs 1 too (optimal string alignment), since swapped letters
  /// are the most common typing slip.
  public static func editDistance(_ a: String, _ b: String) -> Int {
    let s = Array(a)
    let t = Array(b)
    if s.isEmpty { return t.count }
    if t.isEmpty { return s.count }
    var previous2 = [Int](repeating: 0, count: t.count + 1)
    var previous = Array(0...t.count)
    var current = [Int](repeating: 0, count: t.count + 1)
    for i in 1...s.count {
      current[0] = i
      for j in 1...t.count {
        let cost = s[i - 1] == t[j - 1] ? 0 : 1
        var best = min(
          previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        if i > 1, j > 1, s[i - 1] == t[j - 2], s[i - 2] == t[j - 1] {
          best = min(best, previous2[j - 2] + 1)
        }
        current[j] = best
      }
      previous2 = previous
      previous = current
    }
    return previous[t.count]
  }

  /// The candidate closest to `name`, or nil when none is close enough.
  ///
  /// - Parameters:
  ///   - name: what the user wrote.
  ///   - candidates: the names that exist, in order of preference.
  public static func closest<S: Sequence>(to name: String, among candidates: S)
    -> String?
  where S.Element == String {
    guard name.count > 1 else { return nil }
    var best: (name: String, distance: Int)?
    for candidate in candidates where candidate != name {
      let distance = editDistance(name.lowercased(), candidate.lowercased())
      let limit = max(1, max(name.count, candidate.count) / 3)
      guard distance <= limit else { continue }
      if best == nil || distance < best!.distance {
        best = (candidate, distance)
      }
    }
    return best?.name
  }

  /// The text `did you mean "x"?` for the closest candidate, or nil.
  public static func didYouMean<S: Sequence>(
    _ name: String, among candidates: S
  ) -> String?
  where S.Element == String {
    closest(to: name, among: candidates).map(didYouMean)
  }

  /// The one wording of a suggestion, `did you mean "x"?`: a diagnostic's
  /// note as it is, a one-line message's tail through `parenthetical(_:)`.
  public static func didYouMean(_ suggestion: String) -> String {
    "did you mean \"\(suggestion)\"?"
  }

  /// ` (did you mean "x"?)` to append to a one-line message, or nothing
  /// without a suggestion.
  public static func parenthetical(_ suggestion: String?) -> String {
    suggestion.map { " (" + didYouMean($0) + ")" } ?? ""
  }
}
