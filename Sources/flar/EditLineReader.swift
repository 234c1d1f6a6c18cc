import CEditLine
import FlarLinAlg
import Glibc

/// The libedit line editor, set up the way LLDB does it.
///
/// Defaults first (emacs keys, Tab bound to flar's completion, history),
/// then `el_source` so that `~/.editrc` can override them (vi mode, keys).
/// History is saved after every entry, atomically, so a crash or a kill loses nothing.
/// This is the only file that imports `CEditLine`.
final class EditLineReader: LineReader {
  private let editor: OpaquePointer
  private let history: OpaquePointer
  private var event = HistEvent()
  private let historyPath: String?
  var complete: ((String) -> Completion)?

  /// The prompt the C callback returns; libedit keeps the pointer, so it
  /// must stay valid until the next prompt is set.
  nonisolated(unsafe) static var promptText: UnsafeMutablePointer<CChar> = strdup("> ")

  init?(program: String, historyPath: String?) {
    guard let el = el_init(program, c_stdin(), c_stdout(), c_stderr()),
      let h = history_init()
    else { return nil }
    editor = el
    history = h
    self.historyPath = historyPath
    _ = chist_setsize(h, &event, 5000)
    _ = chist_setunique(h, &event, 1)
    if let historyPath { _ = chist_load(h, &event, historyPath) }
    _ = cel_set_hist(el, h)
    _ = cel_set_editor(el, "emacs")
    // libedit restores the terminal and re-raises signals to flar's handlers.
    _ = cel_set_signal(el, 1)
    _ = cel_set_prompt(el) { _ in EditLineReader.promptText }
    _ = cel_set_clientdata(el, Unmanaged.passUnretained(self).toOpaque())
    _ = cel_addfn(el, "flar-complete", "complete a name, field, layer or path") {
      el, _ in
      guard let el, let data = cel_get_clientdata(el) else { return UInt8(CC_ERROR) }
      let reader = Unmanaged<EditLineReader>.fromOpaque(data).takeUnretainedValue()
      return reader.completeAtCursor()
    }
    _ = cel_bind(el, "^I", "flar-complete")
    _ = el_source(el, nil)
  }

  deinit {
    _ = cel_set_edit_mode(editor, 0)
    el_end(editor)
    history_end(history)
  }

  func readLine(prompt: String) -> LineInput {
    free(EditLineReader.promptText)
    EditLineReader.promptText = strdup(prompt)
    var count: Int32 = 0
    errno = 0
    guard let raw = el_gets(editor, &count) else {
      // Ctrl-C with EL_SIGNAL: NULL, count -1, errno EINTR.
      if count < 0 && errno == EINTR {
        fputs("\n", c_stdout())
        return .interrupted
      }
      // Ctrl-D on an empty line echoes ^D without a newline.
      fputs("\n", c_stdout())
      return .endOfInput
    }
    var line = String(cString: raw)
    if line.hasSuffix("\n") { line.removeLast() }
    return .line(line)
  }

  func addHistory(_ line: String) {
    guard !line.allSatisfy(\.isWhitespace) else { return }
    _ = chist_enter(history, &event, line)
    if let historyPath { saveHistory(to: historyPath) }
  }

  /// Saves the history atomically.
  ///
  /// libedit's `H_SAVE` truncates the file it writes, so a kill in the
  /// middle would leave the history empty or cut. This writes a temporary file beside the real one (through a symlink, to
  /// the file it points at) instead, flushes it and renames it into place; a
  /// temporary left by a killed flar is removed by the next save.
  private func saveHistory(to path: String) {
    var target = path
    if let resolved = realpath(path, nil) {
      target = String(cString: resolved)
      free(resolved)
    }
    let (parent, name) = AtomicDirectory.split(target)
    AtomicFile.removeStaleTemporaries(in: parent, prefixes: [name + ".tmp-"])
    let temporary = target + ".tmp-\(getpid())"
    guard chist_save(history, &event, temporary) >= 0 else {
      unlink(temporary)
      return
    }
    let fd = open(temporary, O_RDONLY)
    if fd >= 0 {
      _ = fsync(fd)
      close(fd)
    }
    FaultInjection.point(.historyWrittenBeforeRename)
    if rename(temporary, target) != 0 { unlink(temporary) }
  }

  /// Tab: insert the unique completion, or the common prefix of several,
  /// or list them under the prompt when nothing more can be inserted.
  private func completeAtCursor() -> UInt8 {
    guard let complete, let info = el_line(editor)?.pointee else {
      return UInt8(CC_ERROR)
    }
    let length = info.cursor - info.buffer
    let before = String(
      decoding: UnsafeRawBufferPointer(start: info.buffer, count: length),
      as: UTF8.self)
    let result = complete(before)
    guard !result.candidates.isEmpty else { return UInt8(CC_REFRESH_BEEP) }
    let typed = String(before.suffix(result.replacing))
    let prefix = commonPrefix(result.candidates)
    if prefix.count > typed.count, prefix.hasPrefix(typed) {
      _ = el_insertstr(editor, String(prefix.dropFirst(typed.count)))
      return UInt8(CC_REFRESH)
    }
    if result.candidates.count == 1 { return UInt8(CC_REFRESH) }
    fputs("\n" + formatColumns(result.candidates) + "\n", c_stdout())
    return UInt8(CC_REDISPLAY)
  }

  /// Candidates laid out in columns across an 80-character line.
  private func formatColumns(_ items: [String]) -> String {
    let width = (items.map(\.count).max() ?? 0) + 2
    let perLine = max(1, 80 / width)
    var lines: [String] = []
    for start in stride(from: 0, to: items.count, by: perLine) {
      let row = items[start..<min(start + perLine, items.count)]
      lines.append(
        row.map { $0 + String(repeating: " ", count: width - $0.count) }
          .joined().trimmingSuffixSpaces())
    }
    return lines.joined(separator: "\n")
  }
}

extension String {
  fileprivate func trimmingSuffixSpaces() -> String {
    var s = self
    while s.last == " " { s.removeLast() }
    return s
  }
}
