import FlarLinAlg

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and writing latency CSV files in the reference's format.
///
/// Columns: `Batch_dim,Patch_dim,In_feats,Out_feats,Rank,Og_lat,Latency,
/// Min_lat,Lat_recovery` (dense ms, rank-k ms, rank-1 ms, ratio). The reader
/// finds the columns by name, so extra columns (a pandas index) and another
/// order are accepted; a trailing comma on the header or on a row (the
/// reference's extra unnamed column) is dropped; blank lines are skipped.
/// Dimensions must be positive whole numbers ("8" or "8.0"), times positive
/// numbers; the ratio may be any number, `inf` or `nan`.
extension LatencyDataset {
  /// The header flar writes.
  public static let columns = [
    "Batch_dim", "Patch_dim", "In_feats", "Out_feats", "Rank", "Og_lat", "Latency", "Min_lat",
    "Lat_recovery",
  ]

  /// Loads a latency CSV.
  ///
  /// - Throws: `FileError` when unreadable; `LatencyError.emptyDataset`,
  ///   `.missingColumn`, `.wrongColumnCount`, `.notANumber`, `.notAnInteger`,
  ///   `.notPositive`, each naming `path` and the 1-based line.
  public static func load(_ path: String) throws -> LatencyDataset {
    let bytes = try AtomicFile.read(path)
    return try parse(String(decoding: bytes, as: UTF8.self), file: path)
  }

  /// Parses CSV text; `file` names the source in errors.
  public static func parse(_ text: String, file: String) throws -> LatencyDataset {
    var lines = textLines(text).enumerated()
      .map { (number: $0.offset + 1, cells: cells(of: $0.element)) }
      .filter { !($0.cells.count == 1 && $0.cells[0].isEmpty) }
    guard !lines.isEmpty else { throw LatencyError.emptyDataset(file: file) }
    let header = lines.removeFirst().cells
    let index = try columns.map { name in
      guard let i = header.firstIndex(of: name) else {
        throw LatencyError.missingColumn(file: file, column: name, header: header)
      }
      return i
    }
    guard !lines.isEmpty else { throw LatencyError.emptyDataset(file: file) }
    let samples = try lines.map { line in
      guard line.cells.count == header.count else {
        throw LatencyError.wrongColumnCount(
          file: file, line: line.number, expected: header.count, actual: line.cells.count)
      }
      let cell = { (c: Int) in (name: columns[c], text: line.cells[index[c]]) }
      let at = (file, line.number)
      let dims = try (0..<5).map { try positiveInteger(cell($0), at) }
      let times = try (5..<8).map { try positiveNumber(cell($0), at) }
      let ratio = try number(cell(8), at)
      let shape = LatencyShape(
        batch: dims[0], tokens: dims[1], inFeatures: dims[2], outFeatures: dims[3], rank: dims[4])
      return LatencySample(
        shape: shape, denseMilliseconds: times[0], rankMilliseconds: times[1],
        rank1Milliseconds: times[2], ratio: ratio)
    }
    return LatencyDataset(samples: samples)
  }

  /// The CSV text of the data set, header included.
  public func csvText() -> String {
    ([Self.columns.joined(separator: ",")] + samples.map(Self.csvLine)).joined(separator: "\n")
      + "\n"
  }

  /// Writes the data set to `path` atomically.
  public func write(to path: String) throws {
    try AtomicFile.write(Array(csvText().utf8), to: path)
  }

  static func csvLine(_ s: LatencySample) -> String {
    let f = s.shape
    return [
      "\(f.batch)", "\(f.tokens)", "\(f.inFeatures)", "\(f.outFeatures)", "\(f.rank)",
      "\(s.denseMilliseconds)", "\(s.rankMilliseconds)", "\(s.rank1Milliseconds)", "\(s.ratio)",
    ].joined(separator: ",")
  }

  /// The cells of a line, trimmed, with one trailing empty cell dropped.
  static func cells(of line: Substring) -> [String] {
    var cells = line.split(separator: ",", omittingEmptySubsequences: false).map {
      String($0.filter { !$0.isWhitespace })
    }
    if cells.count > 1 && cells.last == "" { cells.removeLast() }
    return cells
  }

  private typealias Cell = (name: String, text: String)

  private static func number(_ c: Cell, _ at: (String, Int)) throws -> Double {
    guard let value = Double(c.text) else {
      throw LatencyError.notANumber(file: at.0, line: at.1, column: c.name, text: c.text)
    }
    return value
  }

  private static func positiveNumber(_ c: Cell, _ at: (String, Int)) throws -> Double {
    let value = try number(c, at)
    // `!(value > 0)` also refuses NaN.
    if !(value > 0) || value.isInfinite {
      throw LatencyError.notPositive(file: at.0, line: at.1, column: c.name, value: value)
    }
    return value
  }

  private static func positiveInteger(_ c: Cell, _ at: (String, Int)) throws -> Int {
    let value = try positiveNumber(c, at)
    guard value == value.rounded(), value < 1e15 else {
      throw LatencyError.notAnInteger(file: at.0, line: at.1, column: c.name, text: c.text)
    }
    return Int(value)
  }
}

/// Appends rows to a latency CSV, each row in one `write(2)`.
///
/// A row is whole in the file or absent: a write the system cuts short (a
/// full disk) is undone with `ftruncate` back to the length before it, so
/// the file stays readable, and a row left half-written by a killed process
/// is cut off before the next row is appended.
final class LatencyCSVAppender {
  private let path: String
  private var descriptor: Int32 = -1

  /// Opens `path` for appending, writing the header to a new or empty file.
  init(path: String) throws {
    self.path = path
    let existing = (try? AtomicFile.read(path)) ?? []
    try open()
    if !existing.isEmpty {
      let text = String(decoding: existing, as: UTF8.self)
      let first = textLines(text).first ?? ""
      let header = LatencyDataset.cells(of: first)
      guard header == LatencyDataset.columns else {
        close()
        throw LatencyError.incompatibleHeader(
          file: path, header: header, expected: LatencyDataset.columns)
      }
      if existing.last != UInt8(ascii: "\n") {
        // A last line without its newline was cut short by a crash: every
        // row flar writes ends with one. Drop it, keep every whole row.
        let keep = (existing.lastIndex(of: UInt8(ascii: "\n")) ?? -1) + 1
        guard keep > 0, ftruncate(descriptor, off_t(keep)) == 0 else {
          close()
          throw FileError.cannotWrite(path: path, reason: "cannot cut an incomplete last row")
        }
      }
    } else {
      try write(LatencyDataset.columns.joined(separator: ",") + "\n")
    }
  }

  /// Writes one row.
  func append(_ sample: LatencySample) throws {
    try write(LatencyDataset.csvLine(sample) + "\n")
  }

  func close() {
    if descriptor >= 0 { Glibc.close(descriptor) }
    descriptor = -1
  }

  deinit { close() }

  private func open() throws {
    descriptor = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
    guard descriptor >= 0 else {
      throw FileError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
    }
  }

  private func write(_ text: String) throws {
    let bytes = Array(text.utf8)
    var before = stat()
    guard fstat(descriptor, &before) == 0 else {
      throw FileError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
    }
    if FaultInjection.armed == .halfARowAppended, bytes.count > 1 {
      _ = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, bytes.count / 2) }
      FaultInjection.point(.halfARowAppended)
    }
    let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, bytes.count) }
    guard written == bytes.count else {
      let reason = written < 0 ? String(cString: strerror(errno)) : "short write (disk full?)"
      _ = ftruncate(descriptor, before.st_size)
      throw FileError.cannotWrite(path: path, reason: reason)
    }
  }
}
