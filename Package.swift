// swift-tools-version: 6.0
// CTAS — Convergent Threat Analysis System. Module arrows point down the table in
// ../shared/docs/DESIGN.md: model and analysis never know SQLite or the screen.
import PackageDescription

let package = Package(
    name: "ctas",
    products: [
        .executable(name: "ctas", targets: ["ctas"]),
        // The H3 grid on its own, for other Swift projects (no dependencies).
        .library(name: "H3", targets: ["H3"]),
        // The libraries the fuzz targets (Fuzz/) link; CTAS itself is used through `ctas`.
        .library(name: "CTASCore", targets: ["CTASCore"]),
        .library(name: "CTASFeeds", targets: ["CTASFeeds"]),
        .library(name: "CTASStore", targets: ["CTASStore"]),
        .library(name: "CTASConsole", targets: ["CTASConsole"]),
        .library(name: "CTASEngine", targets: ["CTASEngine"]),
        .library(name: "CTASGeoIP", targets: ["CTASGeoIP"]),
        .library(name: "CTASIntel", targets: ["CTASIntel"]),
        .library(name: "CTASBehaviour", targets: ["CTASBehaviour"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", exact: "1.6.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", exact: "0.2.0"),
        // Swift's own parser, for `ctas schema` reading Swift sources.
        .package(url: "https://github.com/swiftlang/swift-syntax", exact: "603.0.1"),
        // Property-based tests (generators and shrinking on Swift Testing), tests only.
        .package(url: "https://github.com/x-sheep/swift-property-based", exact: "2.0.1"),
    ],
    targets: [
        // The H3 hexagonal grid in pure Swift (no dependencies; usable on its own).
        .target(name: "H3", exclude: ["Generator", "NOTICE"]),

        // The model and pure analysis.
        .target(name: "CTASCore", dependencies: ["H3"], exclude: ["Generator"]),

        // zlib as a system library (gzip-compressed logs are read directly).
        .systemLibrary(name: "CZlib"),

        // Sources, format parsers (native NDJSON and CSV, Suricata EVE, Zeek TSV and JSON) and
        // the feed generator.
        .target(
            name: "CTASFeeds",
            dependencies: ["H3", "CTASCore", "CZlib"]
        ),

        // System SQLite, with a shim for the macros that do not import.
        .systemLibrary(name: "CSQLite"),

        // Tiers (hot memory, warm SQLite), the tier router and its rules, retention.
        .target(
            name: "CTASStore",
            dependencies: [
                "H3", "CTASCore",
                "CSQLite",
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),

        // MaxMind DB reader (GeoLite2, GeoIP2, DB-IP) in pure Swift, and the address → place
        // lookups that geolocate events.
        .target(name: "CTASGeoIP", dependencies: ["CTASCore"]),

        // Threat intelligence: MISP events and feeds, STIX 2.1 bundles and patterns, decay.
        .target(name: "CTASIntel", dependencies: ["H3", "CTASCore", "CTASFeeds", "CTASStore"]),

        // Behaviour: per-entity rate anomalies (seasonal hybrid ESD) and rare behaviour.
        .target(name: "CTASBehaviour", dependencies: ["CTASCore", "CTASStore"]),

        // Actors that wire feeds → analysis → store; metrics and snapshots.
        .target(
            name: "CTASEngine",
            dependencies: [
                "H3", "CTASCore", "CTASFeeds", "CTASStore", "CTASGeoIP", "CTASIntel", "CTASBehaviour",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),

        // ncurses (wide) as a system library, with a shim for its macros and globals.
        .systemLibrary(name: "CNCurses"),

        // The terminal console: screen buffer, panes, themes, keymap, app loop.
        .target(
            name: "CTASConsole",
            dependencies: ["H3", "CTASCore", "CTASEngine", "CNCurses"],
            exclude: ["Generator"]
        ),

        // The schema crawler: reads Rust (own scanner) and Swift (swift-syntax) sources, finds
        // data structures, recommends tiers, emits schemas.
        .target(
            name: "CTASSchema",
            dependencies: [
                .product(name: "SwiftParser", package: "swift-syntax"),
                .product(name: "SwiftSyntax", package: "swift-syntax"),
                .product(name: "SwiftParserDiagnostics", package: "swift-syntax"),
            ]
        ),

        // `ctas bench …`: every benchmark, with the fixtures they share. Only the executable
        // depends on it, so no library ships measuring code.
        .target(
            name: "CTASBenchmarks",
            dependencies: ["H3", "CTASCore", "CTASFeeds", "CTASStore", "CTASEngine", "CTASConsole", "CTASSchema", "CTASGeoIP", "CNCurses"]
        ),

        // The executable: argument parsing and wiring only.
        .executableTarget(
            name: "ctas",
            dependencies: [
                "H3", "CTASCore", "CTASFeeds", "CTASStore", "CTASEngine", "CTASGeoIP", "CTASIntel", "CTASBehaviour", "CTASConsole", "CTASSchema", "CTASBenchmarks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Helpers shared by the test targets.
        .target(name: "CTASTestSupport", path: "Tests/CTASTestSupport"),
        .testTarget(name: "H3Tests", dependencies: ["H3", "CTASTestSupport"], exclude: ["Oracle", "Vectors"]),
        .testTarget(name: "CTASCoreTests", dependencies: ["CTASCore", "H3", "CTASTestSupport",
                                                          .product(name: "PropertyBased", package: "swift-property-based")],
                    exclude: ["Corpus", "Oracle"]),
        .testTarget(name: "CTASFeedsTests", dependencies: ["CTASFeeds", "CTASCore", "CTASTestSupport"]),
        .testTarget(name: "CTASStoreTests", dependencies: ["CTASStore", "CTASCore", "H3", "CTASTestSupport",
                                                           .product(name: "PropertyBased", package: "swift-property-based")]),
        .testTarget(name: "CTASConsoleTests", dependencies: ["CTASConsole", "CTASEngine", "CTASFeeds", "CTASStore", "CTASCore", "H3", "CTASTestSupport", "CNCurses"],
                    exclude: ["Golden"]),
        .testTarget(name: "CTASSchemaTests", dependencies: ["CTASSchema", "CTASTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "CTASEngineTests", dependencies: ["CTASEngine", "CTASFeeds", "CTASStore", "CTASCore", "CTASIntel", "CTASBehaviour", "H3", "CTASTestSupport"]),
        // The project's own rules: the manifest declares what the code imports, arrows point down.
        .testTarget(name: "CTASIntelTests", dependencies: ["CTASIntel", "CTASCore", "CTASFeeds", "CTASStore", "CTASTestSupport"]),
        .testTarget(name: "CTASBehaviourTests", dependencies: ["CTASBehaviour", "CTASCore", "CTASStore", "CTASTestSupport"], exclude: ["Oracle"]),
        .testTarget(name: "CTASGeoIPTests", dependencies: ["CTASGeoIP", "CTASCore", "CTASTestSupport"], exclude: ["Oracle"]),
        .testTarget(name: "CTASProjectTests", dependencies: ["CTASTestSupport"]),
        // Drives the real `ctas` binary (kill -9, CLI contracts); depends on it so it is built.
        .testTarget(
            name: "CTASEndToEndTests",
            dependencies: ["ctas", "CTASStore", "CTASFeeds", "CTASCore", "H3", "CTASTestSupport", "CNCurses"],
            exclude: ["Oracle"]
        ),
    ]
)
