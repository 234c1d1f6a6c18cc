// Writing a whole directory atomically: every file goes into a fresh hidden
// sibling (`.NAME.tmp-PID-RANDOM`, AtomicDirectory.stagingPath), each flushed
// to disk, and the sibling takes the target's place only when it is
// complete. An existing target is exchanged with the sibling in one
// `renameat2(RENAME_EXCHANGE)` (AtomicDirectory.replace), so a reader, a
// full disk or a crash at any instant finds the old directory whole or the
// new one whole at the target, never neither and never half of either. What
// a killed writer leaves (the staging sibling, or the old directory after the
// exchange) is removed by the next write of the same target.

import FlarLinAlg
import Foundation

/// A directory being written next to its final place.
struct StagedDirectory {
  /// Where the directory will end up.
  let target: URL
  /// Where its files are written until `commit`.
  let staging: URL

  /// Creates the staging sibling of `path` (and `path`'s parent if missing).
  ///
  /// - Throws: `ExportError.cannotWrite` naming `path`.
  init(path: String) throws(ExportError) {
    target = URL(fileURLWithPath: path).standardizedFileURL
    let parent = target.deletingLastPathComponent()
    do {
      try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
      staging = URL(fileURLWithPath: AtomicDirectory.stagingPath(for: target.path))
      try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
    } catch {
      throw ExportError.cannotWrite(path: path, reason: Self.reason(error))
    }
  }

  /// Writes `bytes` to `name` inside the staging directory (sub-folders made).
  func write(_ bytes: [UInt8], to name: String) throws {
    let url = staging.appendingPathComponent(name)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try AtomicFile.write(bytes, to: url.path)
  }

  /// Runs `fill` to write the files, then renames the staging directory into
  /// place; on any failure the staging directory is removed and the target is
  /// left as it was.
  ///
  /// - Throws: `ExportError.cannotWrite` naming the target path and the
  ///   system's reason (a full disk says "No space left on device").
  static func write(to path: String, _ fill: (StagedDirectory) throws -> Void) throws {
    let staged = try StagedDirectory(path: path)
    do {
      try fill(staged)
      try staged.commit()
    } catch {
      AtomicDirectory.removeTree(staged.staging.path)
      // File-system failures name the target; anything else (a model that
      // cannot be exported) keeps its own message.
      switch error {
      case is FileError, is CocoaError:
        throw ExportError.cannotWrite(path: path, reason: reason(error))
      default: throw error
      }
    }
  }

  /// Puts the staging directory at the target: a rename, or the exchange
  /// with an old directory there (AtomicDirectory.replace).
  private func commit() throws {
    try AtomicDirectory.replace(target.path, with: staging.path)
  }

  /// The system's reason without the staging file's name.
  static func reason(_ error: any Error) -> String {
    switch error {
    case FileError.cannotWrite(_, let r), FileError.cannotOpen(_, let r),
      FileError.cannotRead(_, let r):
      return r
    default:
      let ns = error as NSError
      if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError,
        underlying.domain == NSPOSIXErrorDomain,
        let code = POSIXErrorCode(rawValue: Int32(underlying.code))
      {
        return String(cString: strerror(code.rawValue))
      }
      return error.localizedDescription
    }
  }
}
