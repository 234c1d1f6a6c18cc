import Testing

@testable import FlarCore

@Suite struct TableTests {
  /// Ranks of a compressed layer set, with a ratio column at 3 decimals.
  static func ranks() throws -> Table {
    try Table(
      columns: [
        TableColumn("layer"), TableColumn("rank"), TableColumn("params"),
        TableColumn("ratio", format: .fixed(decimals: 3)),
      ],
      rows: [
        ["encoder.layer.0.attention.self.query", 96, 73728, 0.5],
        [
          "encoder.layer.0.intermediate.dense", 256, 491520, 0.8333333333333334,
        ],
        ["encoder.layer.0.output.dense", nil, 589824, 1],
      ],
      footer: ["total", nil, 1_155_072, 0.7777777777777778],
      title: "ranks at 50 % parameters",
      notes: ["note: ratio counts the compressed layers only"])
  }

  @Test func terminalFormAlignsNumbersRightAndTextLeft() throws {
    #expect(
      try Self.ranks().description == """
        ranks at 50 % parameters
        layer                                 rank   params  ratio
        ────────────────────────────────────  ────  ───────  ─────
        encoder.layer.0.attention.self.query    96    73728  0.500
        encoder.layer.0.intermediate.dense     256   491520  0.833
        encoder.layer.0.output.dense                 589824  1.000
        ────────────────────────────────────  ────  ───────  ─────
        total                                       1155072  0.778
        note: ratio counts the compressed layers only
        """)
  }

  @Test func longCellsAreShortenedInTheMiddle() throws {
    let t = try Table(
      columnNames: ["name"], rows: [["abcdefghijklmnopqrstuvwxyz"]])
    #expect(t.rendered(maximumCellWidth: 10) == "name\n──────────\nabcde…wxyz")
  }

  @Test func rowOfWrongWidthIsRefusedWithItsIndex() throws {
    var t = try Table(columnNames: ["a", "b"])
    try t.append([1, 2])
    #expect(throws: TableError.rowWidthMismatch(row: 1, cells: 1, columns: 2)) {
      try t.append([3])
    }
    #expect(
      TableError.rowWidthMismatch(row: 1, cells: 1, columns: 2).description
        == "row 1 has 1 cells but the table has 2 columns")
  }

  @Test func footerOfWrongWidthIsRefused() throws {
    var t = try Table(columnNames: ["a", "b"])
    #expect(throws: TableError.footerWidthMismatch(cells: 3, columns: 2)) {
      try t.setFooter([1, 2, 3])
    }
  }

  @Test func columnNamesMustBeDistinctAndPresent() {
    #expect(throws: TableError.duplicateColumn(name: "rank")) {
      try Table(columnNames: ["rank", "rank"])
    }
    #expect(throws: TableError.noColumns) { try Table(columnNames: []) }
    #expect(
      TableError.duplicateColumn(name: "rank").description
        == "column \"rank\" appears twice; column names must be distinct")
  }

  @Test func columnLookupByName() throws {
    #expect(try Self.ranks().column(named: "rank") == [96, 256, nil])
    #expect(try Self.ranks().column(named: "nope") == nil)
  }
}

@Suite struct TableWidthTests {
  @Test func wideTableShrinksItsTextColumnsToFit() throws {
    let text = try TableTests.ranks().rendered(width: 40)
    let lines = text.split(separator: "\n")
    #expect(
      lines.dropFirst().dropLast().allSatisfy { $0.count <= 40 },
      "\(text)")
    #expect(text.contains("encoder.l…lf.query    96    73728  0.500"))
  }

  @Test func numbersAreNeverCut() throws {
    let text = try TableTests.ranks().rendered(width: 10)
    #expect(text.contains("1155072") && text.contains("0.833"))
  }

  @Test func tableThatFitsIsUnchanged() throws {
    let t = try TableTests.ranks()
    #expect(t.rendered(width: 200) == t.description)
  }
}
