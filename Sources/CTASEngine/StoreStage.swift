import CTASCore
import CTASFeeds
import CTASIntel
import CTASStore

/// Where a source's events are checkpointed, and its running totals.
struct SourceLedger: Sendable {
    var key: String
    var resumable: Bool
    var checkpoint: Checkpoint
}

/// Commits batches to the warm tier on its own thread (one transaction per group of
/// batches, each with its source checkpoint, the dead-letter length and the graph tier's
/// rows for the new events), then hands what was newly stored to the fan-out stage.
/// It also owns the in-memory correlation graph, so it answers neighbor queries between
/// commits.
actor StoreStage {
    nonisolated let executor = ThreadExecutor(name: "ctas-store")
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let warm: WarmTier
    private let graph: GraphTier
    private let intel: IntelStore
    private let deadLetters: DeadLetterFile
    private let input: BoundedQueue<EventBatch>
    private let output: BoundedQueue<CommittedBatch>
    private let hub: MetricsHub
    private let control: ReplayControl
    private let warmRetention: Duration
    private var ledgers: [SourceLedger]
    private var lastPurgeNanos: UInt64 = 0
    /// An idle moment's merge step failed since the last commit (see `upkeep`).
    private var idleMergeFailed = false
    /// Stored graph event rows read per step of the load between commits.
    private let graphLoadStep: Int
    /// Time spent loading the graph so far (its steps, not the commits between them).
    private var graphLoadNanos: UInt64 = 0
    /// Questions to the graph waiting for its load to end.
    private var graphWaiters: [CheckedContinuation<Void, Never>] = []
    /// Where the route stage learns that an import changed the intelligence (nil: no matching).
    private var storedEvents: Int
    /// Events committed per transaction at most (batches are coalesced up to this). Larger
    /// groups saved little per-commit work and held more events in memory and in the commit
    /// (16,384 measured no faster, with longer commits).
    static let groupEvents = 8_192
    /// A trickle (a live feed, the demo) waits for more: a group under `lingerEvents` is
    /// committed once its oldest batch was read `lingerNanos` ago, or when the input closes.
    /// Each commit writes every page it touches whole (16 KiB), however little changed on it:
    /// the demo's 400 events a second went out in ten commits a second of 25 pages each,
    /// 10 KB of log per event.
    static let lingerEvents = 1_024
    static let lingerNanos: UInt64 = 200_000_000
    /// How often a lingering group looks for more: a burst that arrives meanwhile waits at
    /// most this long. Each look wakes the stage's thread; at 25 ms the lingering was a
    /// sixth of the demo's wake-ups.
    static let lingerStepNanos: UInt64 = 100_000_000
    /// Keys of one level an idle moment's merge slice moves (see `upkeep`).
    static let idleMergeKeys = 4_096

    /// How long a group of `count` events waits for more before it looks again (nil: commit
    /// now). Only a trickle lingers: after a full group (`lastGroup` events), a small one is
    /// the tail of a burst (a paced tick's events split over two reads) whose rest is already
    /// behind it, and waiting would only delay it.
    static func linger(count: Int, lastGroup: Int, oldest: UInt64, now: UInt64) -> UInt64? {
        guard count < lingerEvents, lastGroup < lingerEvents else { return nil }
        let due = oldest &+ lingerNanos
        guard now < due else { return nil }
        return min(due - now, lingerStepNanos)
    }

    /// The tiers in the warm database, handed over together (they share its connection).
    struct Tiers {
        var warm: WarmTier
        var graph: GraphTier
        var intel: IntelStore
    }

    init(tiers: sending Tiers, deadLetters: sending DeadLetterFile,
         input: BoundedQueue<EventBatch>, output: BoundedQueue<CommittedBatch>, hub: MetricsHub, control: ReplayControl, ledgers: [SourceLedger],
         warmRetention: Duration, storedEvents: Int, graphLoadStep: Int = 32_768) {
        self.warm = tiers.warm
        self.graph = tiers.graph
        self.intel = tiers.intel
        self.deadLetters = deadLetters
        self.input = input
        self.output = output
        self.hub = hub
        self.control = control
        self.ledgers = ledgers
        self.warmRetention = warmRetention
        self.storedEvents = storedEvents
        self.graphLoadStep = max(1, graphLoadStep)
    }

    func run() async {
        defer {
            // A run that stopped on a failed commit may leave the load unfinished: questions
            // waiting for it get what was read.
            graph.abandonLoad()
            answerWaiters()
            input.close()
            output.close()
            executor.shutdown()
        }
        beginGraphLoad()
        var lastGroupEvents = 0
        while true {
            // While the stored graph loads, a step of it runs between commits (and back to
            // back when nothing waits), and the actor takes questions between steps.
            let first: EventBatch
            if graph.eventsLoading {
                loadGraphStep()
                if let ready = input.poll() {
                    first = ready
                } else {
                    if !input.isClosed { await Task.yield() }
                    continue
                }
            } else if warm.logCheckpointDue || (warm.keyMergeWaiting && !idleMergeFailed), !input.isClosed {
                // The log's checkpoint and the key merge take the writer's idle moments, the
                // merge a small slice of one level at a time, so a batch that arrives meanwhile
                // waits for one piece at most.
                if let ready = input.poll() {
                    first = ready
                } else {
                    upkeep()
                    await Task.yield()
                    continue
                }
            } else {
                guard let next = await input.receive() else { break }
                first = next
            }
            var group = [first]
            var count = first.events.count
            func gather() {
                while count < Self.groupEvents, let more = input.poll() {
                    group.append(more)
                    count += more.events.count
                }
            }
            gather()
            let oldest = group.lazy.map(\.readAtNanos).filter { $0 > 0 }.min() ?? MonotonicClock.nanoseconds()
            while !input.isClosed, !graph.eventsLoading,
                  let pause = Self.linger(count: count, lastGroup: lastGroupEvents, oldest: oldest, now: MonotonicClock.nanoseconds()) {
                await executor.sleep(nanoseconds: pause)
                gather()
            }
            do throws(StoreError) {
                let committed = try commit(group)
                lastGroupEvents = count
                let forced = warm.forcedLogCheckpoints
                hub.upkeep { $0.forcedCheckpoints = forced }
                _ = await output.send(committed)
                // A merge falling behind steps after every commit, once the commit is reported
                // and handed on (its events were durable before the step); otherwise it waits
                // for the writer's idle moments (above).
                if warm.keyMergeBehind { mergeKeys() }
                idleMergeFailed = false
            } catch {
                hub.fail(error.message)
                control.apply(.stop)
                break
            }
        }
        // A merge under way leaves the stored filter a generation behind; stored now, the next
        // start reads it instead of rebuilding it. (Failing, it is rebuilt then: nothing lost.)
        try? warm.saveKeyFilter()
    }

    /// A step of the key merge (`levels` of its levels), its time counted as the write
    /// stage's. Returns whether it failed.
    @discardableResult
    private func mergeKeys(levels: Int = .max, keys: Int = .max) -> Bool {
        let started = MonotonicClock.nanoseconds()
        let before = warm.mergeFailures
        warm.continueKeyMerge(levels: levels, keys: keys)
        hub.busy(.write, nanos: MonotonicClock.nanoseconds() - started)
        let failures = warm.mergeFailures
        // A merge step's own commits may reach the log's forced length too.
        let forced = warm.forcedLogCheckpoints
        hub.upkeep {
            $0.mergeSteps += 1
            $0.mergeFailures = failures
            $0.forcedCheckpoints = forced
        }
        return failures > before
    }

    /// One piece of the writer's upkeep while nothing waits to be committed: the log's
    /// checkpoint when due, else a slice of the key merge small enough that a batch arriving
    /// meanwhile is not held long (4,096 keys of one level: at most some 25 ms at a million
    /// stored events, where a slice of every level took up to 80 ms).
    private func upkeep() {
        if warm.logCheckpointDue {
            let started = MonotonicClock.nanoseconds()
            // A failed checkpoint loses nothing (the log keeps every commit); a commit past
            // the forced length tries again.
            let ran = (try? warm.checkpointLogIfDue()) ?? false
            hub.busy(.write, nanos: MonotonicClock.nanoseconds() - started)
            if ran { hub.upkeep { $0.idleCheckpoints += 1 } }
        } else {
            // A step that fails (a full disk) is not tried again before the next commit: the
            // idle writer would otherwise spin on it.
            idleMergeFailed = mergeKeys(levels: 1, keys: Self.idleMergeKeys)
        }
    }

    /// Reads the stored graph's nodes before the first commit (all a commit needs); its event
    /// rows follow in steps between commits (`loadGraphStep`). Until they are in, questions
    /// wait and the snapshot says the graph is loading.
    private func beginGraphLoad() {
        let started = MonotonicClock.nanoseconds()
        do throws(StoreError) {
            try graph.beginLoad()
        } catch {
            failLoad(error)
        }
        graphLoadNanos += MonotonicClock.nanoseconds() - started
        publishGraph(loadSeconds: graph.eventsLoading ? nil : Double(graphLoadNanos) / 1e9)
        answerWaiters()
    }

    /// Reads the next `graphLoadStep` stored event rows (some 25 ms at the default on this
    /// machine: a waiting commit waits no longer).
    private func loadGraphStep() {
        let started = MonotonicClock.nanoseconds()
        var done = true
        do throws(StoreError) {
            done = try graph.loadMoreEvents(limit: graphLoadStep)
        } catch {
            failLoad(error)
        }
        graphLoadNanos += MonotonicClock.nanoseconds() - started
        if done {
            publishGraph(loadSeconds: Double(graphLoadNanos) / 1e9)
            answerWaiters()
        }
    }

    private func answerWaiters() {
        let waiters = graphWaiters
        graphWaiters = []
        for w in waiters { w.resume() }
    }

    private func failLoad(_ error: StoreError) {
        hub.fail(error.message)
        control.apply(.stop)
        graph.abandonLoad()
        answerWaiters()
    }

    private func publishGraph(loadSeconds: Double? = nil, purged: Int = 0) {
        let g = graph.graph
        let (nodes, events, edges, bytes) = (g.nodeCount, graph.storedEvents, g.edgeCount, g.memoryBytes)
        let held = graph.holdsEvents
        let notHeld = graph.notHeld
        let oldestHeld = g.eventCount > 0 && notHeld > 0 ? g.oldestHeldTime : nil
        let loaded = !graph.eventsLoading
        hub.graph { status in
            status.loaded = loaded
            status.eventsInMemory = held
            status.notHeld = notHeld
            status.oldestHeld = oldestHeld
            if let loadSeconds { status.loadSeconds = loadSeconds }
            status.nodes = nodes
            status.events = events
            status.edges = edges
            status.memoryBytes = bytes
            status.purged += purged
        }
    }

    /// The neighborhood of a query (nil when the graph does not hold the focus).
    func neighbors(_ query: NeighborQuery) async -> Neighborhood? {
        await untilGraphLoaded()
        return graph.neighbors(query)
    }

    /// The intelligence store's decayed score of each of `indicators` it holds, as it stood
    /// just before `time` (sightings up to then, not the event's own nor later ones).
    func intelScores(_ indicators: [Indicator], at time: Timestamp) -> [Indicator: Double] {
        var out: [Indicator: Double] = [:]
        for indicator in Set(indicators) {
            var selection = IntelStore.Selection(at: time.shifted(byMicroseconds: -1))
            selection.value = indicator.value
            selection.kinds = [indicator.kind]
            guard let listing = try? intel.list(selection).first else { continue }
            out[indicator] = IntelEvidence(confidence: listing.confidence, reference: listing.reference).score(at: time)
        }
        return out
    }

    /// The strongest groups of recent linked events.
    /// The graph's strongest clusters with what the warm tier adds (entities, risk, the
    /// intelligence their events carried), ranked again with the intel score:
    /// score × (1 + intel score ÷ 100).
    func clusters(_ query: ClusterQuery) async -> [EventCluster] {
        await untilGraphLoaded()
        var found = graph.clusters(query)
        for i in found.indices {
            guard let facts = try? warm.facts(ofEvents: found[i].sampleIDs) else { continue }
            found[i].entities = Array(facts.entities.prefix(3))
            found[i].maximumRisk = facts.maximumRisk
            found[i].intelScore = facts.maximumIntelPart.map { min(100, Double($0) / RiskScore.intelWeight) }
            if let intel = found[i].intelScore { found[i].score *= 1 + intel / 100 }
        }
        return found.sorted { ($0.score, $0.last.microseconds, $0.newest.id) > ($1.score, $1.last.microseconds, $1.newest.id) }
    }

    /// The ids of the events the graph holds, in slot order (tests).
    func graphEventIDs() async -> [String] {
        await untilGraphLoaded()
        return (0..<graph.graph.eventCount).map { graph.graph.event(CorrelationGraph.EventSlot($0)).id }
    }

    /// What typed text names in the graph: an event id, else an indicator value.
    func resolve(_ text: String) async -> GraphFocus? {
        await untilGraphLoaded()
        return graph.resolve(text)
    }

    /// Returns once the stored graph is loaded: a question asked before (even before the
    /// stage runs) waits for the whole answer rather than getting part of one; commits go on
    /// meanwhile. A run that ends answers every question still waiting.
    ///
    /// `graph.loaded` is read again inside the continuation's body: the await can give the
    /// actor up before the body runs, and a load that ended in between would leave the
    /// question waiting for ever (see `FanoutStage.untilLoaded`).
    private func untilGraphLoaded() async {
        while !graph.loaded {
            await withCheckedContinuation(isolation: self) { (c: CheckedContinuation<Void, Never>) in
                if graph.loaded { c.resume() } else { graphWaiters.append(c) }
            }
        }
    }

    /// Graph entries for the events of `group` that were stored as new and placed in the graph.
    private func graphEntries(_ group: [EventBatch], inserted: [Bool]) -> [GraphTier.Entry] {
        var entries: [GraphTier.Entry] = []
        var flag = 0
        for batch in group {
            for (i, event) in batch.events.enumerated() {
                defer { flag += 1 }
                guard inserted[flag], batch.placements.indices.contains(i), batch.placements[i].contains(.graph) else { continue }
                entries.append(GraphTier.Entry(event: event, indicators: batch.indicators.indices.contains(i) ? batch.indicators[i] : []))
            }
        }
        return entries
    }

    /// Sightings of the events this commit inserts (a duplicate event sights nothing again).
    private func sightingRows(_ group: [EventBatch], inserted: [Bool]) -> [(Indicator, Timestamp, String, String)] {
        var rows: [(Indicator, Timestamp, String, String)] = []
        var base = 0
        for batch in group {
            for sighting in batch.sightings where inserted.indices.contains(base + sighting.event) && inserted[base + sighting.event] {
                let event = batch.events[sighting.event]
                for indicator in sighting.indicators { rows.append((indicator, event.timestamp, event.source ?? "ctas", event.id)) }
            }
            base += batch.events.count
        }
        return rows
    }

    private func commit(_ group: [EventBatch]) throws(StoreError) -> CommittedBatch {
        let started = MonotonicClock.nanoseconds()
        var parts: [WarmTier.Part] = []
        var blocks: [WarmRowBlock] = []
        var cells: [[UInt64]] = []
        var events: [[Event]] = []
        var placements: [[Placement]] = []
        var eventCount = 0
        var letters: [DeadLetterEntry] = []
        var rejectKeys: [String] = []
        var warnings: [String: Int] = [:]
        var blank = 0
        var lines = 0
        for batch in group {
            let part = WarmTier.Part(events: batch.events, rows: batch.rows,
                                     cells: batch.cells.count == batch.events.count ? batch.cells : nil)
            parts.append(part)
            blocks.append(part.rows)
            cells.append(part.cells)
            events.append(batch.events)
            placements.append(batch.placements)
            eventCount += batch.events.count
            blank += batch.blankLines
            lines += batch.lines
            for (key, count) in batch.warnings { warnings[key, default: 0] += count }
            let name = ledgers[batch.source].key
            for r in batch.rejects {
                rejectKeys.append(r.reasonKey)
                letters.append(DeadLetterEntry(source: name, line: r.line, reason: r.reasonKey, message: r.message,
                                               raw: r.raw, rawLength: r.rawLength))
            }
        }
        // Dead letters reach the file before the transaction that covers their lines commits.
        try deadLetters.append(letters)
        let mark = graph.mark()
        let result: WarmTier.CommitResult
        do throws(StoreError) {
            result = try warm.commit(parts, deadLetterSize: deadLetters.size, thenMergingKeys: false,
                                     alsoWrite: { (inserted) throws(StoreError) in
                                         try graph.write(graphEntries(group, inserted: inserted))
                                         try intel.logSightings(sightingRows(group, inserted: inserted))
                                     },
                                     checkpoints: { inserted in checkpoints(for: group, inserted: inserted) })
        } catch {
            graph.rollback(to: mark)
            throw error
        }
        storedEvents += result.insertedCount
        graph.trimToBudget()
        let now = MonotonicClock.nanoseconds()
        hub.stage(.write, events: eventCount, nanos: now - started)
        // Each batch's new events became durable now, however long the batch had waited for
        // the group it was committed with.
        var durable: [(readAtNanos: UInt64, events: Int)] = []
        var offset = 0
        for batch in group {
            let new = result.inserted[offset..<offset + batch.events.count].lazy.filter { $0 }.count
            offset += batch.events.count
            if batch.readAtNanos > 0 && new > 0 { durable.append((batch.readAtNanos, new)) }
        }
        hub.durable(durable, at: now)
        if now - lastPurgeNanos > 30_000_000_000 {
            lastPurgeNanos = now
            storedEvents -= try warm.purge(retention: warmRetention, storedEvents: storedEvents)
            publishGraph(purged: try graph.purge(storedEvents: storedEvents))
        } else {
            publishGraph()
        }
        var sightingTimes: [Timestamp] = []
        var base = 0
        for batch in group {
            for sighting in batch.sightings where result.inserted.indices.contains(base + sighting.event) && result.inserted[base + sighting.event] {
                sightingTimes.append(batch.events[sighting.event].timestamp)
            }
            base += batch.events.count
        }
        return CommittedBatch(events: events, placements: placements, rows: blocks, cells: cells, inserted: result.inserted, rejectKeys: rejectKeys, warnings: warnings,
                              blankLines: blank, lines: lines, writeNanos: now - started,
                              storedEvents: storedEvents, sightingTimes: sightingTimes, lastSeq: result.lastSeq)
    }

    /// Updates each source's running totals and position from this group and returns the
    /// checkpoint rows it completes (one per resumable source present).
    private func checkpoints(for group: [EventBatch], inserted: [Bool]) -> [Checkpoint] {
        var touched: [Int: Checkpoint] = [:]
        var first = 0
        for batch in group {
            var ledger = ledgers[batch.source]
            let new = inserted[first..<(first + batch.events.count)].filter { $0 }.count
            first += batch.events.count
            ledger.checkpoint.accepted += Int64(new)
            ledger.checkpoint.duplicates += Int64(batch.events.count - new)
            ledger.checkpoint.rejected += Int64(batch.rejects.count)
            if let position = batch.checkpoint, ledger.resumable {
                ledger.checkpoint.offset = position.offset
                ledger.checkpoint.line = Int64(position.line)
                if let identity = batch.identity {
                    ledger.checkpoint.device = identity.device
                    ledger.checkpoint.inode = identity.inode
                    ledger.checkpoint.fingerprint = identity.fingerprint
                    ledger.checkpoint.fingerprintLength = identity.fingerprintLength
                }
                touched[batch.source] = ledger.checkpoint
            }
            ledgers[batch.source] = ledger
        }
        return Array(touched.values)
    }
}
