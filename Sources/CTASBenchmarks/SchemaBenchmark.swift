import CTASSchema
import Foundation

/// Crawl speed (`ctas bench schema`): CTAS's Rust scanner against Universal Ctags, and its
/// Swift scanner (swift-syntax) against the Swift compiler's own parser
/// (`swiftc -frontend -dump-parse`), each on the same files in the same run. Best of
/// `repeats` for each, as lines per second.
public enum SchemaBenchmark {
    public struct Side: Codable, Sendable {
        public var files: Int
        public var lines: Int
        public var bytes: Int
        public var types: Int
        public var seconds: Double
        public var linesPerSecond: Double
        /// The reference tool on the same files, when it is installed.
        public var reference: String?
        public var referenceSeconds: Double?
        public var referenceLinesPerSecond: Double?
        /// Reference time ÷ CTAS time (above 1: CTAS is faster).
        public var speedupOverReference: Double?
    }

    public struct Result: Codable, Sendable {
        public var path: String
        public var repeats: Int
        public var rust: Side?
        public var swift: Side?
    }

    public static func run(path: String, repeats: Int) throws -> Result {
        let runs = max(1, repeats)
        var result = Result(path: path, repeats: runs)
        for language in [SourceLanguage.rust, .swift] {
            var options = SchemaCrawler.Options()
            options.languages = [language]
            var crawl = SchemaCrawler.crawl(path, options: options)
            guard crawl.filesScanned > 0 else { continue }
            var best = crawl.seconds
            for _ in 1..<runs {
                crawl = SchemaCrawler.crawl(path, options: options)
                best = min(best, crawl.seconds)
            }
            var side = Side(files: crawl.filesScanned, lines: crawl.lines, bytes: crawl.bytes, types: crawl.types.count,
                            seconds: rounded(best), linesPerSecond: (Double(crawl.lines) / max(best, 1e-9)).rounded())
            let reference: (String, () throws -> Void)? = switch language {
            case .rust: BenchFixture.executable(named: "ctags").map { ctags in
                ("Universal Ctags (\(ctags) -R --languages=Rust --sort=no)", { try quietly(ctags, ["-R", "--languages=Rust", "--fields=+n", "--sort=no", "-f", "-", path]) })
            }
            case .swift: BenchFixture.executable(named: "swiftc").map { swiftc in
                ("swiftc -frontend -dump-parse (\(swiftc))", { try dumpParse(swiftc, files: crawl.files) })
            }
            }
            if let (name, body) = reference {
                var times: [Double] = []
                for _ in 0..<runs {
                    let started = Date()
                    try body()
                    times.append(Date().timeIntervalSince(started))
                }
                let t = times.min() ?? 0
                side.reference = name
                side.referenceSeconds = rounded(t)
                side.referenceLinesPerSecond = (Double(crawl.lines) / max(t, 1e-9)).rounded()
                side.speedupOverReference = (t / max(best, 1e-9) * 100).rounded() / 100
            }
            if language == .rust { result.rust = side } else { result.swift = side }
        }
        return result
    }

    static func rounded(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }

    /// Runs a program to completion, its output read and discarded (the reference's work
    /// includes writing it).
    static func quietly(_ program: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        _ = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
    }

    /// The compiler's parser over `files`, 200 primary files per invocation.
    static func dumpParse(_ swiftc: String, files: [String]) throws {
        var start = 0
        while start < files.count {
            let batch = files[start..<min(files.count, start + 200)]
            start += batch.count
            try quietly(swiftc, ["-frontend", "-dump-parse"] + batch.flatMap { ["-primary-file", $0] })
        }
    }
}
