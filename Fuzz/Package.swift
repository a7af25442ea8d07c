// swift-tools-version: 6.0
// CTAS's fuzz targets: one libFuzzer binary that fuzzes every parser of outside bytes
// (`CTAS_FUZZ_TARGET` picks which). Built with `swift build --sanitize=fuzzer --sanitize=address`
// by Fuzz/run.sh; kept apart from the product so no library carries fuzzing code.
import PackageDescription

let package = Package(
    name: "ctas-fuzz",
    dependencies: [.package(name: "ctas", path: "..")],
    targets: [
        .executableTarget(
            name: "ctas-fuzz",
            dependencies: [
                .product(name: "CTASFeeds", package: "ctas"),
                .product(name: "CTASCore", package: "ctas"),
                .product(name: "CTASStore", package: "ctas"),
                .product(name: "CTASConsole", package: "ctas"),
                .product(name: "CTASEngine", package: "ctas"),
                .product(name: "CTASGeoIP", package: "ctas"),
                .product(name: "CTASIntel", package: "ctas"),
                .product(name: "CTASBehaviour", package: "ctas"),
            ],
            // libFuzzer provides `main`; the target only defines LLVMFuzzerTestOneInput.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ]
)
