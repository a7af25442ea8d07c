import CTASCore
import CTASFeeds
import CTASStore

/// Everything the console and headless reporters show, as one immutable value. The engine
/// publishes one at most at the frame rate; readers take the latest without calling into
/// the engine.
public struct Snapshot: Sendable {
    public var sequence = 0
    public var wallTime = Timestamp(microseconds: 0)
    public var uptimeSeconds = 0.0
    public var totals = Totals()
    /// Reject reason key (`code:field`) → count.
    public var rejectReasons: [String: Int] = [:]
    /// Accepted but odd records, counted by kind.
    public var warnings: [String: Int] = [:]
    public var sources: [SourceStatus] = []
    public var replay = ReplayStatus()
    public var stages: [StageStatus] = []
    /// Critical counts and the busiest names of the last minutes.
    public var attention = AttentionStatus()
    /// Stored events per span of event time and severity band (what was stored before this
    /// run, then every event committed): the timeline pane's data. Bounded: it coarsens.
    public var timeline = TimeHistogram(width: .seconds(60), capacity: Snapshot.timelineCapacity)
    /// Events this run that carried a known intelligence indicator, by event time (the
    /// timeline marks them).
    public var sightingTimeline = TimeHistogram(width: .seconds(60), capacity: Snapshot.timelineCapacity)
    /// Timeline buckets kept before they merge into wider ones (a week of minutes).
    public static let timelineCapacity = 10_080
    /// Whether ingest keeps up with its sources (the status bar's lag).
    public var lag = PipelineLag()
    /// From reading a line to its event being durable in the warm tier (µs).
    public var endToEnd = LatencySummary()
    public var tiers: [TierStatus] = []
    /// The correlation graph tier.
    public var graph = GraphStatus()
    public var geo = GeoStatus()
    /// Geolocation of events by IP address at ingest (nil: no database in use).
    public var geolocation: GeolocationStatus?
    /// Known intelligence indicators carried by events this run (nil: no intelligence stored).
    public var intelSightings: Int?
    /// Behaviour anomalies found live (nil when detection is off).
    public var anomalies: AnomalyStatus?
    public var process = ProcessStatus()
    /// The newest accepted events, oldest first.
    public var recent: [Event] = []
    /// Accepted events per wall-clock second, oldest first, for the last minutes.
    public var rateHistory: [Int] = []
    /// The warm tier's total stored events (including earlier runs).
    public var storedEvents = 0
    /// Set when the engine stopped on a fault.
    public var failure: String?
    /// True once every source has ended and everything read is committed.
    public var finished = false
    /// What the writer did besides its commits (see `WriterUpkeep`).
    public var upkeep = WriterUpkeep()

    public init() {}

    public struct Totals: Sendable, Equatable {
        public var accepted = 0
        public var rejected = 0
        public var duplicates = 0
        /// Lines a live source read but the pipeline had no room for.
        public var dropped = 0
        public var blankLines = 0
        /// Events passed over by a seek.
        public var skippedBySeek = 0
        public var lines = 0
        public init() {}
    }

    /// Accepted events per second over the last few seconds.
    public var currentRate: Double {
        let recentSeconds = rateHistory.suffix(6).dropLast()
        guard !recentSeconds.isEmpty else { return 0 }
        return Double(recentSeconds.reduce(0, +)) / Double(recentSeconds.count)
    }
}

public struct SourceStatus: Sendable, Equatable {
    /// `pipe`: a named pipe or process substitution given as a file; read like stdin.
    public enum Kind: String, Sendable { case file, follow, stdin, pipe, udp }
    public enum State: Sendable, Equatable {
        case starting, reading, waiting, paused, ended, failed(String)

        public var label: String {
            switch self {
            case .starting: "starting"
            case .reading: "reading"
            case .waiting: "waiting for data"
            case .paused: "paused"
            case .ended: "ended"
            case .failed(let message): "failed: " + message
            }
        }
    }

    public var name: String
    public var kind: Kind
    public var state: State = .starting
    public var bytesDone: Int64 = 0
    public var bytesTotal: Int64?
    public var lines = 0
    public var pass = 0
    /// Where this run started (non-zero when it resumed from a checkpoint).
    public var resumedFrom: SourcePosition = .start
    /// Seconds left at the current read rate, when the total is known.
    public var etaSeconds: Double?
    public var dropped = 0

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    public var fractionDone: Double? {
        guard let total = bytesTotal, total > 0 else { return nil }
        return min(1, Double(bytesDone) / Double(total))
    }
}

public struct ReplayStatus: Sendable, Equatable {
    public var speed: ReplaySpeed = .max
    public var paused = false
    /// Event time of the newest event released by the replay clock.
    public var eventTime: Timestamp?
    public var looping = false
    /// Whether event times were shifted to the wall clock (the demo, `replay --rebase-to-now`):
    /// only then, or for a live source, does event time against wall time say how far behind
    /// the feed is shown.
    public var rebased = false
    public init() {}
}

public struct LatencySummary: Sendable, Equatable {
    public var count: UInt64 = 0
    public var p50: UInt64 = 0
    public var p95: UInt64 = 0
    public var p99: UInt64 = 0
    public var max: UInt64 = 0
    public init() {}
}

public struct StageStatus: Sendable, Equatable {
    public var name: String
    public var batches = 0
    public var events = 0
    /// Events per second over the last publish interval.
    public var eventsPerSecond = 0.0
    /// Per-batch processing time in µs.
    public var latency = LatencySummary()
    public var queueDepth = 0
    public var queueCapacity = 0
    /// Share of wall time this stage spent working (0…1).
    public var busy = 0.0
    /// Seconds this stage spent working since the engine started.
    public var busySeconds = 0.0

    public init(name: String) { self.name = name }
}

public struct TierStatus: Sendable, Equatable {
    public var tier: Tier
    /// False for tiers that are routed to but not yet built.
    public var available: Bool
    public var storedEvents = 0
    public var bytes = 0
    public var placedThisRun = 0
    public var decisions: [String: Int] = [:]
    /// Commit time per batch (µs), for tiers that write.
    public var writeLatency = LatencySummary()
    public var retention: String
    public var evicted = 0

    public init(tier: Tier, available: Bool, retention: String) {
        self.tier = tier
        self.available = available
        self.retention = retention
    }
}

/// The correlation graph tier: what it holds and how it correlates.
public struct GraphStatus: Sendable, Equatable {
    /// False while the stored graph is being read into memory.
    public var loaded = false
    public var loadSeconds = 0.0
    public var nodes = 0
    /// Event rows the graph tier stores.
    public var events = 0
    /// Whether those events are held in memory for questions (`ctas ingest` keeps only nodes).
    public var eventsInMemory = true
    /// Stored events not held in memory (past the `[graph] memory` budget: the oldest), and
    /// the time of the oldest held when some are not: questions reach back to it.
    public var notHeld = 0
    public var oldestHeld: Timestamp?
    /// Edges held in memory.
    public var edges = 0
    public var memoryBytes = 0
    /// A value in more events than this is over-correlating (kept, not expanded by default).
    public var overcorrelationThreshold = 20
    public var warninglistEntries = 0
    /// Event rows deleted by retention this run.
    public var purged = 0
    public init() {}
}

public struct ProcessStatus: Sendable, Equatable {
    public var residentBytes = 0
    public var peakResidentBytes = 0
    /// CPU use over the last five seconds (`CPUWindow`), in percent of one core.
    public var cpuPercent = 0.0
    public init() {}
}

/// Which database places events by address, and what became of the events so far.
public struct GeolocationStatus: Codable, Sendable, Equatable {
    /// The database's type and build month (`DBIP-City-Lite 2023-04`).
    public var database: String
    /// Every database file in use, in the order fields are taken from them.
    public var files: [String]
    /// Events given coordinates from an address.
    public var located = 0
    /// Events whose address no database places.
    public var notFound = 0
    /// Events with no public, non-entity, non-warninglisted address.
    public var noAddress = 0
    /// Events whose feed gave coordinates (left as they are).
    public var hadCoordinates = 0

    public init(database: String, files: [String]) {
        self.database = database
        self.files = files
    }
}

/// Behaviour anomalies found live: counts, and the newest (the snapshot speaks its own
/// values, so the console needs no analysis module).
public struct AnomalyStatus: Codable, Sendable, Equatable {
    /// One anomaly as found (a rate anomaly is listed again as it grows).
    public struct Note: Codable, Sendable, Equatable {
        public var entity: String
        /// rate or rare.
        public var kind: String
        /// RFC 3339, UTC.
        public var start: String
        public var end: String
        public var observed: Double
        public var expected: Double
        public var score: Double
        public var detail: String
        /// The entity's last 24 hours up to the anomaly's end, hour by hour, with the band of
        /// counts its cycle expects (the anomalies view draws it).
        public var hours: [Hour] = []

        public init(entity: String, kind: String, start: String, end: String, observed: Double, expected: Double,
                    score: Double, detail: String) {
            self.entity = entity
            self.kind = kind
            self.start = start
            self.end = end
            self.observed = observed
            self.expected = expected
            self.score = score
            self.detail = detail
        }
    }

    /// One hour of an entity's activity: its count and, once it has history enough, the band
    /// of counts the live test does not flag.
    public struct Hour: Codable, Sendable, Equatable {
        public var observed: Double
        public var low: Double?
        public var high: Double?

        public init(observed: Double, low: Double?, high: Double?) {
            self.observed = observed
            self.low = low
            self.high = high
        }
    }

    /// Entities followed, and events of entities past the limit (counted, not judged).
    public var tracked = 0
    public var untracked = 0
    /// Rate anomalies (bursts and silences) and firsts found.
    public var rate = 0
    public var rare = 0
    /// The newest, newest first (at most `recentCapacity`).
    public var recent: [Note] = []
    /// Stored events the monitor's history was rebuilt from at start (the last four weeks of
    /// event time, at most `LiveAnomalyRebuild.maximumEvents`), and how long that took.
    public var rebuiltFromEvents = 0
    public var rebuildSeconds = 0.0
    /// The history came from the monitor the last run saved (`rebuiltFromEvents`: the events
    /// stored after it, replayed).
    public var resumedFromSaved = false
    /// Why the saved monitor was set aside at start, or could not be saved at the end.
    public var savedMonitorNote: String?

    public static let recentCapacity = 1000

    public init() {}
}

/// What the writer did besides its commits (`StoreStage.upkeep`): checkpoints of the
/// write-ahead log it took while idle, those a commit had to run itself, steps of the key
/// merge, and steps that failed. A failed step loses nothing (the keys stay in the recent level
/// and are found there), but a store whose merges keep failing (a full disk) commits ever more
/// slowly: the count says so.
public struct WriterUpkeep: Sendable, Equatable, Codable {
    public var idleCheckpoints = 0
    /// Checkpoints run inside a commit, the log having reached its forced length: the writer
    /// was seldom idle (an ingest at full speed); each made its commit wait.
    public var forcedCheckpoints = 0
    public var mergeSteps = 0
    public var mergeFailures = 0

    public init() {}
}
