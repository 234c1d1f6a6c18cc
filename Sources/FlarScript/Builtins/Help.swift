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
      "help(\"name\"), ?name or name? shows a builtin's signature, description and examples;",
      "help(\"syntax\") lists the language's forms (Python's spellings included).",
    ]
    return lines.joined(separator: "\n")
  }

  /// `help("syntax")`: the language on one screen, with Python's spellings.
  public static let syntax = """
    flar's forms, with what a Python hand writes:

      x = 1; x += 2; x -= 1; x *= 3; x /= 2      assignment, compound assignment
      2 ^ 10, 2 ** 10    7 // 2, 7 % 2            power; floor division and modulo
      A @ B, A.T, A[0, :], A[1:3, -1]             matrix product, transpose, NumPy slices
      true false nil  and or not  == != < <= > >=   (Python's True False None)
      [1, 2, 3]   {name: "x", rank: 8}   r.rank   r["rank"]   lists, records, fields
      [x * 2 for x in xs if x > 0]                list comprehension
      if c then … elif d then … else … end        blocks open with then / do, close with end
      for x in xs do … end    for k, v in r do … end    while c do … end
      def f(x, k=2) return x * k end              functions (no lambda: def is a value)
      x |> f(y)                                   pipe: f(x, y)
      keys(r) values(r) items(r) merge(a, b)      also r.keys(), r.values(), r.items()
      argmin(xs) argmax(r)   min(r) max(r)        positions, or a record's key / value
      "rank " + str(r)   str(x, digits=17)        no f-strings; full precision with digits
      _  __                                       the last and the one-before-last shown value
      ?name  name?  help(name)                    documentation
      :time EXPR (or %time)  :vars  :load FILE  :help   the prompt's meta-commands
    no import (every builtin is global), no lambda, no del, no 'is' (x == nil)
    """

  /// What `help(value)` says of a value that is neither a builtin nor a
  /// function: its type, its fields and its summary, as IPython's `x?`.
  static func entry(value: Value) -> String {
    var lines = ["type: \(value.typeName)"]
    let fields: [String]
    switch value {
    case .record(let box): fields = box.keys
    case .handle(let handle): fields = handle.fieldNames
    default: fields = []
    }
    if !fields.isEmpty { lines.append("fields: " + fields.joined(separator: ", ")) }
    let text = ValueFormatter.repr(value).split(separator: "\n", omittingEmptySubsequences: false)
    lines += text.prefix(12).map(String.init)
    if text.count > 12 { lines.append("… (\(text.count - 12) more lines: show(x) or print(x))") }
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
