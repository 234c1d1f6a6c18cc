// Atomic replacement of a whole directory (a saved model, an export), and the
// clean-up of what a killed writer leaves behind.
//
// Goals, in order: a reader (or a crash at any instant) sees the old
// directory whole or the new one whole, never neither and never half of
// one; a later save never trips on a killed save's leftovers; no leftovers
// accumulate.

#if canImport(Glibc)
import Glibc
#endif

/// Directory-level atomic replacement.
public enum AtomicDirectory {
  /// A fresh staging path beside `target`: `.NAME.tmp-PID-RANDOM`, hidden.
  ///
  /// Stale staging directories and temporary files of `target` left by
  /// processes that no longer run are removed first, so that killed saves
  /// leave nothing behind for long.
  public static func stagingPath(for target: String) -> String {
    let (parent, name) = split(target)
    AtomicFile.removeStaleTemporaries(in: parent, prefixes: [".\(name).tmp-", "\(name).tmp-"])
    return "\(parent)/.\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
  }

  /// Makes the finished directory `staging` the directory at `target`.
  ///
  /// When `target` exists, the two are exchanged in one `renameat2` call
  /// with `RENAME_EXCHANGE`, so there is no instant at which `target` is
  /// missing or partial, and the old directory (now at `staging`) is removed
  /// afterwards. Where the file system cannot exchange (EINVAL, ENOSYS), the
  /// old directory is renamed aside and the new one into place: a crash
  /// between the two renames leaves the old directory whole under the aside
  /// name, which the next `stagingPath(for:)` does not remove (it is not a
  /// staging name) and the error message would name.
  ///
  /// - Throws: `FileError.cannotWrite` naming `target` and the system reason;
  ///   `target` is then unchanged.
  public static func replace(_ target: String, with staging: String) throws {
    var status = stat()
    guard lstat(target, &status) == 0 else {
      FaultInjection.point(.directoryStagedBeforeExchange)
      guard rename(staging, target) == 0 else {
        throw FileError.cannotWrite(path: target, reason: String(cString: strerror(errno)))
      }
      return
    }
    guard (status.st_mode & S_IFMT) == S_IFDIR else {
      throw FileError.cannotWrite(path: target, reason: "exists and is not a directory")
    }
    FaultInjection.point(.directoryStagedBeforeExchange)
    if exchangePaths(staging, target) == 0 {
      removeTree(staging)
      return
    }
    guard errno == EINVAL || errno == ENOSYS else {
      throw FileError.cannotWrite(path: target, reason: String(cString: strerror(errno)))
    }
    let aside = staging + "-old"
    guard rename(target, aside) == 0 else {
      throw FileError.cannotWrite(path: target, reason: String(cString: strerror(errno)))
    }
    guard rename(staging, target) == 0 else {
      let reason = String(cString: strerror(errno))
      _ = rename(aside, target)
      throw FileError.cannotWrite(path: target, reason: reason)
    }
    removeTree(aside)
  }

  /// Removes a directory tree (or a file); what cannot be removed stays.
  public static func removeTree(_ path: String) {
    var status = stat()
    guard lstat(path, &status) == 0 else { return }
    if (status.st_mode & S_IFMT) == S_IFDIR, let directory = opendir(path) {
      var names: [String] = []
      while let entry = readdir(directory) {
        let name = directoryEntryName(entry)
        if name != "." && name != ".." { names.append(name) }
      }
      closedir(directory)
      for name in names { removeTree(path + "/" + name) }
      rmdir(path)
    } else {
      unlink(path)
    }
  }

  /// `(parent, last component)` of a path, the parent "." for a bare name.
  public static func split(_ path: String) -> (String, String) {
    var trimmed = path
    while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
    guard let slash = trimmed.lastIndex(of: "/") else { return (".", trimmed) }
    let parent = String(trimmed[..<slash])
    return (parent.isEmpty ? "/" : parent, String(trimmed[trimmed.index(after: slash)...]))
  }
}

/// The name of a `readdir` entry, read where it lies.
///
/// glibc sizes each entry to its name (`d_reclen`), so the last entry of
/// its buffer can end before a whole `dirent` would: copying the 256-byte
/// `d_name` field out (`withUnsafeBytes(of: entry.pointee.d_name)`) read past
/// the buffer, which AddressSanitizer reported as a heap-buffer-overflow in
/// `AtomicFile.removeStaleTemporaries`. The name is NUL-terminated inside the
/// entry.
public func directoryEntryName(_ entry: UnsafeMutablePointer<dirent>) -> String {
  let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
  return String(cString: (UnsafeRawPointer(entry) + offset).assumingMemoryBound(to: CChar.self))
}
