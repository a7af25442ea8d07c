import CTASCore
import CTASEngine
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

    /// Generates `events` events, ingests them with `executable` (`ctas`) in a child process,
    /// and times the raw SQLite references on the same rows.
    public static func run(events: Int, seed: UInt64, directory: String, executable: String, reference: Bool = true) throws -> Result {
        let fixture = BenchFixture(directory: directory, executable: executable)
        try fixture.reset()

        // 1. Generate the feed.
        let generateStart = MonotonicClock.nanoseconds()
        var options = FeedGenerator.Options()
        options.seed = seed
        let feedPath = try fixture.generateFeed(named: "bench-feed.ndjson", events: events, options: options)
        let generateSeconds = Double(MonotonicClock.nanoseconds() - generateStart) / 1e9
        let feedBytes = (try? FileManager.default.attributesOfItem(atPath: feedPath)[.size] as? Int64) ?? 0

        // 2. Ingest end to end with the real command, in its own process.
        let (ingestSeconds, summary) = try fixture.ingest([feedPath])

        // 3. The raw SQLite references, over the same rows, in the same run.
        var raw = 0.0
        var rawIndexed = 0.0
        if reference {
            raw = try referenceRate(feedPath: feedPath, databasePath: directory + "/reference.sqlite", indexes: false)
            rawIndexed = try referenceRate(feedPath: feedPath, databasePath: directory + "/reference-indexed.sqlite", indexes: true)
        }
        let rate = Double(summary.accepted) / summary.seconds
        let round3 = BenchFixture.round3
        return Result(
            events: events, feedBytes: feedBytes, generateSeconds: round3(generateSeconds), ingestSeconds: round3(ingestSeconds),
            eventsPerSecond: rate.rounded(), accepted: summary.accepted, rejected: summary.rejected, duplicates: summary.duplicates,
            stages: summary.stages, endToEndP50Micros: summary.endToEndP50Micros, endToEndP99Micros: summary.endToEndP99Micros,
            peakResidentBytes: summary.peakResidentBytes, referenceRawRowsPerSecond: raw.rounded(),
            referenceRawIndexedRowsPerSecond: rawIndexed.rounded(),
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

}
