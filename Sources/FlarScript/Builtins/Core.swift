import Foundation

/// Printing and introspection: `print`, `help`, `type`, `fields`, `len`, `str`, `repr`, `num`,
/// `append`.
extension BuiltinFamily {
  /// The core family.
  public static var core: BuiltinFamily {
    BuiltinFamily(
      name: "core",
      builtins: [
        Builtin(
          "print",
          Signature(
            variadic: .required("values", .any),
            options: [.optional("sep", .string, default: .string(" "))]),
          abstract: "write values separated by spaces, then a newline",
          discussion:
            "Strings are written without quotes; other values as the prompt shows them.",
          examples: ["print(\"rank\", 12)"]
        ) { args, context in
          let separator = try args.string("sep")
          context.write(
            args.rest.map(ValueFormatter.display).joined(separator: separator)
              + "\n")
          return .null
        },
        Builtin(
          "help",
          Signature([
            .optional("name", .any, default: .null)
          ]),
          abstract: "list every builtin, or describe one",
          discussion:
            "help() lists the builtins by family; help(\"svd\"), help(svd), ?svd or svd? prints\nthe signature, a description and examples. help(\"syntax\") lists the language's forms.\nhelp(x) of another value (?m) prints its type, fields and summary.",
          examples: ["help()", "help(\"randn\")", "?shrink", "help(\"syntax\")"]
        ) { args, context in
          context.write(try helpText(args, context.registry) + "\n")
          return .null
        },
        Builtin(
          "type", Signature([.required("x", .any)]),
          abstract: "the type name of a value",
          discussion:
            "One of number, string, bool, nil, list, record, range, matrix, function,\nor the type of a handle (model, svd, …).",
          examples: ["type(eye(2))  # \"matrix\""]
        ) { args, _ in .string(args["x"].typeName) },
        Builtin(
          "fields", Signature([.required("x", .any)]),
          abstract:
            "the field names of a record or a handle, as a list of strings",
          examples: ["fields({a: 1, b: 2})  # [\"a\", \"b\"]"]
        ) { args, _ in
          switch args["x"] {
          case .record(let box): return .list(box.keys.map(Value.string))
          case .handle(let handle):
            return .list(handle.fieldNames.map(Value.string))
          default: throw args.bad("x", "a record or a handle")
          }
        },
        Builtin(
          "len", Signature([.required("x", .any)]),
          abstract:
            "the number of elements of a list, string, record, range or vector",
          discussion:
            "For a matrix with several rows and columns it is the number of rows, as NumPy's len.",
          examples: ["len([1, 2, 3])  # 3"]
        ) { args, _ in
          switch args["x"] {
          case .list(let box): return .number(Double(box.elements.count))
          case .string(let s): return .number(Double(s.count))
          case .record(let box): return .number(Double(box.keys.count))
          case .range(let r): return .number(Double(r.count))
          case .matrix(let m):
            return .number(Double(m.rows == 1 ? m.columns : m.rows))
          default:
            throw args.bad(
              "x", "a list, a string, a record, a range or a matrix")
          }
        },
        Builtin(
          "str",
          Signature(
            [.required("x", .any)], options: [.optional("digits", .integer, default: .null)]),
          abstract: "a value as the text print writes",
          discussion: """
            A number on its own is written in full (the shortest text that reads back); numbers
            inside lists and records at 6 significant digits, as the prompt shows them. digits=n
            writes every number at n significant digits; digits=17 (or repr(x)) in full.
            """,
          examples: [
            "\"rank \" + str(12)", "str(c.ranks, digits=17)", "str(2 / 3, digits=3)  # 0.667",
          ]
        ) { args, _ in
          guard !args.isNil("digits") else { return .string(ValueFormatter.display(args["x"])) }
          let digits = try args.integer("digits", minimum: 1)
          let style = ValueFormatter.Style(
            nestedDigits: digits, scalarDigits: digits, summarise: false)
          return .string(ValueFormatter.display(args["x"], style: style))
        },
        Builtin(
          "repr", Signature([.required("x", .any)]),
          abstract: "a value as text that reads back: every digit, every element, strings quoted",
          discussion:
            "The prompt shows numbers inside lists and records at 6 significant digits and\nsummarises long lists; repr(x) writes them whole, as Python's repr.",
          examples: ["repr([0.1 + 0.2])  # \"[0.30000000000000004]\""]
        ) { args, _ in .string(ValueFormatter.repr(args["x"], style: .full)) },
        Builtin(
          "num",
          Signature([.required("x", .either([.string, .number, .bool]))]),
          abstract: "a number read from a string (or a bool as 0 or 1)",
          examples: ["num(\"1e-3\")  # 0.001"]
        ) { args, _ in
          switch args["x"] {
          case .number(let x): return .number(x)
          case .bool(let b): return .number(b ? 1 : 0)
          default:
            let text = try args.string("x").trimmingCharacters(in: .whitespaces)
            guard let x = Double(text) else {
              throw args.bad("x", "a string holding a number")
            }
            return .number(x)
          }
        },
        Builtin(
          "append",
          Signature([.required("list", .any), .required("value", .any)]),
          abstract: "add a value at the end of a list, in place",
          discussion:
            "Every name bound to the list sees the change, as with Python's list.append.",
          examples: ["xs = []; append(xs, 3)"]
        ) { args, context in
          guard case .list(let box) = args["list"] else {
            throw args.bad("list", "a list")
          }
          box.elements.append(args["value"])
          context.noteStore(args["value"], into: box)
          return .null
        },
      ])
  }

  /// `help()`'s and `help(name)`'s text.
  private static func helpText(_ args: Arguments, _ registry: BuiltinRegistry)
    throws -> String
  {
    switch args["name"] {
    case .null: return HelpText.overview(registry)
    case .function(.builtin(let builtin)): return HelpText.entry(builtin)
    case .function(.user(let function)): return HelpText.entry(function)
    case .string(let name):
      if name == "syntax" { return HelpText.syntax }
      guard let builtin = registry[name] else {
        throw BuiltinError.badArgument(
          .named("name"), expected: "the name of a builtin",
          got: ValueFormatter.quote(name),
          suggestion: Suggestion.closest(to: name, among: registry.names))
      }
      return HelpText.entry(builtin)
    case let value: return HelpText.entry(value: value)
    }
  }
}
