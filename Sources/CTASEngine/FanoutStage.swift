import CTASBehaviour
import CTASCore
import CTASFeeds
import CTASStore

/// After a commit: fills the hot tier with newly stored events the router placed there,
/// counts them in the geo index, appends them to the recording, and updates counts and the
/// newest-events ring.
/// How much stored history the live behaviour monitor is rebuilt from at start.
public enum LiveAnomalyRebuild {
    /// Events read at most (the newest): about 3 s of start-up (measured: 950,262 in 1.36 s).
    public static let maximumEvents = 2_000_000
}

actor FanoutStage {
    nonisolated let executor: ThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let input: BoundedQueue<CommittedBatch>
    /// Nil: the run keeps no hot tier (headless).
    private let hot: HotTier?
    private let recorder: FeedRecorder?
    private let hub: MetricsHub
    private let geo: GeoHub?
    /// Behaviour anomalies, judged on committed events (nil: off).
    private var anomalies: LiveAnomalyMonitor?
    /// Where found anomalies go (the route stage scores the entity's next events by them).
    private let risk: RiskBoard?
    /// The warm database and the last seq stored before this run: the geo index reads those
    /// rows first (later ones come through here).
    private let storedBefore: (path: String, seq: Int64)?
    /// Critical counts and the busiest names of the last minutes (the attention line).
    private var attention = AttentionTally()
    private var attentionPublishedAt: UInt64 = 0
    /// Events per minute of event time and severity band (the timeline pane).
    private var timeline = TimeHistogram(width: .seconds(60), capacity: Snapshot.timelineCapacity)
    /// Events that sighted known intelligence, by event time (marked on the timeline).
    private var sightings = TimeHistogram(width: .seconds(60), capacity: Snapshot.timelineCapacity)

    init(input: BoundedQueue<CommittedBatch>, hot: HotTier?, recorder: sending FeedRecorder?, hub: MetricsHub, geo: GeoHub?,
         risk: RiskBoard?, anomalies: LiveAnomalyMonitor?, storedBefore: (String, Int64)?) {
        self.geo = geo
        self.risk = risk
        self.anomalies = anomalies
        self.storedBefore = storedBefore
        executor = ThreadExecutor(name: "ctas-fanout")
        self.input = input
        self.hot = hot
        self.recorder = recorder
        self.hub = hub
    }

    func run() async {
        // What earlier runs stored: one scan fills the geo index and the timeline (headless
        // commands keep no geo index, have nothing on screen, and skip it).
        if let geo, let storedBefore {
            var earlier = timeline
            if let problem = geo.load(from: storedBefore.path, throughSeq: storedBefore.seq,
                                      each: { time, severity in earlier.add(time, severity: severity.flatMap { Severity($0) }) }) {
                hub.fail("geo index: \(problem)")
            }
            timeline = earlier
            hub.timeline(timeline, sightings: sightings)
        }
        // The behaviour monitor's history: what earlier runs stored, so a restart neither
        // forgets an entity's cycle nor waits 72 hours to judge it again.
        if anomalies != nil, let storedBefore { rebuildAnomalies(from: storedBefore.path, throughSeq: storedBefore.seq) }
        while let batch = await input.receive() {
            let started = MonotonicClock.nanoseconds()
            var accepted: [Event] = []
            var tally = RoutingTally()
            var total = 0
            var flag = 0
            for (part, events) in batch.events.enumerated() {
                total += events.count
                let placements = batch.placements[part]
                let allNew = batch.inserted[flag..<(flag + events.count)].allSatisfy { $0 }
                if allNew {
                    accepted += events
                } else {
                    for (i, e) in events.enumerated() where batch.inserted[flag + i] { accepted.append(e) }
                }
                var hotRows: [Int] = []
                for i in events.indices where batch.inserted[flag + i] && placements.indices.contains(i) {
                    tally.record(placements[i])
                    if placements[i].contains(.hot) { hotRows.append(i) }
                }
                hot?.insert(batch.rows[part], rows: hotRows)
                let cells = part < batch.cells.count ? batch.cells[part] : []
                geo?.add(events, cells: cells, inserted: batch.inserted[flag..<(flag + events.count)])
                if let risk {
                    if allNew {
                        risk.observePlaces(events, cells: cells)
                    } else {
                        let kept = events.indices.filter { batch.inserted[flag + $0] }
                        risk.observePlaces(kept.map { events[$0] }, cells: kept.map { $0 < cells.count ? cells[$0] : 0 })
                    }
                }
                flag += events.count
            }
            if let recorder {
                do throws(FeedError) { try recorder.record(accepted) } catch { hub.fail(error.message) }
            }
            if anomalies != nil { judge(accepted) }
            attention.observe(accepted, at: .now())
            for e in accepted { timeline.add(e.timestamp, severity: e.severity) }
            for t in batch.sightingTimes { sightings.add(t, severity: nil) }
            let now = MonotonicClock.nanoseconds()
            if now - attentionPublishedAt >= 250_000_000 {
                attentionPublishedAt = now
                hub.attention(attention.status(at: .now()))
                hub.timeline(timeline, sightings: sightings)
            }
            hub.stage(.fanout, events: total, nanos: now - started)
            hub.committed(accepted: accepted, duplicates: total - accepted.count, rejects: batch.rejectKeys, warnings: batch.warnings,
                          blank: batch.blankLines, lines: batch.lines, tally: tally, writeNanos: batch.writeNanos,
                          storedEvents: batch.storedEvents)
        }
        hub.attention(attention.status(at: .now()))
        hub.timeline(timeline, sightings: sightings)
        recorder?.sync()
        executor.shutdown()
    }

    /// Replays the last four weeks of stored activity (at most `LiveAnomalyRebuild.maximumEvents`,
    /// the newest) into the monitor, in time order. What it finds there is history: it goes to
    /// the risk board (an anomaly still open raises its entity's next events) but is not listed
    /// as found live.
    private func rebuildAnomalies(from path: String, throughSeq: Int64) {
        guard var monitor = anomalies else { return }
        anomalies = nil
        let started = MonotonicClock.nanoseconds()
        var read = 0
        do throws(StoreError) {
            let reader = try WarmReader(path: path)
            if let newest = try reader.newest() {
                let byTime = newest.time.shifted(byMicroseconds: -Int64(monitor.options.historyHours) * 3_600_000_000)
                let byCount = try reader.time(ofNewest: LiveAnomalyRebuild.maximumEvents)
                let since = byCount.map { max($0, byTime) } ?? byTime
                var chunk: [LiveAnomalyMonitor.Activity] = []
                chunk.reserveCapacity(4096)
                try reader.scanActivity(since: since, throughSeq: throughSeq) { time, type, entity in
                    chunk.append(LiveAnomalyMonitor.Activity(time: time, type: type, entity: entity))
                    if chunk.count == 4096 {
                        risk?.record(monitor.observe(chunk))
                        read += chunk.count
                        chunk.removeAll(keepingCapacity: true)
                    }
                }
                risk?.record(monitor.observe(chunk))
                read += chunk.count
            }
        } catch {
            hub.fail("anomaly history: \(error.description)")
        }
        monitor.forgetFindings()
        anomalies = monitor
        hub.anomalyRebuild(events: read, seconds: Double(MonotonicClock.nanoseconds() - started) / 1e9, tracked: monitor.status.tracked)
    }

    /// Gives the monitor the newly stored events and tells the hub what it found.
    private func judge(_ events: [Event]) {
        guard var monitor = anomalies else { return }
        anomalies = nil
        let found = monitor.observe(events)
        let status = monitor.status
        let notes = found.map { a in
            var note = AnomalyStatus.Note(entity: a.entity, kind: a.kind.rawValue, start: a.start.rfc3339, end: a.end.rfc3339,
                                          observed: a.observed, expected: a.expected, score: a.score, detail: a.detail)
            // The hours up to the anomaly's last (a rate anomaly ends just after its last hour).
            let last = a.kind == .rate && a.end > a.start ? a.end.shifted(byMicroseconds: -1) : a.start
            note.hours = monitor.profile(of: a.entity, endingAt: last).map {
                AnomalyStatus.Hour(observed: $0.observed, low: $0.low, high: $0.high)
            }
            return note
        }
        anomalies = monitor
        risk?.record(found)
        hub.anomalies(tracked: status.tracked, untracked: status.untracked, rate: status.rate, rare: status.rare, found: notes)
    }
}
