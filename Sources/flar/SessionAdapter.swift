import FlarCore
import FlarScript
import Foundation

/// The shell's session: a FlarScript `Session` with every builtin family,
/// errors rendered to standard error (or into a notebook's capture), and
/// completion that also knows layer names and file paths inside strings.
final class ScriptShellSession: ShellSession {
  let session: Session
  private let capture: OutputCapture?

  init(options: ShellOptions, arguments: [String], capture: OutputCapture?) {
    self.capture = capture
    let registry = BuiltinRegistry(families: BuiltinFamily.standard + BuiltinFamily.research)
    session = Session(
      registry: registry, cancellation: sessionCancellation,
      showProgress: options.showProgress, arguments: arguments,
      output: { text in
        if let capture {
          capture.text += text
        } else {
          FileHandle.standardOutput.write(Data(text.utf8))
        }
      })
  }

  func submit(_ source: String, fileName: String, echo: Bool) -> SubmitOutcome {
    do {
      try session.run(source: source, fileName: fileName, echo: echo)
      return .ran
    } catch {
      switch error.phase {
      case .incomplete where echo && capture == nil && fileName == "<stdin>":
        return .incomplete
      case .cancelled:
        report(error.rendered)
        return .cancelled
      default:
        report(error.rendered)
        return .failed
      }
    }
  }

  private func report(_ text: String) {
    let line = text.hasSuffix("\n") ? text : text + "\n"
    if let capture {
      capture.text += line
      capture.errors.append(line.split(separator: "\n").first.map(String.init) ?? "")
    } else {
      FileHandle.standardError.write(Data(line.utf8))
    }
  }

  func variableLines() -> [String] {
    let rows = session.variableSummaries()
    let nameWidth = rows.map(\.name.count).max() ?? 0
    let typeWidth = rows.map(\.type.count).max() ?? 0
    return rows.map {
      $0.name.padding(toLength: nameWidth + 2, withPad: " ", startingAt: 0)
        + $0.type.padding(toLength: typeWidth + 2, withPad: " ", startingAt: 0) + $0.summary
    }
  }

  func completions(before: String) -> Completion {
    if let partial = openStringContent(before) {
      // `method="` completes the methods; other strings layer names and paths.
      if let choices = session.choiceCompletions(before: before, partial: partial) {
        return Completion(replacing: partial.count, candidates: choices)
      }
      return Completion(replacing: partial.count, candidates: stringCompletions(partial))
    }
    let c = session.completions(before: before)
    return Completion(replacing: c.replacing, candidates: c.candidates)
  }

  /// The text after an unclosed `"` at the end of the line, if any.
  private func openStringContent(_ text: String) -> String? {
    var inside = false
    var escaped = false
    var start = text.startIndex
    for i in text.indices {
      let c = text[i]
      if escaped {
        escaped = false
        continue
      }
      if c == "\\" && inside {
        escaped = true
        continue
      }
      if c == "\"" {
        inside.toggle()
        start = text.index(after: i)
      } else if c == "#" && !inside {
        return nil
      }
    }
    return inside ? String(text[start...]) : nil
  }

  /// Layer names of the models in the session, then file paths.
  private func stringCompletions(_ partial: String) -> [String] {
    let layers = session.modelLayerNames.filter { $0.hasPrefix(partial) }
    if !layers.isEmpty { return layers.sorted() }
    return filePaths(partial)
  }

  private func filePaths(_ partial: String) -> [String] {
    let directory: String
    let prefix: String
    if let slash = partial.lastIndex(of: "/") {
      directory = String(partial[...slash])
      prefix = String(partial[partial.index(after: slash)...])
    } else {
      directory = ""
      prefix = partial
    }
    let fm = FileManager.default
    guard let entries = try? fm.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)
    else { return [] }
    return entries.filter { $0.hasPrefix(prefix) && (!$0.hasPrefix(".") || prefix.hasPrefix(".")) }
      .map { name in
        var isDirectory: ObjCBool = false
        let path = directory + name
        _ = fm.fileExists(atPath: path, isDirectory: &isDirectory)
        return isDirectory.boolValue ? path + "/" : path
      }.sorted()
  }
}

/// Builds the session every mode of the shell uses.
func makeSession(
  options: ShellOptions, arguments: [String], capture: OutputCapture? = nil
) -> ShellSession {
  ScriptShellSession(options: options, arguments: arguments, capture: capture)
}
