// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "flar",
  products: [
    .executable(name: "flar", targets: ["flar"]),
    .executable(name: "flar-bench", targets: ["flar-bench"]),
    .executable(name: "flar-fuzz", targets: ["flar-fuzz"]),
  ],
  dependencies: [
    .package(
      url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    // The ONNX export's protobuf runtime only; onnx.pb.swift is generated once
    // by scripts/generate-onnx-proto.sh and committed, so no plugin runs here.
    .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
  ],
  targets: [
    // System libraries, reached through pkg-config.
    .systemLibrary(
      name: "CLinAlg", pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
    .systemLibrary(
      name: "CEditLine", pkgConfig: "libedit",
      providers: [.apt(["libedit-dev"])]),

    // The layers of design.md, bottom to top.
    .target(name: "FlarLinAlg", dependencies: ["CLinAlg"]),
    // SHA-256 on the x86 SHA extensions (FlarCore's SHA256 falls back to Swift).
    .target(name: "CSHA256"),
    .target(name: "FlarCore", dependencies: ["FlarLinAlg", "CSHA256"]),
    .target(
      name: "FlarModels",
      dependencies: [
        "FlarCore", "FlarLinAlg", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ]),
    .target(
      name: "FlarScript",
      dependencies: ["FlarModels", "FlarCore", "FlarLinAlg"]),
    .executableTarget(
      name: "flar",
      dependencies: [
        "FlarScript", "FlarModels", "FlarCore", "FlarLinAlg", "CEditLine",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "flar-bench",
      dependencies: ["FlarModels", "FlarCore", "FlarLinAlg"]),

    // Fuzz targets: replay mode in this build, libFuzzer under scripts/fuzz.sh.
    .executableTarget(
      name: "flar-fuzz",
      dependencies: ["FlarScript", "FlarModels", "FlarCore", "FlarLinAlg"],
      path: "Fuzz/flar-fuzz",
      swiftSettings: [.enableExperimentalFeature("Extern")]),

    // Tests.
    .target(
      name: "TestSupport", dependencies: ["FlarCore", "FlarLinAlg"], path: "Tests/TestSupport"),
    .testTarget(
      name: "FlarLinAlgTests", dependencies: ["FlarLinAlg", "TestSupport"]),
    .testTarget(
      name: "FlarCoreTests",
      dependencies: ["FlarCore", "FlarLinAlg", "TestSupport"]),
    .testTarget(
      name: "FlarModelsTests",
      dependencies: [
        "FlarModels", "FlarCore", "FlarLinAlg", "TestSupport",
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ]),
    .testTarget(
      name: "FlarScriptTests",
      dependencies: ["FlarScript", "FlarLinAlg", "FlarCore", "TestSupport"],
      exclude: ["Cases"]),
    .testTarget(
      name: "FlarEndToEndTests", dependencies: ["TestSupport"]),
  ]
)
