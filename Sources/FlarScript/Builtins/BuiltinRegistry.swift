/// The table of builtins a session sees, grouped in families.
///
/// The standard families (core, strings, matrix, math, records) are registered by default.
/// Higher layers add theirs with `register(_:)`: FlarModels' model family,
/// the executable's shell family. A later registration of a name replaces the
/// earlier one, so a layer can refine a builtin.
public final class BuiltinRegistry {
  private var table: [String: Builtin] = [:]
  /// Family names in registration order, with the builtin names of each.
  public private(set) var families: [(name: String, builtins: [String])] = []

  /// Creates a registry holding `families` (the standard ones by default).
  public init(families: [BuiltinFamily] = BuiltinFamily.standard) {
    for family in families { register(family) }
  }

  /// Adds a family of builtins.
  public func register(_ family: BuiltinFamily) {
    for builtin in family.builtins { table[builtin.name] = builtin }
    let names = family.builtins.map(\.name)
    if let index = families.firstIndex(where: { $0.name == family.name }) {
      families[index].builtins += names.filter {
        !families[index].builtins.contains($0)
      }
    } else {
      families.append((family.name, names))
    }
  }

  /// The builtin called `name`.
  public subscript(name: String) -> Builtin? { table[name] }

  /// Every builtin name, sorted.
  public var names: [String] { table.keys.sorted() }

  /// Builtin names starting with `prefix`, sorted, for tab completion.
  public func completions(prefix: String) -> [String] {
    names.filter { $0.hasPrefix(prefix) }
  }
}

/// A named group of builtins, one per `Builtins/*.swift` file.
public struct BuiltinFamily {
  /// The family's name, a heading in `help()`.
  public var name: String
  /// Its builtins.
  public var builtins: [Builtin]

  /// Creates a family.
  public init(name: String, builtins: [Builtin]) {
    self.name = name
    self.builtins = builtins
  }

  /// The families FlarScript defines itself.
  public static var standard: [BuiltinFamily] {
    [.core, .strings, .matrix, .math, .records]
  }
}
