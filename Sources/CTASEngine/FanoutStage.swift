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
    /// What earlier runs stored (nil: nothing), read while live batches flow.
    private let storedBefore: StoredHistoryLoader?
    /// Critical counts and the busiest names of the last minutes (the attention line; nil:
    /// none is shown, as in a headless command).
    private var attention: AttentionTally?
    private var attentionPublishedAt: UInt64 = 0
    /// At most this often (nanoseconds) while batches wait behind the one just done.
    private let attentionInterval: UInt64
    /// Events per minute of event time and severity band (the timeline pane).
    private var timeline = TimeHistogram(width: .seconds(60), capacity: Snapshot.timelineCapacity)
    /// Events that sighted known intelligence, by event time (marked on the timeline).
    private var sightings = TimeHistogram(width: .seconds(60), capacity: Snapshot.timelineCapacity)
    /// Live events accepted before the monitor's history was in, as what the monitor reads of
    /// them (nil: it is in, or there is none), and how many events that was.
    private var awaitingMonitor: [LiveAnomalyMonitor.Activity]?
    private var awaitingEvents = 0
    /// Live events that may wait for the monitor's history before the stage waits too.
    private let waitingLimit: Int
    /// Parts of the stored history still loading, and who waits for them.
    private var loading = 0
    private var loadWaiters: [CheckedContinuation<Void, Never>] = []
    /// Where the monitor is saved when the run ends and resumed from at start (nil: neither),
    /// and the warm database it follows.
    private let savedMonitor: (file: String, warmPath: String)?
    /// The highest seq of a stored event the monitor has seen or will see: the store's newest
    /// at start (the history), then each commit's last.
    private var monitorThroughSeq: Int64
    /// The history could not be read whole: the monitor is not saved as having seen it.
    private var historyIncomplete = false

    init(input: BoundedQueue<CommittedBatch>, hot: HotTier?, recorder: sending FeedRecorder?, hub: MetricsHub, geo: GeoHub?,
         risk: RiskBoard?, anomalies: LiveAnomalyMonitor?, storedBefore: StoredHistoryLoader?, waitingLimit: Int = 50_000,
         savedMonitor: (file: String, warmPath: String)? = nil, storedThroughSeq: Int64 = 0,
         attentionInterval: Duration = .milliseconds(250), tallyAttention: Bool = true) {
        self.waitingLimit = waitingLimit
        attention = tallyAttention ? AttentionTally() : nil
        let (seconds, attoseconds) = attentionInterval.components
        self.attentionInterval = UInt64(clamping: max(0, seconds)) &* 1_000_000_000 &+ UInt64(clamping: max(0, attoseconds / 1_000_000_000))
        self.savedMonitor = savedMonitor
        monitorThroughSeq = storedThroughSeq
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
        // What earlier runs stored loads on a thread of its own while live batches flow: the
        // geo index and the timeline (headless commands keep no geo index and skip it), and
        // the behaviour monitor's history, so a restart neither forgets an entity's cycle nor
        // waits 72 hours to judge it again. Until that history is in, the monitor's live events
        // wait here (in order, at most `waitingLimit`: then the stage waits for the history).
        if let storedBefore { startLoading(storedBefore) }
        while let batch = await input.receive() {
            let started = MonotonicClock.nanoseconds()
            if let last = batch.lastSeq { monitorThroughSeq = max(monitorThroughSeq, last) }
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
            if awaitingMonitor != nil {
                awaitingMonitor?.append(contentsOf: accepted.lazy.compactMap(LiveAnomalyMonitor.Activity.init))
                awaitingEvents += accepted.count
            } else if anomalies != nil {
                judge { $0.observe(accepted) }
            }
            attention?.observe(accepted, at: .now())
            for e in accepted { timeline.add(e.timestamp, severity: e.severity) }
            for t in batch.sightingTimes { sightings.add(t, severity: nil) }
            let now = MonotonicClock.nanoseconds()
            // Throttled while batches queue up; the last of a burst is always shown, or a feed
            // that ends or pauses would leave the attention line and the timeline short of it.
            if now &- attentionPublishedAt >= attentionInterval || input.depth == 0 {
                attentionPublishedAt = now
                if let attention { hub.attention(attention.status(at: .now())) }
                hub.timeline(timeline, sightings: sightings)
            }
            hub.stage(.fanout, events: total, nanos: now - started)
            hub.committed(accepted: accepted, duplicates: total - accepted.count, rejects: batch.rejectKeys, warnings: batch.warnings,
                          blank: batch.blankLines, lines: batch.lines, tally: tally, writeNanos: batch.writeNanos,
                          storedEvents: batch.storedEvents)
            if awaitingMonitor != nil, awaitingEvents >= waitingLimit { await untilLoaded { $0.awaitingMonitor == nil } }
        }
        // The run's answer includes what the history gives (an engine that is stopping has
        // cancelled the geo load).
        await untilLoaded { $0.loading == 0 }
        storedBefore?.finish()
        // The monitor has seen every stored event through `monitorThroughSeq`: the next run
        // resumes it rather than rebuilding four weeks of history.
        if let monitor = anomalies, let savedMonitor, !historyIncomplete,
           let problem = SavedMonitorFile.save(monitor, risks: risk?.savedRisks() ?? [], throughSeq: monitorThroughSeq,
                                               warmPath: savedMonitor.warmPath, to: savedMonitor.file) {
            hub.savedMonitorNote(problem)
        }
        if let attention { hub.attention(attention.status(at: .now())) }
        hub.timeline(timeline, sightings: sightings)
        recorder?.sync()
        executor.shutdown()
    }

    /// Starts reading the stored history; each part comes back through `monitorRebuilt` and
    /// `geoLoaded`, run between batches.
    private func startLoading(_ loader: StoredHistoryLoader) {
        if let monitor = anomalies {
            anomalies = nil
            awaitingMonitor = []
            loading += 1
            let risk = self.risk
            Task {
                let rebuilt = if let file = savedMonitor?.file {
                    await loader.resume(monitor, risk: risk, savedIn: file)
                } else {
                    await loader.rebuild(monitor, risk: risk)
                }
                monitorRebuilt(rebuilt)
            }
        }
        if let geo {
            loading += 1
            Task {
                let (earlier, problem) = await loader.loadGeo(into: geo)
                geoLoaded(earlier, problem: problem)
            }
        }
    }

    /// The monitor with its history: it judges the live events that waited for it, in order.
    private func monitorRebuilt(_ rebuilt: StoredHistoryLoader.RebuiltMonitor) {
        if let problem = rebuilt.problem {
            hub.fail(problem)
            historyIncomplete = true
        }
        anomalies = rebuilt.monitor
        hub.anomalyRebuild(events: rebuilt.events, seconds: rebuilt.seconds, tracked: rebuilt.monitor.status.tracked, resumed: rebuilt.resumed)
        if let reason = rebuilt.setAside { hub.savedMonitorNote("saved anomaly monitor set aside, history rebuilt: " + reason) }
        let waiting = awaitingMonitor ?? []
        awaitingMonitor = nil
        awaitingEvents = 0
        judge { $0.observe(waiting) }
        partLoaded()
    }

    /// The stored events' timeline (nil: cancelled) with this run's minutes added to it.
    private func geoLoaded(_ earlier: TimeHistogram?, problem: String?) {
        if let problem { hub.fail(problem) }
        if var earlier {
            for (bucket, counts) in timeline.buckets { earlier.add(timeline.start(ofBucket: bucket), counts: counts) }
            timeline = earlier
            hub.timeline(timeline, sightings: sightings)
        }
        partLoaded()
    }

    private func partLoaded() {
        loading -= 1
        let waiters = loadWaiters
        loadWaiters = []
        for w in waiters { w.resume() }
    }

    /// Returns once `done` holds (checked again each time a part of the history arrives).
    ///
    /// `done` is asked again inside the continuation's body, which is what the wake-up
    /// answers to: the await can give the actor up before the body runs (seen: a part that
    /// arrived in between found no waiter, and the stage waited for ever).
    private func untilLoaded(_ done: (isolated FanoutStage) -> Bool) async {
        while !done(self) {
            await withCheckedContinuation(isolation: self) { (c: CheckedContinuation<Void, Never>) in
                if done(self) { c.resume() } else { loadWaiters.append(c) }
            }
        }
    }

    /// Gives the monitor the newly stored events (`observe` hands them over) and tells the hub
    /// what it found.
    private func judge(_ observe: (inout LiveAnomalyMonitor) -> [Anomaly]) {
        guard var monitor = anomalies else { return }
        anomalies = nil
        let found = observe(&monitor)
        let status = monitor.status
        // The hub keeps the newest `recentCapacity` notes: a batch that finds more (the first
        // batch after a store's history, when every quiet entity's silence closes at once)
        // would build thousands of notes, each with its day of hours, only to drop them.
        let notes = found.suffix(AnomalyStatus.recentCapacity).map { a in
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
