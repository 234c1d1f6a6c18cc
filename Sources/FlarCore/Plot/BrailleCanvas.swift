/// A grid of terminal cells drawn with Unicode braille dots (2×4 per cell)
/// or with one marker character per cell, remembering which series drew
/// each cell so that it can be coloured.
///
/// Dot coordinates run from the top-left: `x` in `0..<2·columns`, `y` in
/// `0..<4·rows`. The dot bits of U+2800…U+28FF are, per cell,
///
///     (0,0) 0x01   (1,0) 0x08
///     (0,1) 0x02   (1,1) 0x10
///     (0,2) 0x04   (1,2) 0x20
///     (0,3) 0x40   (1,3) 0x80
///
/// (Unicode's braille pattern block, dots 1–8.)
struct BrailleCanvas: Sendable {
  let columns: Int
  let rows: Int
  private var bits: [UInt8]
  private var markers: [Character?]
  /// The series that last drew into each cell, or -1.
  private(set) var owners: [Int]

  init(columns: Int, rows: Int) {
    precondition(columns > 0 && rows > 0)
    self.columns = columns
    self.rows = rows
    bits = Array(repeating: 0, count: columns * rows)
    markers = Array(repeating: nil, count: columns * rows)
    owners = Array(repeating: -1, count: columns * rows)
  }

  var dotWidth: Int { 2 * columns }
  var dotHeight: Int { 4 * rows }

  private static let dotBits: [[UInt8]] = [
    [0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80],
  ]

  /// Sets the dot at (`x`, `y`); dots outside the canvas are ignored.
  mutating func setDot(x: Int, y: Int, series: Int) {
    guard x >= 0, y >= 0, x < dotWidth, y < dotHeight else { return }
    let cell = (y / 4) * columns + x / 2
    bits[cell] |= Self.dotBits[x % 2][y % 4]
    owners[cell] = series
  }

  /// Puts `marker` in cell (`column`, `row`), replacing any dots there.
  mutating func setMarker(column: Int, row: Int, marker: Character, series: Int) {
    guard column >= 0, row >= 0, column < columns, row < rows else { return }
    let cell = row * columns + column
    markers[cell] = marker
    owners[cell] = series
  }

  /// Draws the straight segment between two dots (Bresenham's algorithm).
  mutating func dotLine(from a: (Int, Int), to b: (Int, Int), series: Int) {
    Self.walk(from: a, to: b) { setDot(x: $0, y: $1, series: series) }
  }

  /// Draws the straight segment between two cells with `marker`.
  mutating func markerLine(
    from a: (Int, Int), to b: (Int, Int), marker: Character, series: Int
  ) {
    Self.walk(from: a, to: b) {
      setMarker(column: $0, row: $1, marker: marker, series: series)
    }
  }

  /// Visits every grid point of the segment from `a` to `b`, both ends
  /// included, in Bresenham's integer-only order.
  static func walk(
    from a: (Int, Int), to b: (Int, Int), _ visit: (Int, Int) -> Void
  ) {
    var (x, y) = a
    let dx = abs(b.0 - x)
    let dy = -abs(b.1 - y)
    let sx = x < b.0 ? 1 : -1
    let sy = y < b.1 ? 1 : -1
    var error = dx + dy
    while true {
      visit(x, y)
      if x == b.0 && y == b.1 { return }
      let e2 = 2 * error
      if e2 >= dy {
        error += dy
        x += sx
      }
      if e2 <= dx {
        error += dx
        y += sy
      }
    }
  }

  /// The character shown in cell (`column`, `row`) and the series that drew
  /// it, or a space and `nil` for an empty cell.
  func cell(column: Int, row: Int) -> (Character, Int?) {
    let i = row * columns + column
    if let marker = markers[i] { return (marker, owners[i]) }
    if bits[i] == 0 { return (" ", nil) }
    let scalar = Unicode.Scalar(0x2800 + UInt32(bits[i]))!
    return (Character(scalar), owners[i])
  }

  /// Row `row` as text; with `colors`, each run of cells drawn by one series
  /// is wrapped in that series' ANSI colour.
  func line(row: Int, colors: [String]?) -> String {
    var out = ""
    var current: Int? = nil
    for column in 0..<columns {
      let (character, owner) = cell(column: column, row: row)
      if let colors, owner != current {
        if current != nil { out += ANSI.reset }
        if let owner { out += colors[owner % colors.count] }
        current = owner
      }
      out.append(character)
    }
    if colors != nil && current != nil { out += ANSI.reset }
    return out
  }
}

/// The ANSI SGR sequences the terminal renderers use.
enum ANSI {
  static let reset = "\u{1B}[0m"
  /// Series colours in the 16-colour palette, chosen so that the first
  /// three stay distinct under the common colour-vision deficiencies
  /// (blue, yellow, magenta before cyan, green, red).
  static let seriesColors = [
    "\u{1B}[34m", "\u{1B}[33m", "\u{1B}[35m", "\u{1B}[36m", "\u{1B}[32m",
    "\u{1B}[31m",
  ]
}
