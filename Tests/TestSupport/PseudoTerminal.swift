import Foundation
import Glibc

/// A failure while driving a program through a pseudo-terminal.
public enum PseudoTerminalError: Error, CustomStringConvertible {
  case system(String, Int32)
  case timedOut(expected: String, seconds: Double, transcript: String)
  case endOfOutput(expected: String, transcript: String)
  case stillRunning(seconds: Double, transcript: String)

  public var description: String {
    switch self {
    case .system(let call, let code):
      return "\(call) failed: \(String(cString: strerror(code)))"
    case .timedOut(let expected, let seconds, let transcript):
      return
        "no \(expected.debugDescription) within \(seconds) s; transcript (escape sequences removed):\n\(transcript)"
    case .endOfOutput(let expected, let transcript):
      return
        "the program ended before printing \(expected.debugDescription); transcript:\n\(transcript)"
    case .stillRunning(let seconds, let transcript):
      return "the program was still running after \(seconds) s; transcript:\n\(transcript)"
    }
  }
}

/// A child process on the slave side of a fresh pseudo-terminal, driven like
/// a person at a keyboard (pexpect's model): `send` types keystrokes,
/// `expect` waits until a text appears in what the program printed.
///
/// The child gets its own session with the slave as its controlling terminal
/// (`posix_spawn` with `POSIX_SPAWN_SETSID`, then the slave opened as fd 0),
/// so Ctrl-C typed as `"\u{03}"` reaches it as SIGINT through the line
/// discipline, exactly as at a real terminal. No `fork` in the test process:
/// it is multi-threaded, and posix_spawn is safe there.
///
/// The child is killed and reaped when the value is released, so a failing
/// test leaves no process behind.
public final class PseudoTerminal {
  /// The child's process id.
  public let pid: pid_t
  private let master: Int32
  private var raw: [UInt8] = []
  /// Byte offset, in the cleaned output, just past the last match.
  private var consumed = 0
  private var exited: Int32?
  private var sawEndOfOutput = false
  public let defaultTimeout: Double

  /// Starts `executable` with `arguments` on a `columns` x `rows` terminal.
  ///
  /// - Parameter environment: the child's whole environment; set `TERM`.
  public init(
    executable: String, arguments: [String], environment: [String: String],
    directory: String? = nil, columns: UInt16 = 120, rows: UInt16 = 40,
    defaultTimeout: Double = 60
  ) throws {
    self.defaultTimeout = defaultTimeout
    // posix_openpt, grantpt, unlockpt and ptsname are X/Open functions the
    // Glibc module does not import; these are the Linux calls they wrap.
    let fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
    guard fd >= 0 else { throw PseudoTerminalError.system("open /dev/ptmx", errno) }
    var unlock: Int32 = 0
    var number: UInt32 = 0
    guard ioctl(fd, PseudoTerminal.lockRequest, &unlock) == 0,
      ioctl(fd, PseudoTerminal.ptyNumberRequest, &number) == 0
    else {
      let code = errno
      close(fd)
      throw PseudoTerminalError.system("unlocking the pseudo-terminal", code)
    }
    let slavePath = "/dev/pts/\(number)"
    var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
    _ = ioctl(fd, UInt(TIOCSWINSZ), &size)

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    // Runs after setsid in the child: opening the slave without O_NOCTTY
    // makes it the controlling terminal of the new session.
    posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
    posix_spawn_file_actions_adddup2(&actions, 0, 1)
    posix_spawn_file_actions_adddup2(&actions, 0, 2)
    // No descriptor of this (multi-threaded) test process may leak into the
    // child: a pipe of a parallel test would never see its end of file.
    guard PseudoTerminal.addCloseFrom(&actions, 3) == 0 else {
      close(fd)
      throw PseudoTerminalError.system("posix_spawn_file_actions_addclosefrom_np", errno)
    }
    if let directory {
      _ = directory.withCString { PseudoTerminal.addChdir(&actions, $0) }
    }

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var defaults = sigset_t()
    sigfillset(&defaults)
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setsigmask(&attributes, &empty)
    // POSIX_SPAWN_SETSID (glibc ≥ 2.26), a GNU macro Swift does not import.
    let setsid: Int32 = 0x80
    posix_spawnattr_setflags(
      &attributes, Int16(setsid | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for pointer in argv + envp { free(pointer) }
    }
    var child: pid_t = 0
    let status = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
    guard status == 0 else {
      close(fd)
      throw PseudoTerminalError.system("posix_spawn \(executable)", status)
    }
    pid = child
    master = fd
    _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
  }

  // TIOCSPTLCK = _IOW('T', 0x31, int) and TIOCGPTN = _IOR('T', 0x30,
  // unsigned int): function-like
  // macros, which Swift does not import.
  private static let lockRequest: UInt = 0x4004_5431
  private static let ptyNumberRequest: UInt = 0x8004_5430

  private typealias AddCloseFrom =
    @convention(c) (
      UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32
    ) -> Int32
  private typealias AddChdir =
    @convention(c) (
      UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>
    ) -> Int32

  /// GNU extensions (glibc 2.34 and 2.29) that the Glibc module does not
  /// import, looked up at run time.
  private static let addCloseFrom: AddCloseFrom = unsafeBitCast(
    glibcSymbol("posix_spawn_file_actions_addclosefrom_np"), to: AddCloseFrom.self)
  private static let addChdir: AddChdir = unsafeBitCast(
    glibcSymbol("posix_spawn_file_actions_addchdir_np"), to: AddChdir.self)

  private static func glibcSymbol(_ name: String) -> UnsafeMutableRawPointer {
    guard let symbol = dlsym(dlopen(nil, RTLD_NOW), name) else {
      preconditionFailure("\(name) not found: glibc 2.34 or newer is needed")
    }
    return symbol
  }

  deinit {
    if exited == nil {
      kill(pid, SIGKILL)
      var status: Int32 = 0
      _ = waitpid(pid, &status, 0)
    }
    close(master)
  }

  /// Everything printed so far, with terminal escape sequences and carriage
  /// returns removed.
  public var text: String { String(decoding: PseudoTerminal.clean(raw), as: UTF8.self) }

  /// Everything printed so far, exactly as the terminal received it.
  public var rawText: String { String(decoding: raw, as: UTF8.self) }

  /// Types `keys` (use `"\r"` for Return, `"\t"` Tab, `"\u{03}"` Ctrl-C,
  /// `"\u{04}"` Ctrl-D, `"\u{1B}[A"` arrow up).
  public func send(_ keys: String) throws {
    var bytes = Array(keys.utf8)
    while !bytes.isEmpty {
      let n = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
      if n < 0 {
        if errno == EAGAIN || errno == EINTR {
          var p = pollfd(fd: master, events: Int16(POLLOUT), revents: 0)
          _ = poll(&p, 1, 100)
          continue
        }
        throw PseudoTerminalError.system("write to the terminal", errno)
      }
      bytes.removeFirst(n)
    }
  }

  /// Waits until `expected` appears in the output after the previous match,
  /// and moves past it.
  ///
  /// Returns the output between the previous match and
  /// the end of this one.
  ///
  /// - Throws: `PseudoTerminalError.timedOut` or `.endOfOutput`, carrying
  ///   the transcript so far.
  @discardableResult
  public func expect(_ expected: String, timeout: Double? = nil) throws -> String {
    let seconds = timeout ?? defaultTimeout
    let deadline = Date().addingTimeInterval(seconds)
    let needle = Array(expected.utf8)
    while true {
      let all = PseudoTerminal.clean(raw)
      if let end = PseudoTerminal.find(needle, in: all, from: consumed) {
        defer { consumed = end }
        return String(decoding: all[consumed..<end], as: UTF8.self)
      }
      if sawEndOfOutput {
        throw PseudoTerminalError.endOfOutput(expected: expected, transcript: text)
      }
      let remaining = deadline.timeIntervalSinceNow
      if remaining <= 0 {
        throw PseudoTerminalError.timedOut(
          expected: expected, seconds: seconds, transcript: text)
      }
      readAvailable(waitingAtMost: remaining)
    }
  }

  /// Waits until the program has put the terminal in non-canonical mode, as
  /// a line editor does while it reads a line.
  ///
  /// Keys typed before that are handled by the kernel's line discipline
  /// (echoed once by it and once by the editor; a Ctrl-D there is an end
  /// of file the editor never sees), so an editor's prompt on the screen is
  /// not yet a promise that it is reading. The terminal settings are
  /// shared by both sides of the pair, so they are read from the master.
  public func waitForRawMode(timeout: Double? = nil) throws {
    let seconds = timeout ?? defaultTimeout
    let deadline = Date().addingTimeInterval(seconds)
    var settings = termios()
    while true {
      guard tcgetattr(master, &settings) == 0 else {
        throw PseudoTerminalError.system("tcgetattr", errno)
      }
      if settings.c_lflag & tcflag_t(ICANON) == 0 { return }
      if deadline.timeIntervalSinceNow <= 0 {
        throw PseudoTerminalError.timedOut(
          expected: "<terminal in raw mode>", seconds: seconds, transcript: text)
      }
      // Nothing is printed when the mode changes: look again shortly,
      // collecting output meanwhile.
      readAvailable(waitingAtMost: 0.005)
    }
  }

  /// Waits for the child to exit, reading what it prints meanwhile, and
  /// returns its exit status (128 + n when killed by signal n).
  public func waitForExit(timeout: Double? = nil) throws -> Int32 {
    if let exited { return exited }
    let seconds = timeout ?? defaultTimeout
    let deadline = Date().addingTimeInterval(seconds)
    while true {
      var status: Int32 = 0
      let r = waitpid(pid, &status, WNOHANG)
      if r == pid {
        readAvailable(waitingAtMost: 0)
        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        exited = code
        return code
      }
      let remaining = deadline.timeIntervalSinceNow
      if remaining <= 0 {
        throw PseudoTerminalError.stillRunning(seconds: seconds, transcript: text)
      }
      if sawEndOfOutput {
        // The terminal is closed, the process is on its way out.
        _ = poll(nil, 0, 10)
      } else {
        readAvailable(waitingAtMost: min(remaining, 0.1))
      }
    }
  }

  /// Reads whatever the child printed, waiting up to `seconds` for the first byte.
  private func readAvailable(waitingAtMost seconds: Double) {
    var p = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
    let ready = poll(&p, 1, Int32(max(0, min(seconds, 3600)) * 1000))
    guard ready > 0 else { return }
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let n = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
      if n > 0 {
        raw.append(contentsOf: buffer[0..<n])
        continue
      }
      // Linux answers EIO once the last slave descriptor is closed.
      if n == 0 || (n < 0 && errno == EIO) { sawEndOfOutput = true }
      return
    }
  }

  /// Removes CSI (`ESC [ … final`), OSC (`ESC ] … BEL`), two-byte escapes,
  /// carriage returns, backspaces and bells.
  static func clean(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var i = 0
    while i < bytes.count {
      let b = bytes[i]
      if b == 0x1B, i + 1 < bytes.count {
        let next = bytes[i + 1]
        if next == UInt8(ascii: "[") {
          var j = i + 2
          while j < bytes.count, !(0x40...0x7E).contains(bytes[j]) { j += 1 }
          i = j + 1
        } else if next == UInt8(ascii: "]") {
          var j = i + 2
          while j < bytes.count, bytes[j] != 0x07 { j += 1 }
          i = j + 1
        } else {
          i += 2
        }
        continue
      }
      if b == 0x0D || b == 0x08 || b == 0x07 || b == 0x1B {
        i += 1
        continue
      }
      out.append(b)
      i += 1
    }
    return out
  }

  /// The offset just past the first occurrence of `needle` in `haystack`
  /// at or after `start`.
  static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
    guard !needle.isEmpty else { return start }
    var i = start
    while i + needle.count <= haystack.count {
      if haystack[i] == needle[0], haystack[i..<(i + needle.count)].elementsEqual(needle) {
        return i + needle.count
      }
      i += 1
    }
    return nil
  }
}
