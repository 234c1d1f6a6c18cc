import Testing

@testable import FlarScript

/// Reference cycles among closures, lists and records are freed between
/// top-level statements, and nothing that is still reachable is touched.
@Suite struct CycleCollectorTests {
  func session() -> (Session, () -> String) {
    final class Buffer { var text = "" }
    let buffer = Buffer()
    return (Session(output: { buffer.text += $0 }), { buffer.text })
  }

  static let counter = """
    def counter()
      n = 0
      def inc()
        n = n + 1
        return n
      end
      return inc
    end
    """

  /// Each `counter()` call leaves its scope and `inc` holding each other;
  /// without the collector a thousand calls leave a thousand scopes alive.
  @Test func closuresThatNothingHoldsAreFreed() throws {
    let (s, output) = session()
    try s.run(source: Self.counter)
    try s.run(source: "for i in 0:1000 do c = counter(); c() end")
    // Only the scope of the last call is still reachable (through `c`).
    #expect(s.interpreter.cycles.liveCandidateCount == 1)
    #expect(s.interpreter.cycles.emptiedCount == 999)
    try s.run(source: "print(c()); c = nil; print(1)")
    #expect(s.interpreter.cycles.liveCandidateCount == 0)
    #expect(output() == "2\n1\n")
  }

  /// Closures still reachable keep working across many collections: held by
  /// a global, inside a list, through a scope above their own.
  @Test func reachableClosuresKeepTheirScopes() throws {
    let (s, output) = session()
    try s.run(source: Self.counter)
    try s.run(
      source: """
        c = counter()
        fs = [counter(), counter()]
        def outer()
          def make()
            def get()
              return k
            end
            return get
          end
          k = 41
          g = make()
          k = k + 1
          return g
        end
        h = outer()
        for i in 0:50 do x = counter(); x() end
        c(); c()
        fs[1](); fs[1](); fs[1]()
        print(c(), fs[0](), fs[1](), h())
        """)
    try s.run(source: "print(c(), h())")
    #expect(output() == "3 1 4 42\n4 42\n")
  }

  /// A list or record stored into itself is freed once no name reaches it.
  @Test func selfReferentialListsAndRecordsAreFreed() throws {
    let (s, _) = session()
    try s.run(source: "a = [1]; a[0] = a; b = [2]; append(b, b); r = {x: 1}; r.me = r")
    weak var a: ListBox?
    weak var b: ListBox?
    weak var r: RecordBox?
    do {
      guard case .list(let boxA) = s.interpreter.global("a"),
        case .list(let boxB) = s.interpreter.global("b"),
        case .record(let boxR) = s.interpreter.global("r")
      else {
        Issue.record("a, b and r are not a list, a list and a record")
        return
      }
      a = boxA
      b = boxB
      r = boxR
    }
    #expect(a != nil && b != nil && r != nil)
    try s.run(source: "a = nil")
    #expect(a == nil)
    #expect(b != nil && r != nil)
    try s.run(source: "b = 0; r = 0")
    #expect(b == nil && r == nil)
  }

  /// A cycle through a list and a record, reached only by the statement's
  /// value, survives the collection that follows the statement.
  @Test func theStatementsValueIsARoot() throws {
    let (s, _) = session()
    // The session is kept alive to the end: when it ends, the cycles of its
    // values are emptied too (a session's values do not outlive it).
    try withExtendedLifetime(s) {
      let source = "def pair()\n  l = [0]\n  r = {l: l}\n  l[0] = r\n  return l\nend\npair()"
      let value = try s.interpreter.execute(try s.parse(source, fileName: "pair.flar"))
      guard case .list(let box)? = value, case .record(let record) = box.elements.first else {
        Issue.record("pair() did not return a list holding a record: \(String(describing: value))")
        return
      }
      #expect(record["l"] != nil)
    }
  }

  /// An error in the middle of a statement leaves garbage that the same
  /// statement's collection frees; the session goes on.
  @Test func garbageOfAFailedStatementIsFreed() throws {
    let (s, output) = session()
    try s.run(source: Self.counter)
    // The loop fails at its last iteration, after dropping the last name
    // that reached a closure: the statement ends in an error, and its ten
    // closures' scopes are garbage.
    #expect(throws: ScriptError.self) {
      try s.run(
        source: "for i in 0:10 do d = counter(); d(); if i == 9 then d = nil; z = [1][5] end end")
    }
    #expect(s.interpreter.cycles.liveCandidateCount == 0)
    try s.run(source: "d = counter(); print(d())")
    #expect(output() == "1\n")
  }
}
