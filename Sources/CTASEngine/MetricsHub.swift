import CTASCore
import CTASStore
import DequeModule
import Histogram

/// Per-batch latencies in µs up to 100 s, two significant digits: recording costs a few
/// nanoseconds and a percentile a few microseconds, so snapshots stay cheap.
typealias LatencyHistogram = Histogram<UInt64>

func makeLatencyHistogram() -> LatencyHistogram {
    LatencyHistogram(lowestDiscernibleValue: 1, highestTrackableValue: 100_000_000, numberOfSignificantValueDigits: .two)
}

extension LatencySummary {
    init(_ h: LatencyHistogram) {
        self.init()
        count = h.totalCount
        guard count > 0 else { return }
        p50 = h.valueAtPercentile(50)
        p95 = h.valueAtPercentile(95)
        p99 = h.valueAtPercentile(99)
        max = h.max
    }
}

/// The pipeline stages, in flow order.
public enum StageName: String, CaseIterable, Sendable {
    case read, parse, route, write, fanout
}

/// Counters and histograms every stage updates once per batch (one lock per batch), read
/// by the snapshot publisher.
final class MetricsHub: Sendable {
    struct StageAccumulator {
        var batches = 0
        var events = 0
        var busyNanos: UInt64 = 0
        var histogram = makeLatencyHistogram()
    }

    struct State {
        var stages = [StageAccumulator](repeating: StageAccumulator(), count: StageName.allCases.count)
        var totals = Snapshot.Totals()
        var rejectReasons: [String: Int] = [:]
        var warnings: [String: Int] = [:]
        var sources: [SourceStatus] = []
        var recent = Deque<Event>()
        /// Changes whenever `recent` does: a publish copies the window only when it changed.
        var recentVersion = 0
        var rateSeconds = Deque<(second: Int64, count: Int)>()
        var tally = RoutingTally()
        var endToEnd = makeLatencyHistogram()
        var warmWrite = makeLatencyHistogram()
        var replayEventTime: Timestamp?
        var storedEvents = 0
        var upkeep = WriterUpkeep()
        var graph = GraphStatus()
        var failure: String?
        var finished = false
        /// When the last stage finished (monotonic ns): a run's length does not include the
        /// time its caller took to be scheduled again.
        var finishedAtNanos: UInt64?
        var geolocation: GeolocationStatus?
        /// Events the parse stages released, and when (cumulative count at each release),
        /// for the lag: marks are dropped once the writer has committed that many.
        var attention = AttentionStatus()
        var timeline = TimeHistogram(width: .seconds(60), capacity: Snapshot.timelineCapacity)
        var sightingTimeline = TimeHistogram(width: .seconds(60), capacity: Snapshot.timelineCapacity)
        var released = 0
        /// Batches the parse stages released (paced replay: at most one a tick within a decoded batch).
        var releases = 0
        var releaseMarks = Deque<(total: Int, nanos: UInt64)>()
        /// When lines were dropped, with the total before, for "dropped lately".
        var dropMarks = Deque<(nanos: UInt64, totalBefore: Int)>()
        var intelSightings: Int?
        var anomalies: AnomalyStatus?
    }

    static let recentCapacity = 1000
    static let rateWindowSeconds: Int64 = 600
    let state: Locked<State>

    init(sources: [SourceStatus]) {
        var s = State()
        s.sources = sources
        state = Locked(s)
    }

    /// Records how many known intelligence indicators events carried so far.
    func intelSightings(_ total: Int) {
        state.withLock { $0.intelSightings = total }
    }

    /// Records the live anomaly monitor's counts and what it just found.
    /// Records how the live monitor's history was rebuilt from the store at start.
    func anomalyRebuild(events: Int, seconds: Double, tracked: Int, resumed: Bool = false) {
        state.withLock { s in
            var status = s.anomalies ?? AnomalyStatus()
            status.rebuiltFromEvents = events
            status.rebuildSeconds = seconds
            status.tracked = tracked
            status.resumedFromSaved = resumed
            s.anomalies = status
        }
    }

    /// What became of the saved monitor (set aside at start, or not saved at the end).
    func savedMonitorNote(_ note: String) {
        state.withLock { s in
            var status = s.anomalies ?? AnomalyStatus()
            status.savedMonitorNote = note
            s.anomalies = status
        }
    }

    func anomalies(tracked: Int, untracked: Int, rate: Int, rare: Int, found: [AnomalyStatus.Note]) {
        state.withLock { s in
            var status = s.anomalies ?? AnomalyStatus()
            status.tracked = tracked
            status.untracked = untracked
            status.rate = rate
            status.rare = rare
            for note in found {
                // A growing rate anomaly replaces its earlier form.
                status.recent.removeAll { $0.entity == note.entity && $0.kind == note.kind && $0.start == note.start && $0.detail == note.detail }
                status.recent.insert(note, at: 0)
            }
            if status.recent.count > AnomalyStatus.recentCapacity { status.recent.removeLast(status.recent.count - AnomalyStatus.recentCapacity) }
            s.anomalies = status
        }
    }

    /// Records the route stage's geolocation counts (totals so far).
    func geolocation(_ status: GeolocationStatus) {
        state.withLock { $0.geolocation = status }
    }

    func addSource(_ status: SourceStatus) {
        state.withLock { $0.sources.append(status) }
    }

    func stage(_ name: StageName, events: Int, nanos: UInt64) {
        state.withLock { s in
            let i = StageName.allCases.firstIndex(of: name) ?? 0
            s.stages[i].batches += 1
            s.stages[i].events += events
            s.stages[i].busyNanos += nanos
            _ = s.stages[i].histogram.record(Swift.max(1, nanos / 1000))
        }
    }

    /// Adds work a stage did between its batches (the writer's key merge steps) to its busy
    /// time, not to its per-batch latency.
    func busy(_ name: StageName, nanos: UInt64) {
        state.withLock { s in
            let i = StageName.allCases.firstIndex(of: name) ?? 0
            s.stages[i].busyNanos += nanos
        }
    }

    /// Updates the writer's upkeep counts.
    func upkeep(_ update: (inout WriterUpkeep) -> Void) {
        state.withLock { update(&$0.upkeep) }
    }

    func source(_ index: Int, _ update: (inout SourceStatus) -> Void) {
        state.withLock { s in
            guard s.sources.indices.contains(index) else { return }
            update(&s.sources[index])
        }
    }

    /// Records read → durable for the new events of each batch of a commit that returned at
    /// `now` (the store stage calls it as soon as the transaction is durable).
    func durable(_ batches: [(readAtNanos: UInt64, events: Int)], at now: UInt64) {
        guard !batches.isEmpty else { return }
        state.withLock { s in
            for batch in batches where now > batch.readAtNanos {
                _ = s.endToEnd.record(Swift.max(1, (now - batch.readAtNanos) / 1000), count: UInt64(batch.events))
            }
        }
    }

    /// Read → durable so far, worked out now.
    var durableLatency: LatencySummary { state.withLock { LatencySummary($0.endToEnd) } }

    /// Records a committed batch: counts, reasons, the newest events, the write latency.
    func committed(accepted: [Event], duplicates: Int, rejects: [String], warnings: [String: Int], blank: Int, lines: Int,
                   tally: RoutingTally, writeNanos: UInt64, storedEvents: Int) {
        let second = Timestamp.now().microseconds / 1_000_000
        state.withLock { s in
            s.totals.accepted += accepted.count
            s.totals.duplicates += duplicates
            s.totals.rejected += rejects.count
            s.totals.blankLines += blank
            s.totals.lines += lines
            for reason in rejects { s.rejectReasons[reason, default: 0] += 1 }
            for (key, count) in warnings { s.warnings[key, default: 0] += count }
            s.tally.merge(tally)
            if !accepted.isEmpty {
                for e in accepted.suffix(Self.recentCapacity) { s.recent.append(e) }
                while s.recent.count > Self.recentCapacity { s.recent.removeFirst() }
                s.recentVersion &+= 1
            }
            if let last = s.rateSeconds.last, last.second == second {
                s.rateSeconds[s.rateSeconds.count - 1].count += accepted.count
            } else {
                if let last = s.rateSeconds.last {
                    var fill = last.second + 1
                    while fill < second && second - fill < Self.rateWindowSeconds {
                        s.rateSeconds.append((fill, 0))
                        fill += 1
                    }
                }
                s.rateSeconds.append((second, accepted.count))
            }
            while let first = s.rateSeconds.first, second - first.second >= Self.rateWindowSeconds { s.rateSeconds.removeFirst() }
            _ = s.warmWrite.record(Swift.max(1, writeNanos / 1000))
            s.storedEvents = storedEvents
        }
    }

    func attention(_ status: AttentionStatus) { state.withLock { $0.attention = status } }

    func timeline(_ histogram: TimeHistogram, sightings: TimeHistogram) {
        state.withLock {
            $0.timeline = histogram
            $0.sightingTimeline = sightings
        }
    }

    /// Records events handed from a parse stage to the rest of the pipeline.
    func released(_ events: Int, at nanos: UInt64) {
        guard events > 0 else { return }
        state.withLock { s in
            s.released += events
            s.releases += 1
            s.releaseMarks.append((s.released, nanos))
        }
    }

    /// Batches released so far.
    var releases: Int { state.withLock { $0.releases } }

    /// The lag now: what is released and not committed, the oldest wait, recent drops.
    func lag(now: UInt64) -> PipelineLag {
        state.withLock { s in
            let committed = s.stages[StageName.allCases.firstIndex(of: .write) ?? 0].events
            while let first = s.releaseMarks.first, first.total <= committed { s.releaseMarks.removeFirst() }
            let window = UInt64(PipelineLag.dropWindowSeconds * 1e9)
            while let first = s.dropMarks.first, now > first.nanos, now - first.nanos > window { s.dropMarks.removeFirst() }
            var lag = PipelineLag()
            lag.eventsInFlight = Swift.max(0, s.released - committed)
            if let oldest = s.releaseMarks.first, lag.eventsInFlight > 0, now > oldest.nanos {
                lag.oldestWaitSeconds = Double(now - oldest.nanos) / 1e9
            }
            // Each mark holds the total before its drop: the difference is what the window lost.
            if let first = s.dropMarks.first { lag.recentlyDropped = s.totals.dropped - first.totalBefore }
            return lag
        }
    }

    func dropped(_ lines: Int, source index: Int) {
        state.withLock { s in
            s.dropMarks.append((MonotonicClock.nanoseconds(), s.totals.dropped))
            s.totals.dropped += lines
            if s.sources.indices.contains(index) { s.sources[index].dropped += lines }
        }
    }

    func graph(_ update: (inout GraphStatus) -> Void) { state.withLock { update(&$0.graph) } }
    func skippedBySeek(_ n: Int) { state.withLock { $0.totals.skippedBySeek += n } }
    func replayTime(_ t: Timestamp) { state.withLock { s in if s.replayEventTime.map({ t > $0 }) ?? true { s.replayEventTime = t } } }
    func resetReplayTime(_ t: Timestamp?) { state.withLock { $0.replayEventTime = t } }
    func fail(_ message: String) { state.withLock { if $0.failure == nil { $0.failure = message } } }
    func finish() {
        let now = MonotonicClock.nanoseconds()
        state.withLock { s in
            s.finished = true
            s.finishedAtNanos = s.finishedAtNanos ?? now
        }
    }
}
