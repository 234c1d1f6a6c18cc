import FlarLinAlg
import Foundation
import TestSupport
import Testing

@testable import FlarCore

@Suite struct TableExportTests {
  static func tricky() throws -> Table {
    try Table(
      columns: [
        TableColumn("name"), TableColumn("value", format: .fixed(decimals: 2)),
      ],
      rows: [
        ["plain", 1],
        ["a, b", 0.1],
        ["say \"hi\"", nil],
        ["two\nlines", .number(.nan)],
        ["pipe | here", 1e-5],
      ])
  }

  @Test func csvQuotesPerRFC4180AndKeepsFullPrecision() throws {
    #expect(
      try Self.tricky().csv
        == "name,value\r\nplain,1\r\n\"a, b\",0.1\r\n\"say \"\"hi\"\"\",\r\n\"two\nlines\",nan\r\npipe | here,1e-05\r\n"
    )
  }

  @Test func csvLeavesFooterTitleAndNotesOut() throws {
    let csv = try TableTests.ranks().csv
    #expect(csv.hasPrefix("layer,rank,params,ratio\r\n"))
    #expect(!csv.contains("total") && !csv.contains("note"))
    #expect(
      csv.contains(
        "encoder.layer.0.intermediate.dense,256,491520,0.8333333333333334\r\n"))
  }

  @Test func jsonIsAnArrayOfTypedObjects() throws {
    let json = try Self.tricky().json
    let parsed =
      try JSONSerialization.jsonObject(with: Data(json.utf8))
      as? [[String: Any]]
    let rows = try #require(parsed)
    #expect(rows.count == 5)
    #expect(rows[0]["name"] as? String == "plain")
    #expect(rows[1]["value"] as? Double == 0.1)
    #expect(rows[2]["value"] is NSNull)
    #expect(rows[3]["value"] is NSNull, "NaN has no JSON form")
    #expect(rows[3]["name"] as? String == "two\nlines")
    #expect(json.contains("{\"name\": \"plain\", \"value\": 1}"))
  }

  @Test func jsonWithManifestStoresItBesideTheRows() throws {
    var t = try TableTests.ranks()
    t.manifest = [
      "method": .string("flar"), "seed": .number(0), "target": .number(0.5),
      "options": .object(["shrink": .string("lw"), "per_batch": .bool(false)]),
      "flar": .string(flarVersion),
    ]
    let object =
      try JSONSerialization.jsonObject(with: Data(t.json.utf8))
      as? [String: Any]
    let manifest = try #require(object?["manifest"] as? [String: Any])
    #expect(manifest["method"] as? String == "flar")
    #expect(
      (manifest["options"] as? [String: Any])?["per_batch"] as? Bool == false)
    let rows = try #require(object?["rows"] as? [[String: Any]])
    #expect(rows.count == 3)
    #expect(rows[0]["rank"] as? Int == 96)
    #expect(rows[2]["rank"] is NSNull)
  }

  @Test func markdownEscapesPipesAndAlignsNumbers() throws {
    var t = try Self.tricky()
    t.title = "x | y"
    #expect(
      t.markdown == """
        **x \\| y**

        | name | value |
        | --- | ---: |
        | plain | 1.00 |
        | a, b | 0.10 |
        | say "hi" |  |
        | two<br>lines | nan |
        | pipe \\| here | 0.00 |

        """)
  }

  @Test func markdownKeepsFooterNotesAndManifest() throws {
    var t = try TableTests.ranks()
    t.manifest = ["seed": .number(0)]
    let md = t.markdown
    #expect(md.contains("| **total** |  | **1155072** | **0.778** |"))
    #expect(md.contains("\nnote: ratio counts the compressed layers only\n"))
    #expect(md.hasSuffix("manifest:\n\n```json\n{\n  \"seed\": 0\n}\n```\n"))
  }

  @Test func exportPicksTheFormatByExtension() throws {
    let t = try TableTests.ranks()
    try TestSupport.withTemporaryDirectory { dir in
      for (name, expected) in [
        ("r.csv", t.csv), ("r.json", t.json), ("r.md", t.markdown),
        ("R.MD", t.markdown),
      ] {
        let written = try export(t, to: "\(dir)/\(name)")
        #expect(written == ["\(dir)/\(name)"])
        #expect(
          String(decoding: try AtomicFile.read("\(dir)/\(name)"), as: UTF8.self)
            == expected)
      }
      let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir)
        .filter { $0.contains(".tmp-") }
      #expect(leftovers.isEmpty)
    }
  }

  @Test func csvWithManifestGetsASidecar() throws {
    var t = try TableTests.ranks()
    t.manifest = ["method": .string("flar")]
    try TestSupport.withTemporaryDirectory { dir in
      let written = try export(t, to: "\(dir)/ranks.csv")
      #expect(written == ["\(dir)/ranks.csv", "\(dir)/ranks.manifest.json"])
      let sidecar = String(
        decoding: try AtomicFile.read("\(dir)/ranks.manifest.json"),
        as: UTF8.self)
      #expect(sidecar == "{\n  \"method\": \"flar\"\n}\n")
    }
  }

  @Test func unknownExtensionIsRefusedClearly() throws {
    let t = try TableTests.ranks()
    #expect(
      throws: TableError.unknownExtension(path: "out/r.xlsx", extension: "xlsx")
    ) {
      try export(t, to: "out/r.xlsx")
    }
    #expect(
      TableError.unknownExtension(path: "out/r.xlsx", extension: "xlsx")
        .description
        == "cannot export table to \"out/r.xlsx\": unknown extension \".xlsx\" (expected .csv, .json or .md)"
    )
    #expect(
      TableError.unknownExtension(path: "table", extension: "").description
        == "cannot export table to \"table\": no extension (expected .csv, .json or .md)"
    )
    #expect(
      throws: TableError.unknownExtension(path: "out.d/table", extension: "")
    ) {
      try export(t, to: "out.d/table")
    }
  }

  @Test func missingDirectoryIsAFileError() throws {
    #expect(throws: FileError.self) {
      try export(TableTests.ranks(), to: "/nonexistent-flar-dir/r.csv")
    }
  }
}
