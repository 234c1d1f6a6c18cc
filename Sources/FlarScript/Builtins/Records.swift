import FlarLinAlg

/// Querying records and lists as Python's dict and list methods do:
/// `keys`, `values`, `items`, `merge`, `argmin`, `argmax`, `enumerate`, `zip`.
extension BuiltinFamily {
  /// The records family.
  public static var records: BuiltinFamily {
    BuiltinFamily(
      name: "records",
      builtins: [
        Builtin(
          "keys", Signature([.required("r", .any)]),
          abstract: "the keys of a record (or the names a handle is indexed by), in order",
          discussion: "d.keys() is the same call, as Python's dict method.",
          examples: ["keys({a: 1, b: 2})  # [\"a\", \"b\"]", "keys(c.ranks)"]
        ) { args, _ in
          switch args["r"] {
          case .record(let box): return .list(box.keys.map(Value.string))
          case .handle(let handle) where !handle.elementKeys.isEmpty:
            return .list(handle.elementKeys.map(Value.string))
          default: throw args.bad("r", "a record")
          }
        },
        Builtin(
          "values", Signature([.required("r", .any)]),
          abstract: "the values of a record, in key order",
          discussion: "d.values() is the same call, as Python's dict method.",
          examples: ["values({a: 1, b: 2})  # [1, 2]", "sum(values(c.ranks))"]
        ) { args, _ in
          guard case .record(let box) = args["r"] else { throw args.bad("r", "a record") }
          return .list(box.entries.map(\.value))
        },
        Builtin(
          "items", Signature([.required("r", .any)]),
          abstract: "the [key, value] pairs of a record, in key order",
          discussion:
            "for k, v in r do … end walks the same pairs; d.items() is the same call.",
          examples: ["items({a: 1})  # [[\"a\", 1]]"]
        ) { args, _ in
          guard case .record(let box) = args["r"] else { throw args.bad("r", "a record") }
          return .list(box.entries.map { .list([.string($0.key), $0.value]) })
        },
        Builtin(
          "merge", Signature([.required("a", .any)], variadic: .required("more", .any)),
          abstract: "a new record with the entries of every argument; later ones win",
          discussion:
            "As Python's {**a, **b} or a | b: keys keep the order of their first appearance,\nvalues come from the last record that has them; the arguments are not changed.",
          examples: ["merge({a: 1, b: 2}, {b: 3, c: 4})  # {a: 1, b: 3, c: 4}"]
        ) { args, _ in
          guard case .record(let first) = args["a"] else { throw args.bad("a", "a record") }
          let merged = RecordBox(first.entries.map { ($0.key, $0.value) })
          for (index, value) in args.rest.enumerated() {
            guard case .record(let box) = value else { throw args.badRest(index, "a record") }
            for (key, value) in box.entries { merged[key] = value }
          }
          return .record(merged)
        },
        extremeIndex("argmin", <),
        extremeIndex("argmax", >),
        Builtin(
          "enumerate",
          Signature([
            .required("xs", .list), .optional("start", .integer, default: .number(0)),
          ]),
          abstract: "the [index, element] pairs of a list, as Python's enumerate",
          examples: ["for i, x in enumerate([\"a\", \"b\"]) do print(i, x) end"]
        ) { args, _ in
          let start = try args.integer("start")
          return .list(
            try args.list("xs").enumerated().map { .list([.number(Double(start + $0)), $1]) })
        },
        Builtin(
          "zip", Signature([.required("a", .list)], variadic: .required("more", .list)),
          abstract: "lists of the i-th elements of each argument, as long as the shortest",
          examples: ["zip([1, 2], [\"a\", \"b\"])  # [[1, \"a\"], [2, \"b\"]]"]
        ) { args, _ in
          var lists = [try args.list("a")]
          for (index, value) in args.rest.enumerated() {
            switch value {
            case .list(let box): lists.append(box.elements)
            case .range(let r) where r.count <= 1 << 27: lists.append(r.values.map(Value.number))
            default: throw args.badRest(index, "a list")
            }
          }
          let count = lists.map(\.count).min() ?? 0
          return .list((0..<count).map { i in .list(lists.map { $0[i] }) })
        },
      ])
  }

  /// `argmin`/`argmax`: the position in a list or vector, the key in a record.
  private static func extremeIndex(
    _ name: String, _ better: @escaping (Double, Double) -> Bool
  ) -> Builtin {
    let extreme = name == "argmin" ? "smallest" : "largest"
    return Builtin(
      name, Signature([.required("x", .any)]),
      abstract: "where the \(extreme) value is: a 0-based position, or a record's key",
      discussion: """
        On a list, range or matrix it is the 0-based position in the flattened elements, as
        numpy.\(name) without an axis (the first one on ties; a nan wins, as in NumPy). On a
        record it is the key of the \(extreme) number, as pandas' idx\(name.dropFirst(3))
        (nil values, such as the rank of a layer left dense, are skipped).
        """,
      examples: ["\(name)([3, 1, 2])", "\(name)(c.ranks)  # the layer's name"]
    ) { args, _ in
      if case .record(let box) = args["x"] {
        var best: (key: String, value: Double)?
        for (key, value) in box.entries {
          if case .null = value { continue }
          guard case .number(let x) = value else {
            throw args.bad(
              "x", "a record of numbers (\"\(key)\" holds \(value.typeNameWithArticle))")
          }
          if best == nil || better(x, best!.value) { best = (key, x) }
        }
        guard let best else {
          throw args.bad("x", "a record with at least one number")
        }
        return .string(best.key)
      }
      guard let m = MatrixConversion.matrix(from: args["x"]) else {
        throw args.bad("x", "a list of numbers, a matrix or a record of numbers")
      }
      guard m.count > 0 else { throw args.bad("x", "a non-empty list or matrix") }
      var best = 0
      for i in 1..<max(1, m.count) where !m.storage[best].isNaN {
        if m.storage[i].isNaN || better(m.storage[i], m.storage[best]) { best = i }
      }
      return .number(Double(best))
    }
  }
}
