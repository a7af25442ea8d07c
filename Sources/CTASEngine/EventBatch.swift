import CTASCore
import CTASFeeds
import CTASStore

/// Events of one source on their way to the store, with what the store must commit
/// alongside them: the rejects (dead letters) and the checkpoint they complete.
struct EventBatch: Sendable {
    var source: Int
    var events: [Event] = []
    var rejects: [Rejection] = []
    /// Odd but accepted records of the batch, counted by kind.
    var warnings: [String: Int] = [:]
    var blankLines = 0
    var lines = 0
    /// Resume point once this batch is committed (nil for sources that cannot resume).
    var checkpoint: SourcePosition?
    var identity: FileIdentity?
    var readAtNanos: UInt64 = 0
    /// Filled by the route stage: one per event.
    var placements: [Placement] = []
    /// Filled by the route stage: the events' text columns, encoded for the writer.
    var rows: WarmRowBlock?
    /// Filled by the route stage: per event, its indicators (listed and extracted), distinct.
    var indicators: [[Indicator]] = []
    /// Filled by the route stage: per event, its resolution-15 H3 cell (0: no location).
    var cells: [UInt64] = []
    /// Filled by the route stage: events carrying indicators the intelligence store holds.
    var sightings: [(event: Int, indicators: [Indicator])] = []

    init(source: Int) { self.source = source }
}

/// What the writer committed, handed to the fan-out stage so the writer's thread does
/// nothing but write.
struct CommittedBatch: Sendable {
    /// The batches' events and placements as they came (not concatenated: no copies).
    var events: [[Event]]
    var placements: [[Placement]]
    /// The encoded records of each part (the hot tier copies them as they are).
    var rows: [WarmRowBlock]
    /// Each part's events' resolution-15 cells (0: no location).
    var cells: [[UInt64]]
    /// Per event, across `events` in order: whether it was new.
    var inserted: [Bool]
    var rejectKeys: [String]
    var warnings: [String: Int]
    var blankLines: Int
    var lines: Int
    var writeNanos: UInt64
    var storedEvents: Int
    /// The event times of this commit's intelligence sightings (one per event that carried a
    /// known indicator), for the timeline.
    var sightingTimes: [Timestamp] = []
    /// The seq of the last event this commit stored as new (nil: none was new).
    var lastSeq: Int64? = nil
}
