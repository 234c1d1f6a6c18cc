import Synchronization
import Testing

@testable import FlarLinAlg

/// `BLASThreads.split`: pieces on threads of their own with OpenBLAS at one
/// thread, results in order, the first piece's error, the user's count kept.
@Suite struct BLASSplitTests {
  enum PieceError: Error, Equatable { case failed(Int) }

  @Test func resultsComeBackInPieceOrder() throws {
    #expect(try BLASThreads.split(5) { $0 * $0 } == [0, 1, 4, 9, 16])
    #expect(try BLASThreads.split(1) { $0 + 7 } == [7])
  }

  /// Inside a split OpenBLAS runs with one thread while `current` still
  /// reports the user's count; a product there gives the numbers it gives
  /// anywhere.
  @Test func openBLASRunsSingleThreadedInsideAndTheUsersCountIsKept() throws {
    let user = BLASThreads.current
    let a = Matrix<Float>(rows: 64, columns: 48, storage: (0..<3072).map { Float($0 % 11) - 5 })
    let b = Matrix<Float>(rows: 48, columns: 40, storage: (0..<1920).map { Float($0 % 7) - 3 })
    let product = try a.matmul(b)
    let seen = try BLASThreads.split(3) { _ in
      (BLASThreads.effective, BLASThreads.current, try a.matmul(b))
    }
    #expect(seen.map(\.0) == [1, 1, 1])
    #expect(seen.map(\.1) == [user, user, user])
    #expect(seen.allSatisfy { $0.2 == product })
  }

  /// Every piece runs to its end; the error of the lowest failing piece is
  /// the one thrown.
  @Test func theFirstFailingPiecesErrorIsThrownAfterAllPiecesRan() {
    let ran = Atomic<Int>(0)
    #expect(throws: PieceError.failed(1)) {
      _ = try BLASThreads.split(4) { i in
        ran.add(1, ordering: .relaxed)
        if i == 1 || i == 3 { throw PieceError.failed(i) }
        return i
      }
    }
    #expect(ran.load(ordering: .relaxed) == 4)
  }
}
