import ArgumentParser
import CTASEngine
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark end-to-end ingest into the warm tier and print JSON.",
        discussion: """
            Generates a feed, ingests it into a fresh data directory, and in the same run times raw SQLite
            inserts of the same rows (one prepared statement, with and without the warm tier's indexes) as a
            reference. Prints events/s, per-stage p50/p99, end-to-end latency, peak RSS and the ratios.
            """)

    @Option(help: "Events to generate and ingest.")
    var events: Int = 1_000_000

    @Option(help: "Generator seed.")
    var seed: UInt64 = 7

    @Option(help: "Scratch directory (removed first; default: a temporary directory).")
    var directory: String?

    @Flag(help: "Skip the raw SQLite reference runs.")
    var noReference = false

    @Flag(help: "Keep the scratch directory afterwards.")
    var keep = false

    func validate() throws {
        guard events > 0 else { throw ValidationError("--events must be positive") }
    }

    func run() throws {
        let dir = directory ?? NSTemporaryDirectory() + "ctas-bench-\(getpid())"
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let result = try IngestBenchmark.run(events: events, seed: seed, directory: dir, executable: executable,
                                             reference: !noReference)
        if !keep { try? FileManager.default.removeItem(atPath: dir) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
    }
}
