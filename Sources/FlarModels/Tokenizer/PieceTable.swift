// The vocabulary lookup of WordPiece, keyed by UTF-8 bytes.
//
// WordPiece asks, for each position of a word, whether ever shorter
// candidates are in the vocabulary: up to L²/2 lookups for a word of L
// scalars. Building a `String` per candidate and hashing it in a
// `[String: Int]` cost a heap allocation and a generic hash per lookup;
// this table hashes the candidate's bytes where they lie (FNV-1a) and
// compares them with the keys stored back to back, so a lookup allocates
// nothing.

/// An open-addressing hash table from byte strings to token ids.
struct PieceTable: Sendable, Equatable {
  /// The keys back to back.
  private var keyBytes: [UInt8] = []
  /// Start of each key in `keyBytes`, and one past the last key's end.
  private var keyStarts: [Int] = [0]
  /// The token id of each key.
  private var ids: [Int] = []
  /// Index into `ids` per slot, -1 for an empty slot; a power of two long.
  private var slots: [Int32] = []
  /// The length in bytes of the longest key: a longer candidate is absent.
  private(set) var longestKey = 0

  /// A table of keys (tokens, looked up by their UTF-8) and their ids; a
  /// key that appears twice keeps its first id.
  init(_ entries: [(key: Substring, id: Int)]) {
    let count = entries.count
    for (key, id) in entries {
      keyBytes.append(contentsOf: key.utf8)
      keyStarts.append(keyBytes.count)
      ids.append(id)
      longestKey = max(longestKey, key.utf8.count)
    }
    var capacity = 16
    while capacity < 2 * count { capacity *= 2 }
    slots = [Int32](repeating: -1, count: capacity)
    for k in 0..<count {
      let start = keyStarts[k]
      let end = keyStarts[k + 1]
      var slot = keyBytes.withUnsafeBufferPointer { Self.hash($0, start, end) } & (capacity - 1)
      while slots[slot] >= 0 {
        if entryMatches(Int(slots[slot]), keyBytes, start, end) { break }
        slot = (slot + 1) & (capacity - 1)
      }
      if slots[slot] < 0 { slots[slot] = Int32(k) }
    }
  }

  /// The id of the key `bytes[start..<end]`, or nil.
  func id(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
    if end - start > longestKey { return nil }
    let mask = slots.count - 1
    var slot = Self.hash(bytes, start, end) & mask
    while true {
      let entry = slots[slot]
      if entry < 0 { return nil }
      if entryMatches(Int(entry), bytes, start, end) { return ids[Int(entry)] }
      slot = (slot + 1) & mask
    }
  }

  private func entryMatches(
    _ entry: Int, _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int
  ) -> Bool {
    let keyStart = keyStarts[entry]
    guard keyStarts[entry + 1] - keyStart == end - start else { return false }
    var i = 0
    while start + i < end {
      if keyBytes[keyStart + i] != bytes[start + i] { return false }
      i += 1
    }
    return true
  }

  private func entryMatches(_ entry: Int, _ bytes: [UInt8], _ start: Int, _ end: Int) -> Bool {
    bytes.withUnsafeBufferPointer { entryMatches(entry, $0, start, end) }
  }

  /// 64-bit FNV-1a of `bytes[start..<end]`, folded to an `Int`.
  private static func hash(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    var i = start
    while i < end {
      h = (h ^ UInt64(bytes[i])) &* 0x0000_0100_0000_01b3
      i += 1
    }
    return Int(truncatingIfNeeded: h ^ (h >> 29))
  }
}
