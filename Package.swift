// swift-tools-version:6.1
import PackageDescription

// Module graph (see README "Architecture"):
//   BridCore     — the domain with no I/O: periods, exact values, series keys, payloads,
//                  ingest semantics, the configuration model and its TOML reader.
//   BridFormats  — format readers: bytes in, raw records out (pure).
//   BridStore    — the SQLite vintage store behind one façade.
//   BridRuntime  — I/O around the core: config files, drop folders, logging, hashing.
//   brid         — the executable, a thin shell over BridRuntime.
let package = Package(
    name: "brid",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "brid", targets: ["brid"]),
        .executable(name: "brid-bench", targets: ["brid-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "BridCore"),
        .target(name: "BridFormats", dependencies: ["BridCore"]),
        .target(name: "BridStore", dependencies: ["BridCore", "CSQLite"]),
        .target(
            name: "BridRuntime",
            dependencies: [
                "BridCore", "BridFormats", "BridStore", "CLibCrypto",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "brid",
            dependencies: [
                "BridRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "brid-bench", dependencies: ["BridCore", "BridFormats", "BridStore", "BridRuntime"]),
        .testTarget(name: "BridCoreTests", dependencies: ["BridCore"]),
        .testTarget(name: "BridFormatsTests", dependencies: ["BridFormats"], exclude: ["Fixtures"]),
        .testTarget(name: "BridStoreTests", dependencies: ["BridStore"]),
        .testTarget(name: "BridRuntimeTests", dependencies: ["BridRuntime"]),
        .testTarget(name: "BridEndToEndTests", dependencies: ["BridRuntime"]),
    ],
    swiftLanguageModes: [.v6]
)
