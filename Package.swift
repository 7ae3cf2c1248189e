// swift-tools-version:6.1
import PackageDescription

// Module graph (see README "Architecture"):
//   BridCore     — the domain with no I/O: periods, exact values, series keys, payloads,
//                  ingest semantics, schedules, the configuration model and its TOML reader,
//                  and the incremental SHA-256 of payloads (libcrypto, CLibCrypto).
//   BridFormats  — format readers: bytes in, raw records out (pure); zip archives read
//                  in memory with zlib (CZlib).
//   BridStore    — the SQLite vintage store behind one façade.
//   BridPostgres — PostgreSQL through libpq (CLibPQ): PGConnection, COPY, prepared statements.
//   BridFetch    — HTTP fetching (and posting, for notifiers) with libcurl (CCurl), request
//                  headers resolved from env/files; bodies spooled to an unnamed temporary
//                  file (CLinux) and hashed as they arrive.
//   BridRuntime  — I/O around the core: config files, drop folders, inotify, logging,
//                  hashing, systemd's notify and socket-activation protocols, external commands,
//                  gzip payloads and zip members inflated (zlib, CZlib) and other encodings
//                  transcoded into spools.
//   BridHTTP     — the optional read-only HTTP listener (Hummingbird 2): the FRED-compatible
//                  API, Prometheus metrics (swift-metrics, swift-prometheus), server-rendered
//                  pages with SVG charts (HTML written by Swift functions: no template engine,
//                  since swift-mustache uses Foundation proper and linked it back into brid).
//   BridDaemon   — the long-running services (scheduler, drop watcher, reload) in one
//                  ServiceGroup, built by one function that tests call too.
//   BridProtocol — the control protocol (envelope, every command and its reply), FoundationEssentials only.
//   brid         — the executable, a thin shell over BridRuntime and BridDaemon.
//   brictl       — the control CLI: BridProtocol, a blocking Unix-socket client, argument-parser.
// Release links of the two shipped binaries on Linux: GNU ld (gold, the default, has no
// packed relocations; lld pulls all of Foundation out of the static archives) with packed
// relative relocations (DT_RELR, glibc ≥ 2.36): the 2 MB table of relocations a
// position-independent static-stdlib binary otherwise reads at every start shrinks to
// 10 KB (README "Benchmarks → Daemon").
let releaseLinking: [LinkerSetting] = [
    .unsafeFlags(["-use-ld=bfd", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"], .when(platforms: [.linux], configuration: .release)),
]
// brid's release link exports no symbols (Sources/brid/exports.map): SwiftPM exports every
// public symbol of an executable (25,700 for brid with the HTTP listener's packages), and
// the dynamic loader searches — and pages in — that table for each symbol it resolves.
let bridReleaseLinking: [LinkerSetting] = releaseLinking + [
    .unsafeFlags(["-Xlinker", "--version-script=\(Context.packageDirectory)/Sources/brid/exports.map"], .when(platforms: [.linux], configuration: .release)),
]
// brictl's release build is linked fully statically (glibc too): no dynamic loader
// relocating libc and libstdc++ at every start, which was a third of its start-up time.
let brictlReleaseLinking: [LinkerSetting] = releaseLinking + [
    .unsafeFlags(["-static-executable"], .when(platforms: [.linux], configuration: .release)),
]

let package = Package(
    name: "brid",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "brid", targets: ["brid"]),
        .executable(name: "brid-bench", targets: ["brid-bench"]),
        .executable(name: "brictl", targets: ["brictl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The optional read-only HTTP listener ([http], README "The HTTP listener"): HTTP/1.1
        // parsing and routing (Hummingbird 2 on SwiftNIO), the metrics API and its Prometheus
        // exposition.
        // Without its default traits: no full Foundation (FoundationEssentials only), no
        // swift-configuration.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CLinux"),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // The version, shared by everything including brictl (which must stay lean).
        .target(name: "BridInfo"),
        .target(name: "BridCore", dependencies: ["BridInfo", "CLibCrypto"]),
        .target(name: "BridFormats", dependencies: ["BridCore", "CZlib"]),
        .target(name: "BridStore", dependencies: ["BridCore", "CSQLite", "BridPostgres"]),
        .target(name: "BridFetch", dependencies: ["BridCore", "CCurl", "CLinux"]),
        // PostgreSQL through libpq (see README "Running on PostgreSQL"); never linked by brictl.
        .target(name: "BridPostgres", dependencies: ["BridCore", "CLibPQ"]),
        .target(
            name: "BridRuntime",
            dependencies: [
                "BridCore", "BridFormats", "BridStore", "BridPostgres", "CLibCrypto", "CLinux", "CZlib",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The read-only HTTP listener: the FRED-compatible API, /metrics and the pages.
        .target(
            name: "BridHTTP",
            dependencies: [
                "BridCore", "BridStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "BridDaemon",
            dependencies: [
                "BridCore", "BridFormats", "BridStore", "BridFetch", "BridRuntime", "BridProtocol", "BridHTTP", "CLinux",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "brid",
            dependencies: [
                "BridCore", "BridRuntime", "BridDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["exports.map"],
            linkerSettings: bridReleaseLinking
        ),
        // The control protocol, shared by brid's server and brictl: FoundationEssentials
        // only (no Foundation, CoreFoundation or ICU linked), so brictl starts fast.
        .target(name: "BridProtocol", dependencies: ["BridInfo"]),
        .executableTarget(
            name: "brictl",
            dependencies: ["BridInfo", "BridProtocol", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            linkerSettings: brictlReleaseLinking
        ),
        .executableTarget(name: "brid-bench", dependencies: ["BridCore", "BridFormats", "BridStore", "BridFetch", "BridRuntime", "BridDaemon", "BridProtocol", "BridTestSupport", .product(name: "Logging", package: "swift-log")]),
        // Helpers shared by the tests and the benchmarks: socket clients, process runners.
        .target(name: "BridTestSupport", path: "Tests/BridTestSupport"),
        .testTarget(name: "BridCoreTests", dependencies: ["BridCore"]),
        .testTarget(name: "BridFormatsTests", dependencies: ["BridCore", "BridFormats", "BridFuzzing"], exclude: ["Fixtures", "FuzzRegressions"]),
        // What the fuzz targets feed to the readers, shared by `make fuzz` and the regression test.
        .target(name: "BridFuzzing", dependencies: ["BridCore", "BridFormats"], path: "Tests/BridFuzzing"),
        .testTarget(name: "BridStoreTests", dependencies: ["BridCore", "BridStore", "BridPostgres", "BridTestSupport"]),
        .testTarget(name: "BridFetchTests", dependencies: ["BridCore", "BridFetch"], exclude: ["Support/test_http_server.py"]),
        .testTarget(name: "BridRuntimeTests", dependencies: ["BridCore", "BridFormats", "BridStore", "BridRuntime", "BridTestSupport"]),
        .testTarget(name: "BridDaemonTests", dependencies: ["BridCore", "BridFormats", "BridStore", "BridFetch", "BridRuntime", "BridDaemon", "BridTestSupport"]),
        .testTarget(name: "BridPostgresTests", dependencies: ["BridCore", "BridPostgres", "BridTestSupport"]),
        .testTarget(name: "BridProtocolTests", dependencies: ["BridProtocol"]),
        // Real requests over 127.0.0.1 through libcurl (BridFetch), not HummingbirdTesting
        // (whose client would add async-http-client and BoringSSL to every build).
        .testTarget(name: "BridHTTPTests", dependencies: ["BridCore", "BridStore", "BridHTTP", "BridFetch", "BridTestSupport"]),
        .testTarget(name: "BrictlTests", dependencies: ["brictl", "BridInfo", "BridProtocol", "BridTestSupport"]),
        .testTarget(name: "BridEndToEndTests", dependencies: ["BridCore", "BridStore", "BridRuntime", "BridTestSupport"], exclude: ["Support"]),
    ],
    swiftLanguageModes: [.v6]
)

// `make fuzz` only (BRID_FUZZ=1, its own scratch path): the libFuzzer executable, so that
// the normal build and tests never compile it.
if Context.environment["BRID_FUZZ"] != nil {
    package.products.append(.executable(name: "brid-fuzz", targets: ["brid-fuzz"]))
    // lld: gold stops with an internal error on the sanitizer runtimes.
    package.targets.append(.executableTarget(name: "brid-fuzz", dependencies: ["BridFuzzing"], path: "Fuzz",
                                             linkerSettings: [.unsafeFlags(["-use-ld=lld"])]))
}
