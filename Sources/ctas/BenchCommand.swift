import ArgumentParser
import CTASBenchmarks
import CTASConsole
import CTASEngine
import Foundation

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks, printing JSON: end-to-end ingest (the default), ingest as the store grows, the console's frame time and CPU, IOC extraction, the correlation graph, the heatmap.",
        subcommands: [IngestBench.self, GrowthBench.self, ConsoleBench.self, IocBench.self, GraphBench.self, HeatmapBench.self, SchemaBench.self, FormatsBench.self, GeoIPBench.self, IntelBench.self, AnomaliesBench.self, TestbedBench.self],
        defaultSubcommand: IngestBench.self)

    /// The running `ctas` binary: the benchmarks start it as their child process.
    static var runningExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Prints a benchmark's result as indented JSON with sorted keys (`escapingSlashes`: `/`
    /// written as `\/`, as the older benchmarks print it).
    static func printResult<Result: Encodable>(_ result: Result, escapingSlashes: Bool = false) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = escapingSlashes ? [.prettyPrinted, .sortedKeys] : [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
    }
}

struct IngestBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Benchmark end-to-end ingest into the warm tier.",
        discussion: """
            Generates a feed, ingests it into a fresh data directory with the real `ctas ingest` in a child process, \
            and in the same run times raw SQLite inserts of the same rows (one prepared statement, with and without \
            the warm tier's indexes) as a reference. Prints events/s, per-stage p50/p99, end-to-end latency, peak RSS \
            and the ratios.
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
        let executable = BenchCommand.runningExecutable
        let result = try IngestBenchmark.run(events: events, seed: seed, directory: dir, executable: executable,
                                             reference: !noReference)
        if !keep { try? FileManager.default.removeItem(atPath: dir) }
        try BenchCommand.printResult(result, escapingSlashes: true)
    }
}

struct GrowthBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "growth",
        abstract: "Benchmark ingest as the store grows: several feeds, one after another, into one data directory.",
        discussion: """
            Generates --feeds feeds of --events events each and ingests them one after another into one data \
            directory, each with the real `ctas ingest` in a child process. Prints each feed's events/s, peak RSS \
            and the store's size after it, and the last feed's rate ÷ the first's. By default each feed's events \
            follow the previous feed's in time, as a store grows in use; --overlapping gives every feed the same \
            hours (a backfill), the worst case for the time-ordered indexes. A line per feed goes to stderr as it \
            ends.
            """)

    @Option(help: "Feeds to ingest one after another.")
    var feeds: Int = 10

    @Option(help: "Events per feed.")
    var events: Int = 1_000_000

    @Option(help: "Generator seed of the first feed (the next ones add 1, 2, …).")
    var seed: UInt64 = 101

    @Flag(help: "Give every feed the same hours instead of consecutive ones.")
    var overlapping = false

    @Option(help: "Scratch directory (removed first; default: a temporary directory).")
    var directory: String?

    @Flag(help: "Keep the scratch directory (and the grown store) afterwards.")
    var keep = false

    func validate() throws {
        guard (1...1_000).contains(feeds) else { throw ValidationError("--feeds must be 1…1000") }
        guard events > 0 else { throw ValidationError("--events must be positive") }
    }

    func run() throws {
        let dir = directory ?? NSTemporaryDirectory() + "ctas-bench-growth-\(getpid())"
        let executable = BenchCommand.runningExecutable
        let result = try GrowthBenchmark.run(feeds: feeds, eventsPerFeed: events, seed: seed,
                                             timing: overlapping ? .overlapping : .consecutive, directory: dir,
                                             executable: executable) { step in
            FileHandle.standardError.write(Data(("feed \(step.feed): \(Int(step.eventsPerSecond)) events/s, "
                + "peak RSS \(step.peakResidentBytes >> 20) MB, store \(step.storeBytes >> 20) MB\n").utf8))
        }
        if !keep { try? FileManager.default.removeItem(atPath: dir) }
        try BenchCommand.printResult(result, escapingSlashes: true)
    }
}

struct ConsoleBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Benchmark the console: frame time at 80×24 and 200×60, and its CPU while replaying at max speed and paused.",
        discussion: """
            Renders a busy, changing snapshot into the screen buffer and blits it with ncurses onto a pseudo-terminal \
            (frame = render + blit), then runs the real console loop on the pseudo-terminal at 200×60 while the engine \
            replays a feed at max speed, and again paused, measuring the console thread's CPU; then the demo as `ctas` \
            opens it (at 20×), measuring the whole process's CPU and the console's own frame times.
            """)

    @Option(help: "Seconds per CPU measurement.")
    var seconds: Double = 5

    @Option(help: "Frames per size.")
    var frames: Int = 400

    @Option(help: "Scratch directory (default: a temporary directory).")
    var directory: String?

    func validate() throws {
        guard seconds > 0, frames > 10 else { throw ValidationError("--seconds must be positive and --frames above 10") }
    }

    func run() async throws {
        let dir = directory ?? NSTemporaryDirectory() + "ctas-console-bench-\(getpid())"
        let executable = BenchCommand.runningExecutable
        let environment = ProcessInfo.processInfo.environment
        let mask = LandMask.findBundled(environment: environment, executable: executable).flatMap { try? LandMask(path: $0) }
        let atlas = WorldAtlas.findBundled(environment: environment, executable: executable).flatMap { try? WorldAtlas(path: $0) }
        // The demo keeps its data directory under the scratch directory.
        var demoEnvironment = environment
        demoEnvironment["XDG_DATA_HOME"] = dir + "/demo-home"
        let result = try await ConsoleBenchmark.run(directory: dir, seconds: seconds, frames: frames, landMask: mask, atlas: atlas,
                                                    demoEnvironment: demoEnvironment, executable: executable)
        try? FileManager.default.removeItem(atPath: dir)
        try BenchCommand.printResult(result, escapingSlashes: true)
    }
}

struct IocBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ioc",
        abstract: "Benchmark indicator extraction on report-like text, against a line-count pass and regular expressions.",
        discussion: """
            The corpus is every file given (for example ../shared/data/cti/eset-malware-ioc/reports/*/README.adoc), \
            else synthetic report text; it is repeated to --megabytes. Best of five passes.
            """)

    @Argument(help: "Text files forming the corpus.")
    var files: [String] = []

    @Option(help: "Megabytes of text per pass.")
    var megabytes: Int = 64

    func validate() throws {
        guard megabytes > 0 else { throw ValidationError("--megabytes must be positive") }
    }

    func run() throws {
        var corpus: [UInt8] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { throw RuntimeError("\(file): cannot read") }
            corpus += data
            corpus.append(0x0A)
        }
        let name = files.isEmpty ? "synthetic report text" : "\(files.count) files"
        if corpus.isEmpty { corpus = ExtractionBenchmark.syntheticReport(bytes: 1 << 20) }
        let result = ExtractionBenchmark.run(corpus: corpus, name: name, targetBytes: megabytes << 20)
        try BenchCommand.printResult(result, escapingSlashes: true)
    }
}

struct GraphBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Benchmark the correlation graph: load time, 2-hop neighbor queries of busy nodes, size on disk.",
        discussion: """
            Generates a feed (with planted campaigns), ingests it with the real `ctas ingest` in a child process, loads the \
            graph read-only, and times 2-hop queries around the busiest events and the most popular indicator, against the \
            same queries on a dictionary-of-sets graph built from the same data (the reference) in the same run.
            """)

    @Option(help: "Events to generate and ingest.")
    var events: Int = 1_000_000

    @Option(help: "Generator seed.")
    var seed: UInt64 = 7

    @Option(help: "Times each query is repeated.")
    var repeats: Int = 50

    @Option(help: "Scratch directory (removed first; default: a temporary directory).")
    var directory: String?

    @Flag(help: "Skip the dictionary-of-sets reference.")
    var noReference = false

    @Flag(help: "Keep the scratch directory afterwards.")
    var keep = false

    @Flag(help: "Reuse the graph a kept --directory holds (skip generating and ingesting).")
    var reuse = false

    func validate() throws {
        if reuse && directory == nil { throw ValidationError("--reuse needs --directory") }
        guard events > 0, repeats > 0 else { throw ValidationError("--events and --repeats must be positive") }
    }

    func run() throws {
        let dir = directory ?? NSTemporaryDirectory() + "ctas-graph-bench-\(getpid())"
        let executable = BenchCommand.runningExecutable
        let result = try GraphBenchmark.run(events: events, seed: seed, directory: dir, executable: executable, repeats: repeats,
                                            reference: !noReference, reuse: reuse)
        if !keep && !reuse { try? FileManager.default.removeItem(atPath: dir) }
        try BenchCommand.printResult(result, escapingSlashes: true)
    }
}

struct HeatmapBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heatmap",
        abstract: "Benchmark the heatmap: frame time at 200x60 (steady and after a pan), hot spots, cell drill-down.",
        discussion: """
            Generates a feed, ingests it with the real `ctas ingest` in a child process, rebuilds the geo index from the warm \
            tier, computes hot spots at every display resolution, renders the heatmap at 200x60 for a world, a region and a \
            city view (steady: pixel map cached; pan: rebuilt every frame), and times the drill-down query of the busiest \
            cells against a full scan of every row's coordinates in the same run.
            """)

    @Option(help: "Events to generate and ingest.")
    var events: Int = 1_000_000

    @Option(help: "Generator seed.")
    var seed: UInt64 = 7

    @Option(help: "Times each measurement is repeated.")
    var repeats: Int = 40

    @Option(help: "Scratch directory (removed first; default: a temporary directory).")
    var directory: String?

    @Flag(help: "Keep the scratch directory afterwards.")
    var keep = false

    @Flag(help: "Reuse the data a kept --directory holds (skip generating and ingesting).")
    var reuse = false

    func validate() throws {
        if reuse && directory == nil { throw ValidationError("--reuse needs --directory") }
        guard events > 0, repeats > 0 else { throw ValidationError("--events and --repeats must be positive") }
    }

    func run() throws {
        let dir = directory ?? NSTemporaryDirectory() + "ctas-heatmap-bench-\(getpid())"
        let executable = BenchCommand.runningExecutable
        let mask = LandMask.findBundled(environment: ProcessInfo.processInfo.environment, executable: executable)
            .flatMap { try? LandMask(path: $0) }
        let atlas = WorldAtlas.findBundled(environment: ProcessInfo.processInfo.environment, executable: executable)
            .flatMap { try? WorldAtlas(path: $0) }
        let result = try HeatmapBenchmark.run(events: events, seed: seed, directory: dir, executable: executable, repeats: repeats,
                                              reuse: reuse, landMask: mask, atlas: atlas)
        if !keep && !reuse { try? FileManager.default.removeItem(atPath: dir) }
        try BenchCommand.printResult(result, escapingSlashes: true)
    }
}

struct SchemaBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Benchmark the schema crawler on a tree (lines/s): Rust against Universal Ctags, Swift against swiftc's parser, same files, same run.")

    @Argument(help: "A source tree (Rust and Swift).")
    var path: String

    @Option(help: "Runs of each (the best is reported).")
    var repeats = 3

    func validate() throws {
        guard (1...100).contains(repeats) else { throw ValidationError("--repeats must be 1–100") }
    }

    func run() throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw RuntimeError("\(path): \(String(cString: strerror(errno)))") }
        let result = try SchemaBenchmark.run(path: path, repeats: repeats)
        try BenchCommand.printResult(result)
    }
}

struct FormatsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "formats",
        abstract: "Benchmark reading each feed format (EVE, Zeek TSV and JSON, plain and gzip) against native NDJSON; ctas ingest against lnav on a Zeek dns log.",
        discussion: """
            Generates --records records of each format, reads each file as a source does (framing, gzip, parsing, mapping \
            to events; one thread, best of three rounds, the formats interleaved) and reports records/s and the ratio to native NDJSON. When lnav is \
            installed, times `ctas ingest` of a --lnav-records Zeek dns log (stored durably and correlated) against \
            `lnav -n -c ';SELECT count(*) FROM bro_dns_log'` on the same file, with both peak RSS.
            """)

    @Option(help: "Records per format.")
    var records: Int = 1_000_000

    @Option(help: "Records of the Zeek dns log for the lnav comparison (0 skips it).")
    var lnavRecords: Int = 536_000

    @Option(help: "Comma-separated formats to read beside native NDJSON (eve, zeek, zeek-json; default: all).")
    var formats: String?

    @Option(help: "Generator seed.")
    var seed: UInt64 = 7

    @Option(help: "Scratch directory (removed first; default: a temporary directory).")
    var directory: String?

    func validate() throws {
        guard (1...100_000_000).contains(records) else { throw ValidationError("--records must be 1–100000000") }
        guard (0...100_000_000).contains(lnavRecords) else { throw ValidationError("--lnav-records must be 0–100000000") }
        _ = try selectedFormats()
    }

    func selectedFormats() throws -> Set<String>? {
        guard let formats else { return nil }
        let names = Set(formats.split(separator: ",").map(String.init))
        if let unknown = names.subtracting(FormatsBenchmark.formatNames).sorted().first {
            throw ValidationError("--formats: unknown format '\(unknown)'; expected a comma-separated list of " +
                                  FormatsBenchmark.formatNames.joined(separator: ", "))
        }
        return names
    }

    func run() throws {
        let dir = directory ?? NSTemporaryDirectory() + "ctas-bench-formats-\(getpid())"
        let executable = BenchCommand.runningExecutable
        let result = try FormatsBenchmark.run(records: records, seed: seed, directory: dir, executable: executable, lnavRecords: lnavRecords,
                                                formats: try selectedFormats())
        try? FileManager.default.removeItem(atPath: dir)
        try BenchCommand.printResult(result)
    }
}

struct GeoIPBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "geoip",
        abstract: "Benchmark IP lookups against the reference reader's C extension (PyPI maxminddb) on the same addresses.",
        discussion: """
            Reports lookups/s for address → enrichment fields and address → whole record, best of three, and the \
            reference's `get` (MODE_MMAP_EXT) on the same addresses in the same run, when --python (default: the \
            repository's .venv/bin/python when present) has PyPI maxminddb. The target: faster than the C extension.
            """)

    @Option(help: "A MaxMind DB file (default: the demo's database).")
    var db: String?

    @Option(help: "Random addresses to look up.")
    var addresses: Int = 1_000_000

    @Option(help: "Seed of the addresses.")
    var seed: UInt64 = 7

    @Option(help: "Python with PyPI maxminddb installed.")
    var python: String?

    func validate() throws {
        guard (1...50_000_000).contains(addresses) else { throw ValidationError("--addresses must be 1–50000000") }
    }

    func run() throws {
        let database = db ?? FileManager.default.currentDirectoryPath + "/SampleData/geoip/ctas-demo-city.mmdb"
        let venv = FileManager.default.currentDirectoryPath + "/.venv/bin/python"
        let interpreter = python ?? (FileManager.default.isExecutableFile(atPath: venv) ? venv : nil)
        let dir = NSTemporaryDirectory() + "ctas-bench-geoip-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try GeoIPBenchmark.run(database: database, count: addresses, seed: seed, python: interpreter, directory: dir)
        try BenchCommand.printResult(result)
    }
}

struct TestbedBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "testbed",
        abstract: "Run CTAS and the Python testbed (testbed/ctas_testbed.py) on one feed: the improvement factor and every difference in their answers.",
        discussion: """
            Ingests FEED (default: --events generated events with a few malformed lines) with `ctas ingest`, runs the \
            testbed — the same pipeline written plainly in Python — on it, and compares accepted and rejected lines, \
            indicators per event, events per cell, correlation components and Gi* hot cells. Reports events/s of each \
            (wall time of each process), the factor end to end and per stage, and each check's differences with \
            examples. Exits 1 when the answers differ. The target: CTAS ≥ 10× the testbed.
            """)

    @Argument(help: "A native NDJSON feed (default: a generated one).")
    var feed: String?

    @Option(help: "Events to generate when no feed is given.")
    var events: Int = 300_000

    @Option(help: "Generator seed.")
    var seed: UInt64 = 7

    @Option(help: "H3 resolution of the cell counts and hot spots.")
    var resolution: Int = 5

    @Option(help: "Python with PyPI h3 (default: the repository's .venv/bin/python).")
    var python: String?

    @Option(help: "The testbed script (default: testbed/ctas_testbed.py under the current directory).")
    var script: String?

    @Option(help: "Write every difference to this file, one per line (the JSON shows the first few).")
    var differences: String?

    @Option(help: "Scratch directory (removed first; default: a temporary directory, removed after).")
    var directory: String?

    func validate() throws {
        guard (1...100_000_000).contains(events) else { throw ValidationError("--events must be 1–100000000") }
        guard (0...15).contains(resolution) else { throw ValidationError("--resolution must be 0–15") }
    }

    func run() throws {
        let root = FileManager.default.currentDirectoryPath
        let script = self.script ?? root + "/testbed/ctas_testbed.py"
        guard FileManager.default.fileExists(atPath: script) else {
            throw ValidationError("\(script): not found; run from the repository's top directory or give --script")
        }
        let venv = root + "/.venv/bin/python"
        guard let interpreter = python ?? (FileManager.default.isExecutableFile(atPath: venv) ? venv : nil) else {
            throw ValidationError("no Python with PyPI h3: give --python, or create .venv (see .ci/run)")
        }
        let dir = directory ?? NSTemporaryDirectory() + "ctas-bench-testbed-\(getpid())"
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let executable = BenchCommand.runningExecutable
        var path = feed
        if path == nil {
            path = try TestbedBenchmark.generateFeed(events: events, seed: seed, directory: dir + "-feed")
        }
        defer { if feed == nil { try? FileManager.default.removeItem(atPath: dir + "-feed") } }
        guard let path else { return }
        let result = try TestbedBenchmark.run(feed: path, directory: dir, executable: executable, python: interpreter, script: script,
                                              resolution: resolution, differencesPath: differences)
        try BenchCommand.printResult(result)
        if !result.answersMatch { throw ExitCode(1) }
    }
}

struct IntelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intel",
        abstract: "Benchmark importing a generated MISP feed and ingesting with its indicators matched against every event.",
        discussion: """
            Writes a MISP feed of --attributes attributes (--feed-values of them values of the event feed, the rest \
            random), times `ctas intel import` of it (best of --rounds), then ingests --events generated events into a \
            data directory without intelligence and into one holding it, alternating, best of --rounds: attributes/s, both ingest \
            rates, the slowdown (and the same in processor time; and the median over rounds of each round's slowdown \
            against the round without intelligence just before it) and the sightings per event. Beside it, the worst case: a store holding one attribute in a \
            hundred from the event feed, so that every event is sighted (denseSlowdown). Targets: import ≥ 200k \
            attributes/s, slowdown under 10%.
            """)

    @Option(help: "Attributes in the generated MISP feed.") var attributes: Int = 1_000_000
    @Option(help: "Events to ingest.") var events: Int = 300_000
    @Option(help: "Values of the event feed the intelligence holds (about one event in a hundred sighted at 100).")
    var feedValues: Int = 100
    @Option(help: "Imports, and ingests of each kind (without, with, dense); the best counts.") var rounds: Int = 5
    @Option(help: "Generator seed.") var seed: UInt64 = 7
    @Option(help: "Scratch directory (removed first; default: a temporary directory).") var directory: String?
    @Flag(help: "Keep the scratch directory afterwards (the MISP feed, the event feed and the last run of each store).")
    var keep = false

    func validate() throws {
        guard (1...50_000_000).contains(attributes) else { throw ValidationError("--attributes must be 1–50000000") }
        guard (1...100_000_000).contains(events) else { throw ValidationError("--events must be 1–100000000") }
        guard (1...1_000_000).contains(feedValues) else { throw ValidationError("--feed-values must be 1–1000000") }
        guard (1...20).contains(rounds) else { throw ValidationError("--rounds must be 1–20") }
    }

    func run() throws {
        let dir = directory ?? NSTemporaryDirectory() + "ctas-bench-intel-\(getpid())"
        let executable = BenchCommand.runningExecutable
        let result = try IntelBenchmark.run(attributes: attributes, events: events, feedValues: feedValues, rounds: rounds, seed: seed, directory: dir, executable: executable)
        if !keep { try? FileManager.default.removeItem(atPath: dir) }
        try BenchCommand.printResult(result)
    }
}

struct AnomaliesBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anomalies",
        abstract: "Benchmark behaviour anomaly detection: scan rate, time against ingest, memory per entity, planted found.",
        discussion: """
            Generates --days of activity for --entities entities and for a tenth as many (gen-feed --anomalies, one planted \
            anomaly per ten entities), ingests each, and runs `ctas anomalies` on each, best of three: events scanned per \
            second, scan time over ingest time, peak RSS, and bytes per tracked entity (the difference of the two runs' \
            peak RSS over the difference of their entity counts).
            """)

    @Option(help: "Entities in the large run.") var entities: Int = 2_000
    @Option(help: "Days of activity.") var days: Int = 28
    @Option(help: "Generator seed.") var seed: UInt64 = 7
    @Option(help: "Scratch directory (removed first; default: a temporary directory).") var directory: String?

    func validate() throws {
        guard (100...1_000_000).contains(entities) else { throw ValidationError("--entities must be 100–1000000") }
        guard (4...366).contains(days) else { throw ValidationError("--days must be 4–366") }
    }

    func run() throws {
        let dir = directory ?? NSTemporaryDirectory() + "ctas-bench-anomalies-\(getpid())"
        let executable = BenchCommand.runningExecutable
        let result = try AnomalyBenchmark.run(entities: entities, days: days, seed: seed, directory: dir, executable: executable)
        try? FileManager.default.removeItem(atPath: dir)
        try BenchCommand.printResult(result)
    }
}
