import FlarLinAlg
import Foundation

/// Element-wise functions and reductions with NumPy's meanings.
///
/// Element-wise functions (`abs sqrt exp log floor ceil round`) map numbers
/// to numbers and matrices (or lists of numbers) to matrices. Reductions
/// (`sum mean max min`) take `axis=nil` (everything), `0` (down the columns,
/// giving a `1 x n` row) or `1` (along the rows, giving an `m x 1` column).
extension BuiltinFamily {
  /// The math family.
  public static var math: BuiltinFamily {
    BuiltinFamily(
      name: "math",
      builtins: [
        reduction("sum", "the sum of the elements", { $0.reduce(0, +) }),
        reduction(
          "mean", "the arithmetic mean of the elements",
          { $0.reduce(0, +) / Double($0.count) }),
        reduction(
          "median", "the median of the elements (the mean of the middle two for an even count)",
          { values in
            if values.contains(where: \.isNaN) { return .nan }  // as numpy.median
            let s = values.sorted()
            let mid = s.count / 2
            return s.count % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
          }),
        extremum("max", >), extremum("min", <),
        elementwise("abs", "the absolute value", Swift.abs),
        elementwise(
          "sqrt", "the square root (nan below 0)", { $0.squareRoot() }),
        elementwise("exp", "e raised to the value", Foundation.exp),
        elementwise(
          "log", "the natural logarithm (-inf at 0, nan below)", Foundation.log),
        elementwise(
          "floor", "the largest integer not above the value",
          { $0.rounded(.down) }),
        elementwise(
          "ceil", "the smallest integer not below the value",
          { $0.rounded(.up) }),
        Builtin(
          "round",
          Signature([
            .required("x", .numeric),
            .optional("decimals", .integer, default: .number(0)),
          ]),
          abstract:
            "rounded to `decimals` places, halves to even as NumPy rounds",
          examples: ["round(2.5)  # 2", "round(3.14159, 2)  # 3.14"]
        ) { args, _ in
          let scale = Foundation.pow(10, Double(try args.integer("decimals")))
          return try mapNumeric(args, "x") {
            ($0 * scale).rounded(.toNearestOrEven) / scale
          }
        },
      ])
  }

  /// A builtin applying `f` to each element.
  private static func elementwise(
    _ name: String, _ abstract: String, _ f: @escaping (Double) -> Double
  ) -> Builtin {
    Builtin(
      name, Signature([.required("x", .numeric)]),
      abstract: abstract + ", element-wise",
      examples: ["\(name)(2)", "\(name)([1, 4, 9])"]
    ) { args, _ in try mapNumeric(args, "x", f) }
  }

  /// `f` over a number, or over every element of a matrix-like value.
  private static func mapNumeric(
    _ args: Arguments, _ name: String, _ f: (Double) -> Double
  ) throws -> Value {
    if case .number(let x) = args[name] { return .number(f(x)) }
    let m = try args.matrix(name)
    return .matrix(
      Matrix(rows: m.rows, columns: m.columns, storage: m.storage.map(f)))
  }

  /// A reducing builtin with an `axis` option.
  private static func reduction(
    _ name: String, _ abstract: String, _ f: @escaping ([Double]) -> Double
  ) -> Builtin {
    Builtin(
      name,
      Signature(
        [.required("x", .numeric)],
        options: [.optional("axis", .integer, default: .null)]),
      abstract: abstract + "; axis=0 down columns, axis=1 along rows",
      examples: ["\(name)([1, 2, 3])", "\(name)(A, axis=0)"]
    ) { args, _ in try reduce(args, f, emptyAllowed: name == "sum") }
  }

  /// Applies a reduction to all elements or along an axis.
  private static func reduce(
    _ args: Arguments, _ f: ([Double]) -> Double, emptyAllowed: Bool
  ) throws -> Value {
    let m = try args.matrix("x")
    if m.count == 0, !emptyAllowed {
      throw BuiltinError.emptyInput
    }
    if args.isNil("axis") { return .number(f(m.storage)) }
    switch try args.integer("axis") {
    case 0, -2: return .matrix(.row((0..<m.columns).map { f(m.column($0)) }))
    case 1, -1: return .matrix(.column((0..<m.rows).map { f(m.row($0)) }))
    default: throw args.bad("axis", "0, 1 or nil")
    }
  }

  /// `max`/`min`: reducing with one argument, picking among several (Python's way).
  private static func extremum(
    _ name: String, _ better: @escaping (Double, Double) -> Bool
  ) -> Builtin {
    let largest = name == "max" ? "largest" : "smallest"
    return Builtin(
      name,
      Signature(
        [.required("x", .any)], variadic: .required("more", .any),
        options: [.optional("axis", .integer, default: .null)]),
      abstract:
        "the \(largest) element, or the \(largest) of several arguments",
      discussion:
        "\(name)(x) reduces a number, list, range or matrix (with axis as for sum), or the\nnumbers of a record (nil values skipped, as pandas' Series.\(name); arg\(name)(r) gives\nthe key); \(name)(a, b, …) picks the \(largest) of its arguments, numbers or strings, as\nPython's \(name).",
      examples: ["\(name)([3, 1, 2])", "\(name)(2, 7, 5)", "\(name)(c.ranks)"]
    ) { args, _ in
      let pick: ([Double]) -> Double = { values in
        values.dropFirst().reduce(values[0]) { better($1, $0) ? $1 : $0 }
      }
      if args.rest.isEmpty, case .record(let box) = args["x"] {
        let present = box.entries.filter { !$0.value.isNull }
        guard let numbers = MatrixConversion.numbers(present.map(\.value)), !numbers.isEmpty
        else {
          throw args.bad("x", "a record holding numbers")
        }
        return .number(pick(numbers))
      }
      guard !args.rest.isEmpty else {
        guard ParameterType.numeric.accepts(args["x"]) else {
          throw args.bad("x", ParameterType.numeric.expectation)
        }
        return try reduce(args, pick, emptyAllowed: false)
      }
      return try pickAmong([args["x"]] + args.rest, args, better)
    }
  }

  /// The best of several numbers or several strings; the first wins ties.
  private static func pickAmong(
    _ values: [Value], _ args: Arguments, _ better: (Double, Double) -> Bool
  ) throws -> Value {
    if let numbers = MatrixConversion.numbers(values) {
      let best = numbers.indices.dropFirst().reduce(0) {
        better(numbers[$1], numbers[$0]) ? $1 : $0
      }
      return values[best]
    }
    guard case .string = values[0] else {
      let index = values.indices.dropFirst().first {
        if case .number = values[$0] { false } else { true }
      }
      guard case .number = values[0], let index else {
        throw args.bad("x", "a number or a string")
      }
      throw args.badRest(index - 1, "a number")
    }
    var strings: [String] = []
    for (index, value) in values.enumerated() {
      guard case .string(let s) = value else {
        throw args.badRest(index - 1, "a string")
      }
      strings.append(s)
    }
    // Strings compare by their order: "b" is better than "a" for max.
    let best = strings.indices.dropFirst().reduce(0) { best, i in
      better(
        strings[i] < strings[best] ? -1 : (strings[i] == strings[best] ? 0 : 1),
        0) ? i : best
    }
    return values[best]
  }
}
