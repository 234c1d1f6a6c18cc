#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors from reading and writing files, with the path and the system's reason.
public enum FileError: Error, Equatable, CustomStringConvertible {
  case cannotOpen(path: String, reason: String)
  case cannotWrite(path: String, reason: String)
  case cannotRead(path: String, reason: String)

  public var description: String {
    switch self {
    case .cannotOpen(let p, let r): return "cannot open \"\(p)\": \(r)"
    case .cannotWrite(let p, let r): return "cannot write \"\(p)\": \(r)"
    case .cannotRead(let p, let r): return "cannot read \"\(p)\": \(r)"
    }
  }
}

private func systemReason() -> String { String(cString: strerror(errno)) }

/// Whole-file I/O with atomic replacement.
public enum AtomicFile {
  /// Writes `bytes` to `path` atomically: a temporary file in the same
  /// directory is written, flushed to disk (`fsync`) and renamed over `path`,
  /// so a reader sees either the old file or the whole new one, never half.
  ///
  /// - Throws: `FileError.cannotWrite` naming the path and the system reason;
  ///   the temporary file is removed on failure.
  public static func write(_ bytes: [UInt8], to path: String) throws {
    let (parent, name) = AtomicDirectory.split(path)
    removeStaleTemporaries(in: parent, prefixes: ["\(name).tmp-"])
    let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else {
      throw FileError.cannotWrite(path: path, reason: systemReason())
    }
    var failure: String? = nil
    bytes.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
        if n < 0 {
          if errno == EINTR { continue }
          failure = systemReason()
          return
        }
        offset += n
      }
    }
    if failure == nil && fsync(fd) != 0 { failure = systemReason() }
    close(fd)
    if failure == nil { FaultInjection.point(.fileWrittenBeforeRename) }
    if failure == nil && rename(temporary, path) != 0 { failure = systemReason() }
    if let failure {
      unlink(temporary)
      throw FileError.cannotWrite(path: path, reason: failure)
    }
  }

  /// Removes the temporary files and staging directories in `parent` whose
  /// names start with one of `prefixes` followed by the PID of a process that
  /// no longer runs.
  ///
  /// A writer killed with SIGKILL cannot clean up after itself; the next
  /// writer of the same path does. A temporary of a live process (another
  /// flar saving the same path right now) is left alone.
  public static func removeStaleTemporaries(in parent: String, prefixes: [String]) {
    guard let directory = opendir(parent) else { return }
    var stale: [String] = []
    while let entry = readdir(directory) {
      let name = directoryEntryName(entry)
      guard let prefix = prefixes.first(where: { name.hasPrefix($0) }) else { continue }
      let digits = name.dropFirst(prefix.count).prefix { $0.isASCII && $0.isNumber }
      guard let pid = pid_t(digits), pid > 0, pid != getpid() else { continue }
      if kill(pid, 0) == -1 && errno == ESRCH { stale.append(parent + "/" + name) }
    }
    closedir(directory)
    for path in stale { AtomicDirectory.removeTree(path) }
  }

  /// Reads the whole file at `path`.
  ///
  /// - Throws: `FileError.cannotOpen` / `.cannotRead` with the system reason.
  public static func read(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else {
      throw FileError.cannotOpen(path: path, reason: systemReason())
    }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else {
      throw FileError.cannotRead(path: path, reason: systemReason())
    }
    if (st.st_mode & S_IFMT) == S_IFDIR {
      throw FileError.cannotRead(path: path, reason: "is a directory")
    }
    let size = Int(st.st_size)
    var out = [UInt8](repeating: 0, count: size)
    var offset = 0
    try out.withUnsafeMutableBytes { raw in
      while offset < size {
        let n = Glibc.read(fd, raw.baseAddress! + offset, size - offset)
        if n < 0 {
          if errno == EINTR { continue }
          throw FileError.cannotRead(path: path, reason: systemReason())
        }
        if n == 0 { break }
        offset += n
      }
    }
    return offset == size ? out : Array(out[0..<offset])
  }
}
