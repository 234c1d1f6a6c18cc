import Foundation
import TestSupport
import Testing

@Suite struct FixtureVersionTests {
  /// The fixtures' layout version, bumped with `FIXTURE_VERSION` in
  /// `Tests/Fixtures/generate_linalg.py`; a mismatch means re-run it.
  @Test func linalgFixturesHaveTheExpectedVersion() throws {
    let data = try Data(
      contentsOf: URL(fileURLWithPath: TestSupport.fixture("linalg/version.json")))
    let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(
      json["fixture_version"] as? Int == 1, "re-run python3 Tests/Fixtures/generate_linalg.py")
  }
}
