#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How an axis maps values to positions.
enum AxisScale: Sendable, Equatable {
  case linear
  /// Base-10 logarithmic; every value on it is positive.
  case log
}

/// One labelled tick mark of an axis.
struct AxisTick: Sendable, Equatable {
  var value: Double
  var label: String
}

/// An axis: its scale, its drawn range and its ticks with labels.
///
/// Goals, in order: tick labels that read as round numbers (1-2-5 steps on a
/// linear axis, powers of ten on a log axis); then exact positions for the
/// ticks; then as much of the range for the data as possible. A "loose" axis
/// widens its range to the outer ticks so that the first and last tick sit
/// on the plot's edges (used for y, as gnuplot and most terminal plotters
/// do); a "tight" one keeps the data range and ticks inside it (used for a
/// linear x, where an index 0…383 should not be stretched to 400).
struct PlotAxis: Sendable, Equatable {
  var scale: AxisScale
  /// The drawn range, in data units; `lo < hi`.
  var lo: Double
  var hi: Double
  var ticks: [AxisTick]
  /// Unlabelled ticks between labelled ones (2…9 × 10ᵏ on a log axis).
  var minorTicks: [Double] = []

  /// The position of `v` along the axis: 0 at `lo`, 1 at `hi`.
  func fraction(_ v: Double) -> Double {
    switch scale {
    case .linear: return (v - lo) / (hi - lo)
    case .log: return (log10(v) - log10(lo)) / (log10(hi) - log10(lo))
    }
  }

  /// `fraction(v)` limited to 0…1, and 0 where it is undefined (a range
  /// so wide that its span overflows).
  func clampedFraction(_ v: Double) -> Double {
    let f = fraction(v)
    return f.isNaN ? 0 : Swift.min(1, Swift.max(0, f))
  }

  /// An axis over the data range `min…max` with at most `maxTicks` ticks.
  ///
  /// A linear axis is first widened by `padding` (a share of its span) on
  /// each side, matplotlib's margins, so that markers on the extremes are
  /// not cut by the frame; a log axis pads itself (see `logAxis`).
  ///
  /// - Precondition: `min` and `max` are finite, `min <= max`, and both
  ///   positive on a log scale (`PlotData` checks this first).
  static func make(
    min: Double, max: Double, scale: AxisScale, maxTicks: Int, loose: Bool,
    padding: Double = 0
  ) -> PlotAxis {
    precondition(min.isFinite && max.isFinite && min <= max)
    switch scale {
    case .log: return logAxis(min: min, max: max, maxTicks: maxTicks)
    case .linear:
      var (lo, hi) = widenedIfFlat(min, max)
      let pad = (hi - lo) * padding
      if (lo - pad).isFinite && (hi + pad).isFinite {
        (lo, hi) = (lo - pad, hi + pad)
      }
      return linearAxis(lo: lo, hi: hi, maxTicks: maxTicks, loose: loose)
    }
  }

  /// A zero-width range widened so that a constant series sits mid-plot.
  static func widenedIfFlat(_ lo: Double, _ hi: Double) -> (Double, Double) {
    guard lo == hi else { return (lo, hi) }
    if lo == 0 { return (-1, 1) }
    let d = abs(lo) * 0.1
    return (lo - d, hi + d)
  }

  /// Linear ticks at multiples of the smallest 1-2-5 step giving at most
  /// `maxTicks` ticks.
  static func linearAxis(lo: Double, hi: Double, maxTicks: Int, loose: Bool)
    -> PlotAxis
  {
    let n = Swift.max(2, maxTicks)
    let rawStep = (hi - lo) / Double(n - 1)
    // Tick k·step must be countable in an Int, and the step a normal
    // double: past either limit (spans near the largest double, subnormal
    // data, a span 1e-16 of its magnitude) only the two ends are labelled.
    let magnitude = Swift.max(abs(lo), abs(hi))
    guard rawStep.isNormal, magnitude / rawStep < 1e15 else {
      return endsOnlyAxis(lo: lo, hi: hi)
    }
    var exponent = Int(floor(log10(rawStep)))
    var mantissaIndex = 0
    let mantissas = [1, 2, 5]
    while true {
      let m = mantissas[mantissaIndex]
      let step = Double(m) * power10(exponent)
      // The 1e-9 slack keeps a tick that lies on the range's edge up to
      // rounding (0.3 / 0.1 = 2.9999999999999996) inside the range.
      let kLo = Int(loose ? floor(lo / step + 1e-9) : ceil(lo / step - 1e-9))
      let kHi = Int(loose ? ceil(hi / step - 1e-9) : floor(hi / step + 1e-9))
      if kHi - kLo + 1 <= n {
        let values = (kLo...Swift.max(kLo, kHi)).map { k in
          tickValue(k * m, exponent)
        }
        let labels = linearLabels(
          values.indices.map { (kLo + $0) * m }, exponent)
        let ticks = zip(values, labels).map { AxisTick(value: $0, label: $1) }
        let drawnLo = loose ? values.first! : lo
        let drawnHi = loose ? Swift.max(values.last!, drawnLo + step) : hi
        return PlotAxis(scale: .linear, lo: drawnLo, hi: drawnHi, ticks: ticks)
      }
      mantissaIndex += 1
      if mantissaIndex == mantissas.count {
        mantissaIndex = 0
        exponent += 1
      }
    }
  }

  /// Log ticks at powers of ten, every `stride`-th decade when the decades
  /// outnumber `maxTicks`.
  ///
  /// When the data cover at least two powers of ten, the range is the data's
  /// own, padded by 3 % of its decades on each side (a spectrum from 1.001
  /// down to 1.6e-3 should not waste a decade above 1); otherwise it is
  /// widened to the enclosing decades so that two ticks are always shown.
  static func logAxis(min: Double, max: Double, maxTicks: Int) -> PlotAxis {
    let logMin = log10(min)
    let logMax = log10(max)
    let n = Swift.max(2, maxTicks)
    let innerLo = Int(ceil(logMin - 1e-12))
    let innerHi = Int(floor(logMax + 1e-12))
    if innerHi - innerLo >= 1 {
      let pad = 0.03 * (logMax - logMin)
      let stride = Swift.max(1, (innerHi - innerLo + n - 1) / n)
      let first = -floorDiv(-innerLo, stride) * stride
      let decades = Array(
        Swift.stride(from: first, through: innerHi, by: stride))
      return logAxis(
        logLo: logMin - pad, logHi: logMax + pad, decades: decades,
        stride: stride)
    }
    var dLo = Int(floor(logMin + 1e-12))
    var dHi = Int(ceil(logMax - 1e-12))
    if dHi <= dLo { dHi = dLo + 1 }
    let stride = Swift.max(1, (dHi - dLo + n - 2) / (n - 1))
    dLo = floorDiv(dLo, stride) * stride
    dHi = -floorDiv(-dHi, stride) * stride
    let decades = Array(Swift.stride(from: dLo, through: dHi, by: stride))
    return logAxis(
      logLo: Double(dLo), logHi: Double(dHi), decades: decades, stride: stride)
  }

  /// A log axis over `10^logLo…10^logHi` with ticks at `10^d` for `d` in
  /// `decades`, and minor ticks at 2…9 × 10ᵈ when every decade is ticked
  /// and there are few.
  ///
  /// The ends are kept inside the doubles' range (10^-323 to 10^308), so
  /// that subnormal or huge data cannot make an end 0 or infinite.
  static func logAxis(
    logLo: Double, logHi: Double, decades: [Int], stride: Int
  ) -> PlotAxis {
    let lo = pow(10, Swift.max(logLo, -323))
    let hi = pow(10, Swift.min(logHi, 308.25))
    let ticks = decades.filter { (-323...308).contains($0) }.map {
      AxisTick(value: power10($0), label: "1e\($0)")
    }
    var minor: [Double] = []
    let dLo = Int(floor(log10(lo)))
    let dHi = Int(ceil(log10(hi)))
    if stride == 1 && dHi - dLo <= 8 {
      for d in dLo..<dHi {
        for m in 2...9 {
          let v = Double(m) * power10(d)
          if v >= lo && v <= hi { minor.append(v) }
        }
      }
    }
    return PlotAxis(
      scale: .log, lo: lo, hi: hi, ticks: ticks, minorTicks: minor)
  }

  /// A linear axis with a tick at each end, labelled in compact notation,
  /// for ranges where 1-2-5 steps cannot be counted.
  static func endsOnlyAxis(lo: Double, hi: Double) -> PlotAxis {
    let ticks = [lo, hi].map {
      AxisTick(value: $0, label: NumberFormat.compact($0))
    }
    return PlotAxis(scale: .linear, lo: lo, hi: hi, ticks: ticks)
  }

  /// `n × 10^e`, computed so that decimal ticks are the nearest doubles
  /// (0.6, not 0.6000000000000001).
  static func tickValue(_ n: Int, _ e: Int) -> Double {
    e >= 0 ? Double(n) * power10(e) : Double(n) / power10(-e)
  }

  /// Labels for ticks `n × 10^e`, all in one notation: plain decimals, or
  /// `1.5e6` form when the numbers are very large or the step very small.
  static func linearLabels(_ ns: [Int], _ e: Int) -> [String] {
    let largest = ns.map { decimalDigits(abs($0)).count + e }.max() ?? 0
    let scientific = largest > 6 || e < -4
    return ns.map { n in
      if n == 0 { return "0" }
      return scientific ? scientificText(n, e) : decimalText(n, e)
    }
  }

  /// `n × 10^e` as a plain decimal.
  ///
  /// For example (15, -1) gives "1.5" and (3, 2) gives "300".
  static func decimalText(_ n: Int, _ e: Int) -> String {
    let sign = n < 0 ? "-" : ""
    var digits = decimalDigits(abs(n))
    if e >= 0 { return sign + digits + String(repeating: "0", count: e) }
    let places = -e
    if digits.count <= places {
      digits = String(repeating: "0", count: places - digits.count + 1) + digits
    }
    var whole = String(digits.dropLast(places))
    var fraction = String(digits.suffix(places))
    while fraction.hasSuffix("0") { fraction.removeLast() }
    if whole.isEmpty { whole = "0" }
    return sign + whole + (fraction.isEmpty ? "" : "." + fraction)
  }

  /// `n × 10^e` as mantissa and exponent: (12, 5) gives "1.2e6".
  static func scientificText(_ n: Int, _ e: Int) -> String {
    let sign = n < 0 ? "-" : ""
    let digits = decimalDigits(abs(n))
    var rest = String(digits.dropFirst())
    let exponent = e + rest.count
    while rest.hasSuffix("0") { rest.removeLast() }
    let mantissa = String(digits.prefix(1)) + (rest.isEmpty ? "" : "." + rest)
    return sign + mantissa + "e\(exponent)"
  }

  static func decimalDigits(_ n: Int) -> String { String(n) }

  /// 10^e; exact for |e| ≤ 22, where doubles hold powers of ten.
  static func power10(_ e: Int) -> Double {
    // Beyond 10^22 no power of ten is exact, and 1 / 10^309 would be 0.
    if abs(e) > 22 { return pow(10, Double(e)) }
    if e < 0 { return 1 / power10(-e) }
    var p = 1.0
    for _ in 0..<e { p *= 10 }
    return p
  }

  static func floorDiv(_ a: Int, _ b: Int) -> Int {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
  }
}
