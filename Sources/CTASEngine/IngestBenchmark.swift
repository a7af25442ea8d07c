import CTASCore
import CTASFeeds
import CTASStore
import Foundation

/// `ctas bench`: generates a feed, ingests it end to end into a fresh warm tier with the
/// real `ctas ingest` in a child process (so its peak RSS and speed are its own), and in the
/// same run times raw SQLite inserts of the same rows as a reference.
public enum IngestBenchmark {
    public struct Result: Codable, Sendable {
        public var events: Int
        public var feedBytes: Int64
        public var generateSeconds: Double
        public var ingestSeconds: Double
        public var eventsPerSecond: Double
        public var accepted: Int
        public var rejected: Int
        public var duplicates: Int
        /// Per-batch processing time of each stage.
        public var stages: [String: IngestSummary.Stage]
        /// Read → durable, per event.
        public var endToEndP50Micros: UInt64
        public var endToEndP99Micros: UInt64
        /// Peak RSS of the ingesting process.
        public var peakResidentBytes: Int
        /// Raw SQLite, one prepared statement, 10k-row transactions, same rows, this run.
        public var referenceRawRowsPerSecond: Double
        public var referenceRawIndexedRowsPerSecond: Double
        /// eventsPerSecond ÷ the raw reference (no index) and ÷ the indexed one.
        public var ratioToRaw: Double
        public var ratioToRawIndexed: Double
        public var cores: Int
    }

    /// `ingestCommand`: how to start `ctas ingest` (the running binary, normally).
    public static func run(events: Int, seed: UInt64, directory: String, executable: String, reference: Bool = true) throws -> Result {
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let feedPath = directory + "/bench-feed.ndjson"

        // 1. Generate the feed and flush it to disk, so its write-back does not compete.
        let generateStart = MonotonicClock.nanoseconds()
        var options = FeedGenerator.Options()
        options.seed = seed
        var generator = FeedGenerator(options: options)
        _ = FileManager.default.createFile(atPath: feedPath, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: feedPath) else { throw EngineError("\(feedPath): cannot create") }
        generator.write(events: events, to: handle)
        try handle.synchronize()
        try handle.close()
        let generateSeconds = Double(MonotonicClock.nanoseconds() - generateStart) / 1e9
        let feedBytes = (try? FileManager.default.attributesOfItem(atPath: feedPath)[.size] as? Int64) ?? 0

        // 2. Ingest end to end with the real command, in its own process. Started with
        //    posix_spawn: a child started through Foundation's Process measured ~8% slower here.
        let summaryPath = directory + "/ingest-summary.json"
        let ingestStart = MonotonicClock.nanoseconds()
        let status = try spawnAndWait(executable, ["ingest", feedPath, "--data-dir", directory + "/data", "--quiet"], stdout: summaryPath)
        let ingestSeconds = Double(MonotonicClock.nanoseconds() - ingestStart) / 1e9
        guard status == 0 else { throw EngineError("ctas ingest exited with status \(status)") }
        let summary = try JSONDecoder().decode(IngestSummary.self, from: Data(contentsOf: URL(fileURLWithPath: summaryPath)))

        // 3. The raw SQLite references, over the same rows, in the same run.
        var raw = 0.0
        var rawIndexed = 0.0
        if reference {
            raw = try referenceRate(feedPath: feedPath, databasePath: directory + "/reference.sqlite", indexes: false)
            rawIndexed = try referenceRate(feedPath: feedPath, databasePath: directory + "/reference-indexed.sqlite", indexes: true)
        }
        let rate = Double(summary.accepted) / summary.seconds
        return Result(
            events: events, feedBytes: feedBytes, generateSeconds: round3(generateSeconds), ingestSeconds: round3(ingestSeconds),
            eventsPerSecond: rate.rounded(), accepted: summary.accepted, rejected: summary.rejected, duplicates: summary.duplicates,
            stages: summary.stages, endToEndP50Micros: summary.endToEndP50Micros, endToEndP99Micros: summary.endToEndP99Micros,
            peakResidentBytes: summary.peakResidentBytes, referenceRawRowsPerSecond: raw.rounded(),
            referenceRawIndexedRowsPerSecond: rawIndexed.rounded(),
            ratioToRaw: raw > 0 ? round3(rate / raw) : 0, ratioToRawIndexed: rawIndexed > 0 ? round3(rate / rawIndexed) : 0,
            cores: ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Runs `executable` with `arguments`, its stdout to a file, and waits; returns the exit status.
    public static func spawnAndWait(_ executable: String, _ arguments: [String], stdout path: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        var args = argv + [nil]
        let rc = args.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return EINVAL }
            return posix_spawn(&pid, executable, &actions, nil, base, environ)
        }
        guard rc == 0 else { throw EngineError("\(executable): cannot start: \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    /// Parses the feed in chunks (untimed) and times only the inserts.
    static func referenceRate(feedPath: String, databasePath: String, indexes: Bool) throws -> Double {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: databasePath + suffix) }
        let reference = try SQLiteReference(path: databasePath, indexes: indexes)
        let reader = try FileFeedReader(path: feedPath)
        var decoder = FeedDecoder(format: .ndjson, sourceName: feedPath)
        var pending: [Event] = []
        while case .lines(let batch) = try reader.read(maxBytes: 1 << 20) {
            pending += try decoder.decode(batch).events
            if pending.count >= 10_000 {
                try reference.insert(pending, clock: MonotonicClock.nanoseconds)
                pending.removeAll(keepingCapacity: true)
            }
        }
        if !pending.isEmpty { try reference.insert(pending, clock: MonotonicClock.nanoseconds) }
        return reference.rowsPerSecond
    }

    static func round3(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }
}
