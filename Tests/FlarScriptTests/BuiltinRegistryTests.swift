import FlarLinAlg
import Testing

@testable import FlarScript

@Suite struct BuiltinRegistryTests {
  /// A family as a higher layer would register it.
  static var shellFamily: BuiltinFamily {
    BuiltinFamily(
      name: "shell",
      builtins: [
        Builtin(
          "shrink",
          Signature(
            [.required("C", .matrix)],
            options: [
              .optional(
                "method", .choiceOrNumber(["lw", "oas", "reference"]),
                default: .string("lw"))
            ]),
          abstract: "a shrunk covariance",
          examples: ["shrink(C, method=\"oas\")"]
        ) { args, _ in args["method"] },
        Builtin(
          "twice",
          Signature([.required("f", .function), .required("x", .any)]),
          abstract: "f(f(x))"
        ) { args, context in
          guard case .function(let f) = args["f"] else {
            throw args.bad("f", "a function")
          }
          return try context.call(f, [context.call(f, [args["x"]])])
        },
      ])
  }

  func session() -> Session {
    let registry = BuiltinRegistry()
    registry.register(Self.shellFamily)
    return Session(registry: registry, output: { _ in })
  }

  func message(_ s: Session, _ source: String) -> String? {
    do {
      try s.run(source: source)
      return nil
    } catch {
      return error.diagnostics.first.map {
        "\(error.file.location(of: $0.range.start)): \($0.message)"
      }
    }
  }

  @Test func higherLayersRegisterFamilies() throws {
    let s = session()
    #expect(try s.evaluateForDisplay("shrink(eye(2), method=0.1)") == "0.1")
    #expect(
      s.registry.families.map(\.name) == ["core", "strings", "matrix", "math", "records", "shell"])
  }

  @Test func badChoiceSuggestsTheClosestAndPointsAtTheArgument() {
    #expect(
      message(session(), "shrink(eye(2), method=\"lw2\")")
        == "1:16: bad argument \"method\" to shrink: expected \"lw\", \"oas\", \"reference\" or a number, got \"lw2\" (did you mean \"lw\"?)"
    )
  }

  @Test func builtinsCallBackIntoUserFunctions() throws {
    let s = session()
    try s.run(source: "def inc(x) return x + 1 end")
    #expect(try s.evaluateForDisplay("twice(inc, 1)") == "3")
  }

  @Test func helpListsEveryFamilyAndBuiltin() throws {
    var output = ""
    let registry = BuiltinRegistry()
    registry.register(Self.shellFamily)
    let s = Session(registry: registry, output: { output += $0 })
    try s.run(source: "help()")
    for name in registry.names {
      #expect(output.contains("  \(name) "), "\(name) missing from help()")
    }
    #expect(output.contains("shell:"))
  }

  @Test func everyBuiltinHasDocumentationAndAnExample() {
    for name in BuiltinRegistry().names {
      let builtin = BuiltinRegistry()[name]!
      #expect(!builtin.abstract.isEmpty, "\(name) has no abstract")
      #expect(!builtin.examples.isEmpty, "\(name) has no example")
    }
  }

  @Test func helpOfAFunctionValueShowsItsEntry() throws {
    var output = ""
    let s = Session(output: { output += $0 })
    try s.run(source: "help(randn)")
    #expect(
      output.hasPrefix(
        "randn(m, n=nil, seed=0)\n\n  an m x n matrix of standard normal samples"
      ))
  }

  @Test func completionListsBuiltinsByPrefix() {
    #expect(BuiltinRegistry().completions(prefix: "ra") == ["randn", "range"])
  }
}

@Suite struct HandleParameterTests {
  static var family: BuiltinFamily {
    BuiltinFamily(
      name: "factors",
      builtins: [
        Builtin(
          "lower", Signature([.required("S", .handle("factor"))]),
          abstract: "the factor's L", examples: ["lower(S)"]
        ) { args, _ in
          .matrix(
            try args.handle("S", as: FakeFactor.self, expected: "a factor").lower)
        }
      ])
  }

  @Test func typedHandleParametersAcceptOnlyThatHandle() throws {
    let registry = BuiltinRegistry()
    registry.register(Self.family)
    let s = Session(registry: registry, output: { _ in })
    s.interpreter.setGlobal("S", .handle(FakeFactor(.identity(2))))
    #expect(try s.evaluateForDisplay("trace(lower(S))") == "2")
    do {
      try s.run(source: "lower(eye(2))")
      Issue.record("expected an error")
    } catch {
      #expect(
        error.diagnostics.first?.message
          == "bad argument \"S\" to lower: expected a factor, got a 2x2 matrix")
    }
  }

  @Test func floatMatricesWidenOnEntry() {
    let value = Value(Matrix<Float>([[0.5, 1]]))
    #expect(value.asMatrix == Matrix<Double>([[0.5, 1]]))
  }
}
