/// A scope of variables, chained to the scope it was created in.
///
/// The global scope has no parent. Each call of a user function gets a new
/// scope whose parent is the scope the `def` ran in, so functions see globals
/// and closures keep the variables of the call that made them. Assignment
/// inside a function writes a local unless the name already exists in an
/// enclosing *function* scope; globals are read freely but assigning a name
/// inside a function makes a local, as in Python without `global`.
final class Environment {
  private var values: [String: Value] = [:]
  let parent: Environment?
  /// Registered with the session's `CycleCollector` (a `def` ran here).
  var isCycleCandidate = false

  init(parent: Environment? = nil) {
    self.parent = parent
  }

  /// The value bound to `name` here or in an enclosing scope.
  func lookup(_ name: String) -> Value? {
    if let value = values[name] { return value }
    return parent?.lookup(name)
  }

  /// Binds `name` in this scope.
  func define(_ name: String, _ value: Value) {
    values[name] = value
  }

  /// Assigns to an existing binding in an enclosing non-global scope, or
  /// defines a new one here.
  func assign(_ name: String, _ value: Value) {
    var scope: Environment? = self
    while let current = scope, current.parent != nil {
      if current.values[name] != nil {
        current.values[name] = value
        return
      }
      scope = current.parent
    }
    values[name] = value
  }

  /// Every name visible from here, innermost first, for suggestions.
  var visibleNames: [String] {
    values.keys.sorted() + (parent?.visibleNames ?? [])
  }

  /// The names bound in this scope only, sorted.
  var localNames: [String] { values.keys.sorted() }

  /// Removes a binding from this scope.
  func remove(_ name: String) { values[name] = nil }

  /// Calls `body` with every value bound in this scope only.
  func forEachValue(_ body: (Value) -> Void) {
    for value in values.values { body(value) }
  }

  /// Drops every binding of this scope.
  ///
  /// A function defined here keeps this scope alive and the scope keeps the
  /// function: a reference cycle that counting cannot free. The interpreter
  /// clears its globals when it ends, and its `CycleCollector` empties the
  /// scopes of calls nothing reaches any more.
  func removeAll() { values.removeAll() }
}
