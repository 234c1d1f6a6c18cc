import FlarLinAlg
import Foundation

/// Matrix constructors and shapes: `zeros`, `ones`, `eye`, `randn`, `array`, `shape`, `diag`, `trace`, `norm`.
extension BuiltinFamily {
  /// The matrix family.
  public static var matrix: BuiltinFamily {
    BuiltinFamily(
      name: "matrix",
      builtins: [
        filled("zeros", 0), filled("ones", 1),
        Builtin(
          "eye", Signature([.required("n", .integer)]),
          abstract: "the n x n identity matrix",
          examples: ["eye(3)"]
        ) { args, _ in
          let n = try args.integer("n", minimum: 0)
          try checkSize(n, n)
          return .matrix(.identity(n))
        },
        Builtin(
          "randn",
          Signature([
            .required("m", .integer), .optional("n", .integer, default: .null),
            .optional("seed", .integer, default: .number(0)),
          ]),
          abstract:
            "an m x n matrix of standard normal samples, the same for the same seed",
          discussion: """
            The samples come from SplitMix64 and the Box–Muller transform, so a seed gives the
            same matrix on every machine. They are not NumPy's samples for that seed.
            randn(n) is a 1 x n row vector.
            """,
          examples: ["X = randn(100, 8, seed=1)"]
        ) { args, context in
          let (m, n) = try dimensions(args)
          var generator = RandomNormal(
            seed: UInt64(bitPattern: Int64(try args.integer("seed"))))
          let storage = try chunkedStorage(m * n, context) { range, buffer in
            for i in range { buffer[i] = generator.next() }
          }
          return .matrix(Matrix(rows: m, columns: n, storage: storage))
        },
        Builtin(
          "array", Signature([.required("values", .matrix)]),
          abstract:
            "a matrix from a list of numbers (a row) or a list of equal-length rows",
          examples: ["A = array([[1, 2], [3, 4]])"]
        ) { args, _ in .matrix(try args.matrix("values")) },
        Builtin(
          "shape", Signature([.required("x", .any)]),
          abstract:
            "the shape as a list: [rows, columns] for a matrix, [length] for a list",
          examples: ["shape(zeros(2, 3))  # [2, 3]"]
        ) { args, _ in
          switch args["x"] {
          case .number: return .list([])
          case .list(let box):
            return .list([.number(Double(box.elements.count))])
          case .range(let r): return .list([.number(Double(r.count))])
          default:
            let m = try args.matrix("x")
            return .list([.number(Double(m.rows)), .number(Double(m.columns))])
          }
        },
        Builtin(
          "diag", Signature([.required("A", .matrix)]),
          abstract:
            "the diagonal of a matrix as a row, or the square matrix with a vector on its diagonal",
          discussion:
            "As NumPy's diag: a vector (one row or one column) gives a diagonal matrix.",
          examples: ["diag([1, 2, 3])", "diag(eye(3))"]
        ) { args, _ in
          let a = try args.matrix("A")
          guard a.rows == 1 || a.columns == 1 else {
            return .matrix(.row(a.diagonal))
          }
          var d = Matrix<Double>(rows: a.count, columns: a.count)
          for (i, x) in a.storage.enumerated() { d[i, i] = x }
          return .matrix(d)
        },
        Builtin(
          "trace", Signature([.required("A", .matrix)]),
          abstract: "the sum of the diagonal",
          examples: ["trace(eye(4))  # 4"]
        ) { args, _ in .number(try args.matrix("A").diagonal.reduce(0, +)) },
        Builtin(
          "norm", Signature([.required("A", .matrix)]),
          abstract: "the Frobenius norm of a matrix, the 2-norm of a vector",
          discussion:
            "√(Σ aᵢⱼ²); for a vector the two coincide. Large values do not overflow: the sum is scaled by the largest magnitude.",
          examples: ["norm([3, 4])  # 5"]
        ) { args, _ in .number(frobenius(try args.matrix("A").storage)) },
      ])
  }

  /// `zeros` or `ones`.
  private static func filled(_ name: String, _ value: Double) -> Builtin {
    Builtin(
      name,
      Signature([
        .required("m", .integer), .optional("n", .integer, default: .null),
      ]),
      abstract: "an m x n matrix of \(name); \(name)(n) is a 1 x n row",
      examples: ["\(name)(2, 3)"]
    ) { args, context in
      let (m, n) = try dimensions(args)
      let storage = try chunkedStorage(m * n, context) { range, buffer in
        for i in range { buffer[i] = value }
      }
      return .matrix(Matrix(rows: m, columns: n, storage: storage))
    }
  }

  /// Elements written per step of a large matrix's fill, between Ctrl-C polls
  /// (8 MiB of float64: a few milliseconds).
  static let fillChunk = 1 << 20

  /// `count` elements written by `fill` one chunk at a time, polling for
  /// Ctrl-C between chunks, so that `zeros(20000, 20000)` stops when asked.
  static func chunkedStorage(
    _ count: Int, _ context: BuiltinContext,
    _ fill: (Range<Int>, inout UnsafeMutableBufferPointer<Double>) -> Void
  ) throws -> [Double] {
    var cancelled = false
    let storage = [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
      var start = 0
      while start < count {
        if context.cancellation.isCancelled {
          cancelled = true
          break
        }
        let end = min(count, start + fillChunk)
        fill(start..<end, &buffer)
        start = end
      }
      // A cancelled fill keeps what it wrote; the array is then dropped.
      initialized = start
    }
    if cancelled { try context.checkCancellation() }
    return storage
  }

  /// `(m, n)` from the `m` and optional `n` arguments; `f(n)` means `1 x n`.
  private static func dimensions(_ args: Arguments) throws(BuiltinError) -> (
    Int, Int
  ) {
    let m = try args.integer("m", minimum: 0)
    if args.isNil("n") {
      try checkSize(1, m)
      return (1, m)
    }
    let n = try args.integer("n", minimum: 0)
    try checkSize(m, n)
    return (m, n)
  }

  /// Matrices above 2³¹ elements (16 GiB of float64), or above half of this
  /// machine's memory, are refused up front, rather than overflowing `m n`,
  /// failing in the allocator, or driving the machine into swap.
  ///
  /// `FLAR_MEMORY_LIMIT_MB` in the environment stands in for the machine's
  /// memory (the fuzzer sets it to stay under its own memory limit).
  static func checkSize(
    _ m: Int, _ n: Int, memory: (bytes: UInt64, limited: Bool) = BuiltinFamily.usableMemory
  ) throws(BuiltinError) {
    let (count, overflow) = m.multipliedReportingOverflow(by: n)
    if overflow || count > 1 << 31 { throw .matrixTooLarge(rows: m, columns: n) }
    if UInt64(count) * 8 > memory.bytes / 2 {
      throw .matrixExceedsMemory(
        rows: m, columns: n, memory: memory.bytes, limitedByEnvironment: memory.limited)
    }
  }

  /// The memory matrices are sized against: `FLAR_MEMORY_LIMIT_MB` when set to
  /// a positive whole number, else the machine's physical memory.
  static let usableMemory: (bytes: UInt64, limited: Bool) = {
    if let text = ProcessInfo.processInfo.environment["FLAR_MEMORY_LIMIT_MB"],
      let mb = UInt64(text), mb > 0, mb < 1 << 40
    {
      return (mb << 20, true)
    }
    return (ProcessInfo.processInfo.physicalMemory, false)
  }()

  /// √(Σ x²), scaled to avoid overflow and underflow.
  static func frobenius(_ values: [Double]) -> Double {
    let scale = values.reduce(0) { max($0, abs($1)) }
    guard scale > 0, scale.isFinite else { return scale }
    return scale
      * values.reduce(0) { $0 + ($1 / scale) * ($1 / scale) }.squareRoot()
  }
}
