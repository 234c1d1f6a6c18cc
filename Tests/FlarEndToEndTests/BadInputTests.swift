import Foundation
import TestSupport
import Testing

/// One bad input of Tests/Fixtures/bad-inputs/cases.txt.
struct BadInput: CustomTestStringConvertible, Sendable {
  var area: String
  var source: String
  var fragment: String
  var line: Int

  var testDescription: String { "\(area): \(source)" }

  /// The cases, in file order; `#` lines and blank lines are comments.
  static func all() throws -> [BadInput] {
    let path = TestSupport.fixture("bad-inputs/cases.txt")
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var cases: [BadInput] = []
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
    {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
      let fields = trimmed.components(separatedBy: " | ")
      guard fields.count == 3 else {
        Issue.record("cases.txt:\(index + 1): expected AREA | SOURCE | FRAGMENT")
        continue
      }
      cases.append(
        BadInput(area: fields[0], source: fields[1], fragment: fields[2], line: index + 1))
    }
    return cases
  }

  /// The prelude binding `B` and `T` as cases.txt's header describes.
  static let prelude =
    "B = \"Tests/Fixtures/bad-inputs\"; T = \"Tests/Fixtures/models/tiny\"; "
}

/// Every bad input ends in an error message that names what is wrong (the
/// fragment: the file, the value, the argument or the fix), with exit status
/// 1 and no crash; RELIABILITY.md's table shows the same cases with the
/// messages flar prints.
@Suite struct BadInputTests {
  @Test func theTableHasAtLeastSixtyCases() throws {
    #expect(try BadInput.all().count >= 60)
  }

  @Test(arguments: try BadInput.all())
  func aBadInputIsAClearError(_ input: BadInput) throws {
    let result = try runFlar(
      arguments: ["--quiet", "-e", BadInput.prelude + input.source], timeout: 120)
    #expect(result.status == 1, "cases.txt:\(input.line): \(result)")
    #expect(result.stderr.contains("error:"), "cases.txt:\(input.line): \(result)")
    #expect(
      result.stderr.contains(input.fragment),
      "cases.txt:\(input.line): \"\(input.fragment)\" not in the message\n\(result)")
  }
}
