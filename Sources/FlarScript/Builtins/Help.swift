/// The text of `help()` and `help(name)`, read from the registry.
///
/// `help(name)` follows IPython's `?name`: the signature, then the abstract,
/// then the discussion and examples.
public enum HelpText {
  /// The entry for one builtin.
  public static func entry(_ builtin: Builtin) -> String {
    var lines = [builtin.synopsis, "", indent(builtin.abstract)]
    if !builtin.discussion.isEmpty {
      lines += ["", indent(builtin.discussion)]
    }
    if !builtin.examples.isEmpty {
      lines += ["", "  Examples:"] + builtin.examples.map { "    " + $0 }
    }
    return lines.joined(separator: "\n")
  }

  /// Every builtin by family, one line each: name and abstract.
  public static func overview(_ registry: BuiltinRegistry) -> String {
    let width = (registry.names.map(\.count).max() ?? 0) + 2
    var lines: [String] = []
    for family in registry.families {
      if !lines.isEmpty { lines.append("") }
      lines.append("\(family.name):")
      for name in family.builtins.sorted() {
        guard let builtin = registry[name] else { continue }
        let padding = String(repeating: " ", count: max(1, width - name.count))
        lines.append("  " + name + padding + builtin.abstract)
      }
    }
    lines += [
      "",
      "help(\"name\") shows a builtin's signature, description and examples.",
    ]
    return lines.joined(separator: "\n")
  }

  /// The entry for a user-defined function: its signature.
  static func entry(_ function: UserFunction) -> String {
    let parameters = function.declaration.parameters.map { parameter in
      parameter.defaultValue == nil ? parameter.name : parameter.name + "=…"
    }
    return
      "def \(function.declaration.name)(\(parameters.joined(separator: ", ")))\n\n  defined in this session"
  }

  /// Indents every line of a paragraph by two spaces.
  private static func indent(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false)
      .map { $0.isEmpty ? "" : "  " + $0 }.joined(separator: "\n")
  }
}
