import CTASCore
import CTASEngine
import CTASFeeds
import CTASStore
import Foundation

/// `ctas bench growth`: whether ingest keeps its pace as the store grows. Ingests `feeds`
/// generated feeds one after another into one data directory, each with the real `ctas
/// ingest` in a child process, and reports each feed's events/s, the child's peak RSS and the
/// store's size after it, and the last feed's rate ÷ the first's.
///
/// How the feeds' event times relate decides what is measured:
/// - `consecutive` (the default): each feed starts a second after the last event of the one
///   before, as a store grows in use; time-ordered structures (the time index, the cell
///   buckets) take each feed's rows at their end.
/// - `overlapping`: every feed spans the same hours (a backfill of many sensors over one
///   period): each feed's rows land among all earlier ones, the worst case for them.
public enum GrowthBenchmark {
    public enum Timing: String, Codable, Sendable, CaseIterable {
        case consecutive, overlapping
    }

    /// One feed's ingest into the growing store.
    public struct Step: Codable, Sendable {
        /// 1-based.
        public var feed: Int
        /// Events the store held before this feed.
        public var storedBefore: Int
        public var accepted: Int
        public var duplicates: Int
        public var rejected: Int
        /// The feed's first and last event times.
        public var firstEventTime: String
        public var lastEventTime: String
        /// As the child measured it (accepted ÷ its own seconds).
        public var eventsPerSecond: Double
        /// The write stage's busy seconds (the store's share: near the ingest's whole time
        /// when the writer is what limits it).
        public var writeBusySeconds: Double
        public var peakResidentBytes: Int
        /// The warm tier's size after this feed (see `storeBytes`).
        public var storeBytes: Int64
    }

    public struct Result: Codable, Sendable {
        public var timing: Timing
        public var feeds: Int
        public var eventsPerFeed: Int
        public var seed: UInt64
        public var steps: [Step]
        /// The last feed's events/s ÷ the first's.
        public var lastToFirst: Double
        /// The largest peak RSS of any feed's ingest, and the first feed's.
        public var peakResidentBytes: Int
        public var firstPeakResidentBytes: Int
        public var cores: Int
    }

    /// Runs the benchmark in `directory` (emptied first) with `executable` (`ctas`). Each feed
    /// is generated just before its ingest and deleted after it, so the scratch directory
    /// holds one feed at a time. `progress` sees each step as it ends.
    public static func run(feeds: Int, eventsPerFeed: Int, seed: UInt64, timing: Timing, directory: String, executable: String,
                           progress: (Step) -> Void = { _ in }) throws -> Result {
        let fixture = BenchFixture(directory: directory, executable: executable)
        try fixture.reset()
        var steps: [Step] = []
        var stored = 0
        var start = FeedGenerator.Options().start
        for feed in 1...max(1, feeds) {
            var options = FeedGenerator.Options()
            options.seed = seed &+ UInt64(feed - 1)
            options.start = start
            let path = directory + "/growth-feed.ndjson"
            var generator = FeedGenerator(options: options)
            var first = start
            try BufferedOutput.writeFile(atPath: path, synced: true) { output in
                // The first event alone, to learn its time, then the rest.
                guard eventsPerFeed > 0 else { return }
                generator.write(events: 1, to: output)
                first = generator.clock
                generator.write(events: eventsPerFeed - 1, to: output)
            }
            let last = generator.clock
            let (_, summary) = try fixture.ingest([path])
            try? FileManager.default.removeItem(atPath: path)
            let step = Step(feed: feed, storedBefore: stored, accepted: summary.accepted, duplicates: summary.duplicates,
                            rejected: summary.rejected, firstEventTime: first.rfc3339, lastEventTime: last.rfc3339,
                            eventsPerSecond: summary.seconds > 0 ? (Double(summary.accepted) / summary.seconds).rounded() : 0,
                            writeBusySeconds: BenchFixture.round3(summary.stages["write"]?.busySeconds ?? 0),
                            peakResidentBytes: summary.peakResidentBytes, storeBytes: storeBytes(fixture.warmDatabase))
            steps.append(step)
            progress(step)
            stored += summary.accepted
            if timing == .consecutive { start = Timestamp(microseconds: last.microseconds &+ 1_000_000) }
        }
        let firstRate = steps.first?.eventsPerSecond ?? 0, lastRate = steps.last?.eventsPerSecond ?? 0
        return Result(timing: timing, feeds: steps.count, eventsPerFeed: eventsPerFeed, seed: seed, steps: steps,
                      lastToFirst: firstRate > 0 ? BenchFixture.round3(lastRate / firstRate) : 0,
                      peakResidentBytes: steps.map(\.peakResidentBytes).max() ?? 0,
                      firstPeakResidentBytes: steps.first?.peakResidentBytes ?? 0,
                      cores: ProcessInfo.processInfo.activeProcessorCount)
    }

    /// The store's size as SQLite counts it (pages × page size, what the write-ahead log holds
    /// included). The files' sizes are not it: the log file keeps its high-water size after a
    /// checkpoint, so the database file and the log together can shrink as the store grows.
    static func storeBytes(_ database: String) -> Int64 {
        guard let db = try? SQLiteDatabase(path: database, readOnly: true),
              let pages = try? db.scalar("PRAGMA page_count"), let size = try? db.scalar("PRAGMA page_size") else { return 0 }
        return pages.multipliedReportingOverflow(by: size).overflow ? .max : pages * size
    }
}
