import Foundation

/// Strings and sequences as Python users reach for them: `split`, `join`,
/// `range`, `sorted`.
extension BuiltinFamily {
  /// The strings family.
  public static var strings: BuiltinFamily {
    BuiltinFamily(
      name: "strings",
      builtins: [
        Builtin(
          "split",
          Signature([
            .required("s", .string), .optional("sep", .string, default: .null),
          ]),
          abstract: "the pieces of a string, as Python's str.split",
          discussion: """
            Without sep, splits on runs of whitespace and drops empty pieces; with sep, splits
            at every occurrence and keeps empty pieces ("a,,b" gives ["a", "", "b"]).
            """,
          examples: ["split(\"8,16,32\", \",\")  # [\"8\", \"16\", \"32\"]", "split(\" a  b \")"]
        ) { args, _ in
          let s = try args.string("s")
          if args.isNil("sep") {
            return .list(s.split(whereSeparator: \.isWhitespace).map { .string(String($0)) })
          }
          let sep = try args.string("sep")
          guard !sep.isEmpty else { throw args.bad("sep", "a non-empty string") }
          return .list(s.components(separatedBy: sep).map(Value.string))
        },
        Builtin(
          "join",
          Signature([
            .required("items", .list), .optional("sep", .string, default: .string("")),
          ]),
          abstract: "the items' text joined with sep between them",
          discussion: "Strings are taken as they are, other values as print writes them.",
          examples: ["join([\"a\", \"b\"], \", \")  # \"a, b\"", "join(0:3, \"-\")  # \"0-1-2\""]
        ) { args, _ in
          let items = try args.list("items")
          return .string(
            items.map(ValueFormatter.display).joined(separator: try args.string("sep")))
        },
        Builtin(
          "range",
          Signature([
            .required("a", .number), .optional("b", .number, default: .null),
            .optional("step", .number, default: .number(1)),
          ]),
          abstract: "the range 0:a, or a:b with step, as Python's range",
          discussion: "range(5) is the range 0:5 (0, 1, 2, 3, 4); range(2, 10, 3) is 2:10:3.",
          examples: ["for i in range(3) do print(i) end", "range(10, 0, -2)"]
        ) { args, _ in
          let a = try args.number("a")
          let step = try args.number("step")
          guard step != 0, step.isFinite else { throw args.bad("step", "a non-zero number") }
          if args.isNil("b") { return .range(RangeValue(start: 0, end: a, step: step)) }
          return .range(RangeValue(start: a, end: try args.number("b"), step: step))
        },
        Builtin(
          "sorted",
          Signature([
            .required("items", .list), .optional("reverse", .bool, default: .bool(false)),
          ]),
          abstract: "a new list of numbers or of strings in ascending order",
          discussion: "reverse=true sorts in descending order. The list itself is unchanged.",
          examples: ["sorted([3, 1, 2])  # [1, 2, 3]", "sorted(fields(r.ranks))"]
        ) { args, _ in
          let items = try args.list("items")
          let reverse = try args.bool("reverse")
          if let numbers = MatrixConversion.numbers(items) {
            let s = numbers.sorted()
            return .list((reverse ? s.reversed() : s).map(Value.number))
          }
          var strings: [String] = []
          for item in items {
            guard case .string(let s) = item else {
              throw args.bad("items", "a list of numbers or a list of strings")
            }
            strings.append(s)
          }
          let s = strings.sorted()
          return .list((reverse ? s.reversed() : s).map(Value.string))
        },
      ])
  }
}
