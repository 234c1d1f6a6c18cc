/// `assert`: a script states what must hold, and fails with its message.
extension BuiltinFamily {
  /// The checks family.
  public static var checks: BuiltinFamily {
    BuiltinFamily(
      name: "checks",
      builtins: [
        Builtin(
          "assert",
          Signature([
            .required("condition", .any),
            .optional("message", .string, default: .string("assertion failed")),
          ]),
          abstract: "fail with message unless condition is true",
          discussion:
            "A script that asserts ends with exit status 1 and the message at the call's position.",
          examples: [
            "assert(r.params.linear_after <= 0.5 * r.params.linear_before, \"target missed\")"
          ]
        ) { args, _ in
          guard case .bool(let ok) = args["condition"] else {
            throw args.bad("condition", "true or false")
          }
          if !ok { throw BuiltinError.assertionFailed(message: try args.string("message")) }
          return .null
        }
      ])
  }
}
