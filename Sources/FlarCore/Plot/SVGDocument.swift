/// A small builder of SVG text: elements with escaped attributes and text,
/// and coordinates written with at most two decimals.
///
/// Only what the plot renderers need; output is deterministic (attributes
/// in the order given, numbers without locale), so SVG files diff cleanly.
struct SVGDocument: Sendable {
  let width: Int
  let height: Int
  private(set) var body: [String] = []

  /// The Okabe–Ito palette, distinguishable under colour-vision deficiencies.
  ///
  /// Okabe, M. & Ito, K. (2008). Color Universal Design (CUD):
  /// how to make figures and presentations that are friendly to colorblind
  /// people. <https://jfly.uni-koeln.de/color/>.
  static let palette = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
    "#000000", "#F0E442",
  ]

  /// The font stack; DejaVu Sans is what headless Chromium finds on Debian.
  static let fontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif"

  init(width: Int, height: Int) {
    self.width = width
    self.height = height
  }

  /// Appends `<name attributes…/>`.
  mutating func element(_ name: String, _ attributes: [(String, String)]) {
    body.append("<\(name)\(Self.attributeText(attributes))/>")
  }

  /// Appends a `<line>` from (`x1`, `y1`) to (`x2`, `y2`) in px.
  mutating func line(
    x1: String, y1: String, x2: String, y2: String, stroke: String,
    width: String? = nil
  ) {
    var attributes = [
      ("x1", x1), ("y1", y1), ("x2", x2), ("y2", y2), ("stroke", stroke),
    ]
    if let width { attributes.append(("stroke-width", width)) }
    element("line", attributes)
  }

  /// Appends `<text attributes…>escaped text</text>`.
  mutating func text(_ content: String, _ attributes: [(String, String)]) {
    body.append(
      "<text\(Self.attributeText(attributes))>\(Self.escaped(content))</text>")
  }

  /// Appends raw markup; callers pass only text built by this type.
  mutating func raw(_ markup: String) { body.append(markup) }

  /// The finished standalone document: XML declaration, `svg` root with
  /// `viewBox`, a white background, then the body.
  func rendered(title: String?) -> String {
    var lines = [
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" "
        + "viewBox=\"0 0 \(width) \(height)\" font-family=\"\(Self.escaped(Self.fontFamily))\" "
        + "font-size=\"12\">",
    ]
    if let title { lines.append("<title>\(Self.escaped(title))</title>") }
    lines.append(
      "<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"white\"/>"
    )
    lines += body
    lines.append("</svg>")
    return lines.joined(separator: "\n") + "\n"
  }

  static func attributeText(_ attributes: [(String, String)]) -> String {
    attributes.map { " \($0.0)=\"\(escaped($0.1))\"" }.joined()
  }

  /// `text` with the five XML special characters replaced by entities.
  static func escaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for character in text {
      switch character {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      default: out.append(character)
      }
    }
    return out
  }

  /// A coordinate rounded to 0.01 px, without trailing zeros (`12.5`, `3`).
  static func number(_ v: Double) -> String {
    // Positions come from clamped fractions, so this limit is a safeguard
    // for a flar bug, never a visible clip.
    let limited = v.isFinite ? min(1e9, max(-1e9, v)) : 0
    return PlotAxis.decimalText(Int((limited * 100).rounded()), -2)
  }

  /// The approximate width in px of `text` at `fontSize`: 0.6 em per
  /// character, DejaVu Sans' average, enough to reserve margins.
  static func textWidth(_ text: String, fontSize: Double = 12) -> Double {
    Double(text.count) * fontSize * 0.6
  }
}
