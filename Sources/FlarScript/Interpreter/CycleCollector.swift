// Frees the reference cycles the language's shared values can form.
//
// Lists, records and function scopes are reference counted. Two things make
// cycles that counting alone never frees: a function defined inside a call
// keeps the call's scope, and the scope keeps the function (`counter()`
// returning `inc`); and a list or record stored into itself, directly or
// through others (`a[0] = a`, `append(xs, xs)`, `r.me = r`). Python frees
// such garbage with its cycle collector; this is the same idea, kept small
// because the language gives it two facts:
//
// 1. Every cycle passes through a *candidate*: a scope in which a `def` ran
//    (other than the globals), or a list or record into which a list, record
//    or user function was stored after the box was made. A new box can only
//    hold what already existed, so the edge that closes a cycle of boxes is
//    a store; a cycle through a function passes through its scope, and every
//    scope above a function's scope is itself one in which a `def` ran.
// 2. Between two top-level statements nothing but the globals (and the
//    statement's value, handed back to the caller) holds a value of the
//    session: no call is active, and handles hold no values of the language.
//
// So at the end of every top-level statement while candidates exist, the
// collector marks everything reachable from those roots and empties every
// candidate it did not reach. Emptying an unreachable candidate cannot be
// observed, and it breaks the cycle it was part of, so reference counting
// frees the rest. Within one statement garbage waits until the statement
// ends (a top-level loop that makes a million closures holds their scopes
// until it finishes).

/// A tracing collector for cycles among lists, records and function scopes.
final class CycleCollector {
  /// One registered candidate, held weakly: registration must not keep
  /// anything alive.
  private enum Candidate {
    case scope(WeakReference<Environment>)
    case list(WeakReference<ListBox>)
    case record(WeakReference<RecordBox>)

    /// The object's identity while it is alive; nil once it was freed.
    var liveIdentity: ObjectIdentifier? {
      switch self {
      case .scope(let reference): return reference.object.map(ObjectIdentifier.init)
      case .list(let reference): return reference.object.map(ObjectIdentifier.init)
      case .record(let reference): return reference.object.map(ObjectIdentifier.init)
      }
    }

    /// Drops the candidate's contents (it is unreachable).
    func empty() {
      switch self {
      case .scope(let reference):
        reference.object?.removeAll()
        reference.object?.isCycleCandidate = false
      case .list(let reference):
        reference.object?.elements.removeAll()
        reference.object?.isCycleCandidate = false
      case .record(let reference):
        reference.object?.removeAll()
        reference.object?.isCycleCandidate = false
      }
    }
  }

  private var candidates: [Candidate] = []
  /// Candidates emptied so far, for tests and for `RELIABILITY.md`'s claim.
  private(set) var emptiedCount = 0

  /// Whether anything is registered (alive or not yet pruned).
  var hasCandidates: Bool { !candidates.isEmpty }

  /// Live candidates now registered.
  var liveCandidateCount: Int { candidates.count { $0.liveIdentity != nil } }

  /// A `def` ran in `scope` (never called for the globals).
  func noteDefinition(in scope: Environment) {
    guard !scope.isCycleCandidate else { return }
    scope.isCycleCandidate = true
    candidates.append(.scope(WeakReference(scope)))
  }

  /// `value` was stored into `list` after the list was made.
  func noteStore(_ value: Value, into list: ListBox) {
    guard !list.isCycleCandidate, Self.mayCloseCycle(value) else { return }
    list.isCycleCandidate = true
    candidates.append(.list(WeakReference(list)))
  }

  /// `value` was stored into `record` after the record was made.
  func noteStore(_ value: Value, into record: RecordBox) {
    guard !record.isCycleCandidate, Self.mayCloseCycle(value) else { return }
    record.isCycleCandidate = true
    candidates.append(.record(WeakReference(record)))
  }

  /// Whether storing `value` can close a cycle: only values that hold
  /// references to other shared values can.
  static func mayCloseCycle(_ value: Value) -> Bool {
    switch value {
    case .list, .record, .function(.user): return true
    default: return false
    }
  }

  /// Empties every candidate that `globals` and `roots` do not reach.
  ///
  /// Call only between top-level statements, when no call is active.
  func collect(globals: Environment, roots: [Value]) {
    candidates.removeAll { $0.liveIdentity == nil }
    guard !candidates.isEmpty else { return }
    let reached = Self.reachable(from: globals, roots: roots)
    var survivors: [Candidate] = []
    for candidate in candidates {
      guard let identity = candidate.liveIdentity else { continue }
      if reached.contains(identity) {
        survivors.append(candidate)
      } else {
        candidate.empty()
        emptiedCount += 1
      }
    }
    candidates = survivors
  }

  /// The identities of every scope, list and record reachable from `globals`
  /// and `roots`, by an explicit work list (a list nested a million deep
  /// must not overflow the stack).
  static func reachable(from globals: Environment, roots: [Value]) -> Set<ObjectIdentifier> {
    var reached = Set<ObjectIdentifier>()
    var scopes: [Environment] = [globals]
    var values: [Value] = roots
    reached.insert(ObjectIdentifier(globals))
    while !scopes.isEmpty || !values.isEmpty {
      if let scope = scopes.popLast() {
        scope.forEachValue { values.append($0) }
        if let parent = scope.parent, reached.insert(ObjectIdentifier(parent)).inserted {
          scopes.append(parent)
        }
        continue
      }
      switch values.removeLast() {
      case .list(let box):
        if reached.insert(ObjectIdentifier(box)).inserted {
          values.append(contentsOf: box.elements)
        }
      case .record(let box):
        if reached.insert(ObjectIdentifier(box)).inserted {
          values.append(contentsOf: box.allValues)
        }
      case .function(.user(let function)):
        if reached.insert(ObjectIdentifier(function.closure)).inserted {
          scopes.append(function.closure)
        }
      default:
        break
      }
    }
    return reached
  }
}

/// A weak reference, for lists of objects that must not be kept alive.
struct WeakReference<Object: AnyObject> {
  weak var object: Object?

  init(_ object: Object) { self.object = object }
}
