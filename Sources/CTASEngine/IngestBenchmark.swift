import CTASCore
import CTASFeeds
import CTASStore
import Foundation

/// `ctas bench`: generates a feed, ingests it end to end into a fresh warm tier, and in the
/// same run measures raw SQLite inserts of the same rows as a reference.
public enum IngestBenchmark {
    public struct StageNumbers: Codable, Sendable {
        public var events: Int
        public var batches: Int
        public var p50Micros: UInt64
        public var p99Micros: UInt64
        public var maxMicros: UInt64
    }

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
        public var stages: [String: StageNumbers]
        /// Read → durable, per event.
        public var endToEndP50Micros: UInt64
        public var endToEndP99Micros: UInt64
        public var peakResidentBytes: Int
        /// Raw SQLite, one prepared statement, 10k-row transactions, same rows, this run.
        public var referenceRawRowsPerSecond: Double
        public var referenceRawIndexedRowsPerSecond: Double
        /// eventsPerSecond ÷ the raw reference (no index) and ÷ the indexed one.
        public var ratioToRaw: Double
        public var ratioToRawIndexed: Double
        public var cores: Int
    }

    public static func run(events: Int, seed: UInt64, directory: String, reference: Bool = true) async throws -> Result {
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let feedPath = directory + "/bench-feed.ndjson"

        // 1. Generate the feed (not timed as ingest).
        let generateStart = MonotonicClock.nanoseconds()
        var options = FeedGenerator.Options()
        options.seed = seed
        var generator = FeedGenerator(options: options)
        _ = FileManager.default.createFile(atPath: feedPath, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: feedPath) else { throw EngineError("\(feedPath): cannot create") }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 21)
        for _ in 0..<events {
            generator.appendNext(to: &buffer)
            if buffer.count >= 1 << 20 {
                handle.write(Data(buffer))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        handle.write(Data(buffer))
        try handle.close()
        let generateSeconds = Double(MonotonicClock.nanoseconds() - generateStart) / 1e9
        let feedBytes = (try? FileManager.default.attributesOfItem(atPath: feedPath)[.size] as? Int64) ?? 0

        // 2. Ingest end to end into a fresh data directory.
        let data = DataDirectory(path: directory + "/data")
        let engine = try Engine(Engine.Configuration(sources: [.file(feedPath)], dataDirectory: data))
        let ingestStart = MonotonicClock.nanoseconds()
        let summary = await engine.run()
        let ingestSeconds = Double(MonotonicClock.nanoseconds() - ingestStart) / 1e9
        let snapshot = engine.snapshot
        let peak = ProcessStats.peakResidentBytes()
        if let failure = summary.failure { throw EngineError(failure) }

        // 3. The raw SQLite references, over the same rows, in the same run.
        var raw = 0.0
        var rawIndexed = 0.0
        if reference {
            raw = try referenceRate(feedPath: feedPath, databasePath: directory + "/reference.sqlite", indexes: false)
            rawIndexed = try referenceRate(feedPath: feedPath, databasePath: directory + "/reference-indexed.sqlite", indexes: true)
        }
        var stages: [String: StageNumbers] = [:]
        for stage in snapshot.stages {
            stages[stage.name] = StageNumbers(events: stage.events, batches: stage.batches, p50Micros: stage.latency.p50,
                                              p99Micros: stage.latency.p99, maxMicros: stage.latency.max)
        }
        let rate = Double(summary.accepted) / ingestSeconds
        return Result(
            events: events, feedBytes: feedBytes, generateSeconds: round3(generateSeconds), ingestSeconds: round3(ingestSeconds),
            eventsPerSecond: rate.rounded(), accepted: summary.accepted, rejected: summary.rejected, duplicates: summary.duplicates,
            stages: stages, endToEndP50Micros: snapshot.endToEnd.p50, endToEndP99Micros: snapshot.endToEnd.p99,
            peakResidentBytes: peak, referenceRawRowsPerSecond: raw.rounded(), referenceRawIndexedRowsPerSecond: rawIndexed.rounded(),
            ratioToRaw: raw > 0 ? round3(rate / raw) : 0, ratioToRawIndexed: rawIndexed > 0 ? round3(rate / rawIndexed) : 0,
            cores: ProcessInfo.processInfo.activeProcessorCount)
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
