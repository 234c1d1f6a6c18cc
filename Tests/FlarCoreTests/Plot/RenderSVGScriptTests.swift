import FlarLinAlg
import Foundation
import TestSupport
import Testing

@testable import FlarCore

/// Renders SVG plots to PNG through `scripts/render-svg.sh` and Chromium.
///
/// Skipped, with the reason printed, where Chromium is missing.
@Suite struct RenderSVGScriptTests {
  static let browser: String? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
      for name in [
        "chromium", "chromium-browser", "chromium-headless-shell",
        "google-chrome",
      ] {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) {
          return candidate
        }
      }
    }
    return nil
  }()

  /// Runs the script and returns its exit status and combined output.
  func renderScript(_ arguments: [String], path: String? = nil) throws -> (
    Int32, String
  ) {
    let process = Process()
    if let path { process.environment = ["PATH": path] }
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments =
      [
        TestSupport.repositoryRoot.appendingPathComponent(
          "scripts/render-svg.sh"
        ).path
      ] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
  }

  /// The width and height in a PNG's IHDR chunk (bytes 16–23, big-endian).
  func pngSize(_ bytes: [UInt8]) -> (Int, Int)? {
    guard bytes.count >= 24,
      bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    else {
      return nil
    }
    func int(_ at: Int) -> Int {
      bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) }
    }
    return (int(16), int(20))
  }

  @Test(
    .enabled(
      if: browser != nil,
      "chromium is not installed (apt-get install -y --no-install-recommends chromium)"
    ))
  func spectrumAndTwoSeriesRenderToPNGOfTheSVGSize() throws {
    try TestSupport.withTemporaryDirectory { dir in
      let plots = [
        ("spectrum", TerminalPlotTests.spectrumSpec, 640, 400),
        ("curves", TerminalPlotTests.twoSeriesSpec, 500, 300),
      ]
      for (name, spec, width, height) in plots {
        let svg = "\(dir)/\(name).svg"
        try AtomicFileWriter.write(
          try SVGPlot.render(spec, width: width, height: height), to: svg)
        let (status, output) = try renderScript([svg, "\(dir)/\(name).png"])
        #expect(status == 0, "render-svg.sh failed: \(output)")
        let png = try [UInt8](
          Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name).png")))
        let size = try #require(pngSize(png), "not a PNG")
        #expect(size == (width, height))
      }
    }
  }

  @Test func missingChromiumSaysHowToInstallIt() throws {
    try TestSupport.withTemporaryDirectory { dir in
      let svg = "\(dir)/p.svg"
      try AtomicFileWriter.write(
        try SVGPlot.render(TerminalPlotTests.twoSeriesSpec), to: svg)
      let (status, output) = try renderScript([svg], path: "/nonexistent")
      #expect(status == 2)
      #expect(
        output.contains(
          "apt-get install -y --no-install-recommends chromium"))
    }
  }

  @Test func missingFileIsReported() throws {
    let (status, output) = try renderScript(["/nonexistent/plot.svg"])
    #expect(status == 1)
    #expect(output.contains("no such file: /nonexistent/plot.svg"))
  }
}

/// Writes test files through flar's own atomic writer.
enum AtomicFileWriter {
  static func write(_ text: String, to path: String) throws {
    try FlarLinAlg.AtomicFile.write(Array(text.utf8), to: path)
  }
}
