import CTASBehaviour
import CTASCore
import H3
import CTASFeeds
import CTASGeoIP
import CTASIntel
import CTASStore
import Foundation

/// A fault that keeps the engine from starting, naming the file or setting at fault.
public enum EngineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No source was given.
    case noSources
    /// Another process holds the data directory's writer lock (`holder`: which, when the
    /// system says; nil for a second engine in this process).
    case locked(directory: String, holder: LockHolder?)
    /// The lock file cannot be made.
    case lockFile(path: String, reason: String)
    /// The store refused (the data directory, the warm database).
    case store(StoreError)
    /// A source cannot be opened.
    case feed(FeedError)
    /// A file the engine writes (the demo feed) cannot be made.
    case cannotWrite(path: String, what: String)

    public var description: String {
        switch self {
        case .noSources: "no feed given; expected a file, --follow FILE or --stdin"
        case .locked(let directory, let holder):
            "\(directory): another ctas process is writing to this data directory"
                + (holder.map { " (\($0))" } ?? "")
                + "; one writer at a time: wait for it to end, read the store meanwhile (ctas query, graph, timeline, hotspots), or use --data-dir to pick another"
        case .lockFile(let path, let reason): "\(path): cannot create lock file: \(reason)"
        case .store(let error): error.description
        case .feed(let error): error.description
        case .cannotWrite(let path, let what): "\(path): cannot write \(what)"
        }
    }

    /// The description (for callers that only print).
    public var message: String { description }
}

/// The ingest engine: sources → parse (pacing) → route → store, each an actor, connected
/// by bounded queues carrying batches. It publishes a `Snapshot` at most every
/// `publishInterval` and takes `EngineCommand`s as values.
public final class Engine: Sendable {
    /// Where events come from.
    public enum SourceSpec: Sendable, Equatable {
        case file(String)
        /// A file that keeps growing (and may be rotated).
        case follow(String)
        case stdin
        /// UDP datagrams on an IPv4 address (a live source: drops are counted).
        case udp(host: String, port: UInt16)

        /// `127.0.0.1:5514` → `.udp`; nil when it is not HOST:PORT.
        public init?(udpAddress text: String) {
            guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else { return nil }
            let host = String(text[..<colon])
            guard !host.isEmpty else { return nil }
            self = .udp(host: host, port: port)
        }
    }

    public struct Configuration: Sendable {
        public var sources: [SourceSpec]
        public var format: FeedFormat = .auto
        /// How telemetry is read (`--assume-tz`).
        public var telemetry = TelemetryOptions()
        public var dataDirectory: DataDirectory
        public var rules: RoutingRules = .builtIn()
        public var speed: ReplaySpeed = .max
        public var startPaused = false
        /// Release only events at or after this time: every source is read from where it
        /// starts and what comes before is skipped and counted (`--seek` on the command
        /// line; a seek sent after `start` would race the first batches).
        public var startAt: Timestamp?
        /// Replay files again from the top when they end (ids and times shift per pass).
        public var loop = false
        /// With `loop`: each pass gets indicator values of its own (`LoopEpisodes`), so
        /// correlations do not pile up pass after pass (the demo).
        public var loopEpisodes = false
        /// Keep ended files open for seeking instead of finishing (the console).
        public var holdAtEnd = false
        public var rebaseToNow = false
        /// Ignore stored checkpoints and read files from the start.
        public var fromStart = false
        public var recordPath: String?
        public var sync: WarmTier.Sync = .normal
        /// Values that never link events (built-in list plus the user's files).
        public var warninglist: Warninglist = .builtIn()
        /// Places events without coordinates by IP address (nil: no geolocation).
        public var geolocator: GeoLocator?
        /// Records a sighting on every stored intelligence indicator an event carries.
        public var matchIntel = true
        /// How often the engine looks (on a thread of its own, lines or not) whether an import
        /// changed the intelligence, to reload it.
        public var intelReloadInterval: Duration = .seconds(2)
        /// Finds behaviour anomalies live (bursts, silences, firsts per entity): nil turns it off.
        public var anomalies: LiveAnomalyMonitor.Options? = LiveAnomalyMonitor.Options()
        /// Keep the in-memory geo index the heatmap reads, and read earlier runs' events into
        /// the timeline (headless commands have no screen and skip the cost; drill-downs,
        /// `ctas hotspots` and `ctas timeline` read the warm tier).
        public var geoIndex = true
        /// Hold the correlation graph's events in memory for neighbour and cluster questions
        /// (the console, replays). `ctas ingest` asks none: it keeps only the graph's nodes and
        /// writes its rows, so its memory does not grow with the stored history.
        public var graphHoldsEvents = true
        /// Stored graph event rows read per step of the graph's load. The first commits go in
        /// between steps (they need only the nodes); questions to the graph wait for the end.
        public var graphLoadStep = 32_768
        /// Keep the hot tier: the newest events in memory, the live view's recent window. A
        /// headless command has no live view; it skips the tier (up to its memory cap, 48 MiB
        /// by default) and reports it unavailable, its routing decisions as skips.
        public var keepsHotTier = true
        public var publishInterval: Duration = .milliseconds(100)
        /// How often, while batches queue up behind one another, the attention line and the
        /// timeline are worked out again; the last batch of a burst always updates them.
        public var attentionInterval: Duration = .milliseconds(250)
        /// Tally the attention line: critical and high counts, and the busiest entity, type
        /// and source of the last five minutes. A headless command shows none and skips it
        /// (string-keyed counts of three names per event: a fifth of the fan-out stage's time
        /// on `ctas ingest`).
        public var tallyAttention = true
        /// Batches each queue holds before its producer waits (a batch is at most a ~1 MiB
        /// read, some 3,000 native events, or `ParseStage.forwardEvents`, whichever is
        /// fewer). Two keep every stage fed; a third only
        /// held more events in flight (measured: a Zeek dns ingest's peak RSS 260 → 216 MB with
        /// the writer's groups halved too, the same rate within noise, and a paced 50k/s
        /// replay's read→durable p99 0.74–1.04 → 0.60–0.69 s).
        public var queueCapacity = 2

        public init(sources: [SourceSpec], dataDirectory: DataDirectory) {
            self.sources = sources
            self.dataDirectory = dataDirectory
        }
    }

    public let configuration: Configuration
    /// The hot tier (nil when the configuration keeps none: a headless command).
    public let hot: HotTier?
    let hub: MetricsHub
    let control: ReplayControl
    let router: TierRouter
    private let sourceStages: [SourceStage]
    private let parseStages: [ParseStage]
    private let routeStage: RouteStage
    private let storeStage: StoreStage
    /// Offers the route stage a reload when an import changes the intelligence store.
    private let intelWatch: IntelWatch?
    private let intelReloads: IntelReloads?

    /// Whether a reload of the intelligence was offered and has loaded (tests).
    var intelReloadHasLoaded: Bool { intelReloads?.latestHasLoaded ?? false }

    /// The ids of the events the graph holds, in slot order (tests: a load's order).
    func graphEventIDs() async -> [String] { await storeStage.graphEventIDs() }
    private let fanoutStage: FanoutStage
    private let fanoutQueue: BoundedQueue<CommittedBatch>
    private let lineQueues: [BoundedQueue<LineBatch>]
    private let routeQueue: BoundedQueue<EventBatch>
    private let storeQueue: BoundedQueue<EventBatch>
    /// The data directory's lock, held from `init` until everything is committed (or the
    /// engine goes away): nil once released.
    private let lockFD: Locked<DirectoryLock?>
    private let latest = Locked(Snapshot())
    /// Held while a snapshot is built and published (see `publish`), with the recent window
    /// the last one copied.
    private let publishing = Locked(PublishedRecent())

    /// The recent window as the last snapshot holds it: a publish shares it while the window
    /// is unchanged (a paused or trickling run) instead of copying 1,000 events again.
    private struct PublishedRecent {
        var version = -1
        var events: [Event] = []
    }
    private let publisherState = Locked(PublisherState())
    private let tasks = Locked<[Task<Void, Never>]>([])
    private let storeTask = Locked<Task<Void, Never>?>(nil)
    private let startedNanos = MonotonicClock.nanoseconds()
    private let history: HistoryReader
    private let geo: GeoHub

    private struct PublisherState {
        var stageEvents: [Int] = []
        var stageBusy: [UInt64] = []
        var atNanos: UInt64 = 0
        var cpu = CPUWindow()
        var cpuPercent = 0.0
    }

    /// Latency percentiles as of the last second (see `LatencyPercentiles`).
    private let percentiles = Locked(LatencyPercentiles())

    /// Opens the data directory and every source; fails with a clear message before any
    /// work starts.
    public init(_ configuration: Configuration) throws(EngineError) {
        self.configuration = configuration
        // A console holding at the end may have no source: it shows what the store holds.
        guard !configuration.sources.isEmpty || configuration.holdAtEnd else { throw EngineError.noSources }
        let directory = configuration.dataDirectory
        do throws(StoreError) { try directory.create() } catch { throw EngineError.store(error) }
        let lockFD = try Self.lock(directory)
        self.lockFD = Locked(lockFD)

        let warm: WarmTier
        let graph: GraphTier
        let intel: IntelStore
        let loader: IntelEvidenceLoader?
        var intelGeneration: Int64 = 0
        let deadLetters: DeadLetterFile
        var storedEvents = 0
        var storedThroughSeq: Int64 = 0
        do throws(StoreError) {
            warm = try WarmTier(path: directory.warmDatabase, sync: configuration.sync)
            graph = try GraphTier(database: warm.database, warninglist: configuration.warninglist,
                                  retention: configuration.rules.graphRetention, holdingEvents: configuration.graphHoldsEvents,
                                  memoryBudget: configuration.rules.graphMemoryBytes)
            intel = try IntelStore(database: warm.database)
            // Loaded while the pipeline starts, when the store holds any intelligence.
            let holdsIntel = configuration.matchIntel ? try intel.entryCount(upTo: 1) > 0 : false
            // Read before the load starts: an import meanwhile then shows as a change.
            if configuration.matchIntel { intelGeneration = try intel.generation() }
            loader = holdsIntel ? IntelEvidenceLoader(databasePath: directory.warmDatabase) : nil
            // Every commit stores the dead-letter length; with none stored, nothing was ever
            // committed, so lines in the file come from a run that died before its first commit.
            deadLetters = try DeadLetterFile(path: directory.deadLetterFile, committedSize: try warm.committedDeadLetterSize() ?? 0)
            storedEvents = warm.storedEvents
            storedThroughSeq = try warm.database.scalar("SELECT max(seq) FROM events") ?? 0
        } catch {
            Self.unlock(lockFD)
            throw EngineError.store(error)
        }
        let recorder: FeedRecorder?
        do throws(FeedError) {
            recorder = try configuration.recordPath.map { (path) throws(FeedError) in try FeedRecorder(path: path) }
        } catch {
            Self.unlock(lockFD)
            throw EngineError.feed(error)
        }

        control = ReplayControl(speed: configuration.speed, paused: configuration.startPaused)
        router = TierRouter(rules: configuration.rules)
        hot = configuration.keepsHotTier ? HotTier(ttl: configuration.rules.hotTTL, memoryLimit: configuration.rules.hotMemoryBytes) : nil

        let hub = MetricsHub(sources: [])
        self.hub = hub
        let threshold = configuration.rules.overcorrelationThreshold
        let warninglistEntries = configuration.warninglist.count
        hub.graph { status in
            status.overcorrelationThreshold = threshold
            status.warninglistEntries = warninglistEntries
        }
        let capacity = max(2, configuration.queueCapacity)
        routeQueue = BoundedQueue(capacity: capacity)
        storeQueue = BoundedQueue(capacity: capacity)
        var lineQueues: [BoundedQueue<LineBatch>] = []
        var sources: [SourceStage] = []
        var parsers: [ParseStage] = []
        var ledgers: [SourceLedger] = []
        let transform = ReplayTransform(rebaseToNow: configuration.rebaseToNow, shiftLoopPasses: true,
                                        episodes: configuration.loopEpisodes ? LoopEpisodes(warninglist: configuration.warninglist) : nil)
        do throws(EngineError) {
            for (i, spec) in configuration.sources.enumerated() {
                let opened = try Self.open(spec, warm: warm, configuration: configuration)
                let ledger = opened.ledger
                let start = opened.start
                let kind = opened.kind
                let queue = BoundedQueue<LineBatch>(capacity: capacity)
                let source = SourceStage(reader: opened.reader, index: i, output: queue, hub: hub, control: control,
                                         loop: configuration.loop, holdAtEnd: configuration.holdAtEnd)
                var status = SourceStatus(name: source.name, kind: kind)
                status.resumedFrom = start
                hub.addSource(status)
                ledgers.append(ledger)
                lineQueues.append(queue)
                sources.append(source)
                parsers.append(ParseStage(index: i, input: queue, output: routeQueue, source: source, hub: hub, control: control,
                                          format: configuration.format, telemetry: configuration.telemetry, resumable: ledger.resumable, start: start,
                                          startAt: configuration.startAt, transform: transform, live: kind == .follow || kind == .udp || kind == .stdin))
            }
        } catch {
            Self.unlock(lockFD)
            throw error
        }
        self.lineQueues = lineQueues
        sourceStages = sources
        parseStages = parsers
        let risk = RiskBoard()
        let reloads = configuration.matchIntel ? IntelReloads() : nil
        intelReloads = reloads
        intelWatch = reloads.map {
            IntelWatch(databasePath: directory.warmDatabase, generation: intelGeneration, interval: configuration.intelReloadInterval, reloads: $0)
        }
        routeStage = RouteStage(input: routeQueue, output: storeQueue, router: router, hub: hub,
                                geolocator: configuration.geolocator.map { EventGeolocator(locator: $0, warninglist: configuration.warninglist) },
                                intel: loader, reloads: reloads, risk: risk)
        fanoutQueue = BoundedQueue(capacity: 2)
        storeStage = StoreStage(tiers: StoreStage.Tiers(warm: warm, graph: graph, intel: intel), deadLetters: deadLetters, input: storeQueue, output: fanoutQueue, hub: hub,
                                control: control, ledgers: ledgers, warmRetention: configuration.rules.warmRetention,
                                storedEvents: storedEvents, graphLoadStep: configuration.graphLoadStep)
        let geo = GeoHub(loaded: storedThroughSeq <= 0 || !configuration.geoIndex)
        self.geo = geo
        fanoutStage = FanoutStage(input: fanoutQueue, hot: hot, recorder: recorder, hub: hub, geo: configuration.geoIndex ? geo : nil,
                                  risk: risk,
                                  anomalies: configuration.anomalies.map { LiveAnomalyMonitor(options: $0) },
                                  storedBefore: storedThroughSeq > 0 ? StoredHistoryLoader(path: directory.warmDatabase, throughSeq: storedThroughSeq) : nil,
                                  savedMonitor: (directory.savedMonitorFile, directory.warmDatabase), storedThroughSeq: storedThroughSeq,
                                  attentionInterval: configuration.attentionInterval, tallyAttention: configuration.tallyAttention)
        history = HistoryReader(path: directory.warmDatabase)
        publish()
    }

    deinit {
        intelWatch?.stop()
        unlockDataDirectory()
    }

    /// Lets another writer have the data directory: called once everything read is
    /// committed, so the next `ctas` can start at once rather than when this engine's last
    /// reference (a snapshot being published, a console's query) goes away.
    private func unlockDataDirectory() {
        lockFD.withLock { fd in
            if let open = fd { Self.unlock(open) }
            fd = nil
        }
    }

    private struct OpenedSource {
        var reader: any FeedReader
        var kind: SourceStatus.Kind
        var ledger: SourceLedger
        var start: SourcePosition
    }

    private static func open(_ spec: SourceSpec, warm: WarmTier, configuration: Configuration) throws(EngineError) -> sending OpenedSource {
        do {
            switch spec {
            case .file(let path) where StreamFeedReader.isStream(path: path):
                // A named pipe or `<(…)`: no seeking, no resuming; read as standard input is.
                let reader = try StreamFeedReader(path: path)
                return OpenedSource(reader: reader, kind: .pipe,
                                    ledger: SourceLedger(key: path, resumable: false, checkpoint: Checkpoint(source: path)),
                                    start: .start)
            case .file(let path), .follow(let path):
                let follow: Bool
                if case .follow = spec { follow = true } else { follow = false }
                let key = absolutePath(path)
                var ledger = SourceLedger(key: key, resumable: !configuration.loop, checkpoint: Checkpoint(source: key))
                var start = SourcePosition.start
                if ledger.resumable, !configuration.fromStart, let saved = try warm.checkpoint(for: key),
                   FileFeedReader.matches(path: path, device: saved.device, inode: saved.inode, fingerprint: saved.fingerprint,
                                          fingerprintLength: saved.fingerprintLength, offset: saved.offset) {
                    start = SourcePosition(offset: saved.offset, line: Int(saved.line))
                    ledger.checkpoint = saved
                }
                let reader = try FileFeedReader(path: path, start: start, follow: follow)
                return OpenedSource(reader: reader, kind: follow ? .follow : .file, ledger: ledger, start: start)
            case .stdin:
                return OpenedSource(reader: StreamFeedReader(), kind: .stdin,
                                    ledger: SourceLedger(key: "stdin", resumable: false, checkpoint: Checkpoint(source: "stdin")),
                                    start: .start)
            case .udp(let host, let port):
                let reader = try DatagramFeedReader(host: host, port: port)
                return OpenedSource(reader: reader, kind: .udp,
                                    ledger: SourceLedger(key: reader.name, resumable: false, checkpoint: Checkpoint(source: reader.name)),
                                    start: .start)
            }
        } catch let error as FeedError {
            throw EngineError.feed(error)
        } catch let error as StoreError {
            throw EngineError.store(error)
        } catch {
            throw EngineError.feed(.io(source: "\(spec)", doing: "cannot open", reason: "\(error)"))
        }
    }

    static func absolutePath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Data directories an engine of this process holds (a POSIX record lock does not
    /// exclude its own process).
    private static let lockedHere = Locked<Set<String>>([])

    /// One writer per data directory: a second `ctas` on the same directory, or a second
    /// engine in this process, gets a clear error.
    ///
    /// A POSIX record lock (`fcntl F_SETLK`), not `flock`: a `flock` belongs to the open file,
    /// which a child shares between its fork and exec, so a process that spawns programs could
    /// hold a released lock a moment longer; a record lock belongs to the process alone.
    private static func lock(_ directory: DataDirectory) throws(EngineError) -> DirectoryLock {
        let path = directory.path + "/lock"
        let fd = Foundation.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw EngineError.lockFile(path: path, reason: String(cString: strerror(errno))) }
        let key = absolutePath(path)
        let claimed = lockedHere.withLock { $0.insert(key).inserted }
        guard claimed else {
            close(fd)
            throw EngineError.locked(directory: directory.path, holder: nil)
        }
        var request = flock()
        request.l_type = Int16(F_WRLCK)
        request.l_whence = Int16(SEEK_SET)
        request.l_start = 0
        request.l_len = 0
        if fcntl(fd, F_SETLK, &request) != 0 {
            let holder = LockHolder.of(descriptor: fd)
            close(fd)
            _ = lockedHere.withLock { $0.remove(key) }
            throw EngineError.locked(directory: directory.path, holder: holder)
        }
        return DirectoryLock(descriptor: fd, key: key)
    }

    /// A held data-directory lock: the lock file's descriptor and its path in `lockedHere`.
    struct DirectoryLock: Sendable {
        var descriptor: Int32
        var key: String
    }

    /// Releases what `lock` took (closing the file drops the record lock).
    private static func unlock(_ held: DirectoryLock) {
        close(held.descriptor)
        _ = lockedHere.withLock { $0.remove(held.key) }
    }

    // MARK: running

    /// File sources read at once when ingesting at full speed (see `SourceGate`).
    static let concurrentFiles = 4

    /// Starts every stage; returns at once.
    ///
    /// The stages run on the pipeline's own threads (`ThreadPoolExecutor.shared`), not the
    /// cooperative pool: whatever else the process does, ingest keeps its pace.
    public func start() {
        let pool = ThreadPoolExecutor.shared
        var started: [Task<Void, Never>] = []
        let gated = configuration.speed == .max && !configuration.holdAtEnd && !configuration.loop
        let gate = gated ? SourceGate(limit: Self.concurrentFiles) : nil
        for (i, source) in sourceStages.enumerated() {
            let isFile = if case .file = configuration.sources[i] { true } else { false }
            let fileGate = isFile ? gate : nil
            started.append(Task(executorPreference: pool) {
                await fileGate?.enter()
                await source.run()
                fileGate?.leave()
            })
        }
        let parseTasks = parseStages.map { parse in Task(executorPreference: pool) { await parse.run() } }
        started += parseTasks
        let routeQueue = routeQueue
        started.append(Task(executorPreference: pool) {
            for task in parseTasks { await task.value }
            routeQueue.close()
        })
        let route = routeStage
        started.append(Task(executorPreference: pool) { await route.run() })
        let store = storeStage
        started.append(Task(executorPreference: pool) { await store.run() })
        let fanout = fanoutStage
        let hub = hub
        let storing = Task(executorPreference: pool) {
            await fanout.run()
            hub.finish()
        }
        storeTask.withLock { $0 = storing }
        // The publisher has a thread of its own, like the stages: snapshots keep coming when
        // the cooperative pool is busy (a console's panes must not freeze because other work
        // holds the pool's threads).
        // It holds the engine only while publishing, never while it sleeps: an engine that is
        // done with goes away (and unlocks its data directory) at once.
        let publisher = Thread { [weak self] in
            while let pause = Engine.publishAndPause(self) {
                Thread.sleep(forTimeInterval: Double(pause.components.seconds) + Double(pause.components.attoseconds) / 1e18)
            }
        }
        publisher.name = "ctas-publish"
        publisher.start()
        tasks.withLock { $0 = started }
        intelWatch?.start()
    }

    /// One turn of the publisher: a snapshot, and how long to wait for the next (nil: the
    /// engine is gone or finished, after a last snapshot).
    private static func publishAndPause(_ engine: Engine?) -> Duration? {
        guard let engine else { return nil }
        // Read before publishing: a run that finishes while the snapshot is built is seen on
        // the next turn, so the last snapshot published always says finished (a console opens
        // a store's events, and shows DONE, only when one does).
        let finished = engine.hub.state.withLock { $0.finished }
        engine.publish()
        guard !finished else { return nil }
        // A paused replay has nothing new to say ten times a second.
        let interval = engine.configuration.publishInterval
        return engine.control.current.paused ? max(interval, .milliseconds(500)) : interval
    }

    /// Waits until every source has ended and everything read is committed.
    nonisolated(nonsending) public func waitUntilFinished() async -> IngestSummary {
        if let storing = storeTask.withLock({ $0 }) { await storing.value }
        for task in tasks.withLock({ $0 }) { await task.value }
        intelWatch?.stop()
        publish()
        unlockDataDirectory()
        return summary()
    }

    /// Starts, runs to the end of every source, and summarises.
    nonisolated(nonsending) public func run() async -> IngestSummary {
        start()
        return await waitUntilFinished()
    }

    /// Stops reading, commits what is in flight, and summarises (SIGTERM, `q`).
    nonisolated(nonsending) public func stop() async -> IngestSummary {
        control.apply(.stop)
        geo.cancelLoading()
        for queue in lineQueues { queue.close() }
        return await waitUntilFinished()
    }

    /// Applies a command; returns an error message when it cannot be applied (e.g. seeking
    /// a stream).
    @discardableResult
    nonisolated(nonsending) public func send(_ command: EngineCommand) async -> String? {
        switch command {
        case .stop:
            _ = await stop()
            return nil
        case .seek(let target):
            // Every source moves first; only then a new replay-settings version makes them
            // re-anchor their pacing together. The other order let a parse stage, still
            // pacing the old position while its seek was on its way, anchor the new version
            // on an event from before the seek: a seek forward then waited out the whole
            // skipped span at the replay speed before releasing anything.
            var problems: [String] = []
            for parse in parseStages {
                if let problem = await parse.seek(to: target) { problems.append(problem) }
            }
            control.apply(.seek(target))
            return problems.isEmpty ? nil : problems.joined(separator: "; ")
        default:
            control.apply(command)
            if command == .resume || command == .togglePause {
                let paused = control.current.paused
                for i in configuration.sources.indices {
                    hub.source(i) { if $0.state == .paused && !paused { $0.state = .reading } }
                }
            }
            return nil
        }
    }

    /// Stored events newest first, matching `filter`, older than `before` (a previous page's
    /// `next`), for scrolling back past the snapshot's recent events.
    nonisolated(nonsending) public func history(matching filter: EventFilter, before: Int64?, limit: Int) async -> HistoryPage {
        await history.page(filter, before: before, limit: limit)
    }

    /// The stored event with this id, whole (nil when the warm tier does not hold it: never
    /// stored, or past its retention while the graph still keeps it).
    nonisolated(nonsending) public func storedEvent(id: String) async -> Event? {
        await history.event(id: id)
    }

    /// The correlation neighborhood of `query.focus` (nil when the graph does not hold the
    /// focus). Answered by the writer between commits, in milliseconds; while the stored
    /// graph loads, the question waits for its end.
    nonisolated(nonsending) public func neighbors(_ query: NeighborQuery) async -> Neighborhood? {
        await storeStage.neighbors(query)
    }

    /// Which of `indicators` the intelligence store holds, with each one's decayed score at
    /// `time` (an event's time, as its risk score weighed them): the detail view's marks.
    nonisolated(nonsending) public func intelScores(of indicators: [Indicator], at time: Timestamp) async -> [Indicator: Double] {
        await storeStage.intelScores(indicators, at: time)
    }

    /// The strongest groups of recent events linked through shared indicators (the
    /// correlation pane with nothing focused).
    nonisolated(nonsending) public func clusters(_ query: ClusterQuery) async -> [EventCluster] {
        await storeStage.clusters(query)
    }

    /// What `text` names in the graph: an event id, else an indicator in any written form.
    nonisolated(nonsending) public func resolveInGraph(_ text: String) async -> GraphFocus? {
        await storeStage.resolve(text)
    }

    /// Densities and hot spots for the heatmap (computed on Swift's shared pool, neither the
    /// console's thread nor a stage's, and not on `ThreadPoolExecutor.shared`, which only
    /// runs short jobs that keep time; cached until new events arrive).
    public func heatmap(_ query: HeatmapQuery) async -> HeatmapData {
        let geo = geo
        // A range older than the index's minutes is read from the warm tier, on the history
        // reader's thread (a scan can take a while; it must not hold Swift's pool).
        var stored: [H3Index: CellTally]?
        if let range = query.range, !geo.covers(range) {
            stored = await history.cellTallies(resolution: query.resolution, range: range)
        }
        let answer = stored
        return await Task.detached { geo.heatmap(query, stored: answer) }.value
    }

    /// A cell's stored events, newest first, with its event count and top types and sources
    /// in `since..<until` (the drill-down; one indexed range scan).
    nonisolated(nonsending) public func drill(into cell: H3Index, since: Timestamp?, until: Timestamp? = nil, limit: Int) async -> CellDrill {
        await history.drill(cell, since: since, until: until, limit: limit)
    }

    /// The over-correlation threshold the rules set.
    public var overcorrelationThreshold: Int { configuration.rules.overcorrelationThreshold }

    /// Whether every source can be repositioned (seek is possible).
    public var canSeek: Bool { configuration.sources.allSatisfy { if case .file = $0 { true } else { false } } }

    /// The latest published snapshot.
    public var snapshot: Snapshot { latest.withLock { $0 } }

    // MARK: snapshots

    /// Builds a snapshot and makes it the latest. Publishes are taken one at a time (the
    /// publisher's turns, and the last one of `waitUntilFinished` that the summary reads):
    /// two at once could leave the one built first last, a step back in time that could
    /// miss the run's end.
    func publish() {
        publishing.withLock { recent in
            let next = makeSnapshot(sharing: &recent)
            latest.withLock { $0 = next }
        }
    }

    private func makeSnapshot(sharing recent: inout PublishedRecent) -> Snapshot {
        var snap = Snapshot()
        let now = MonotonicClock.nanoseconds()
        snap.wallTime = .now()
        snap.uptimeSeconds = Double(now - startedNanos) / 1e9
        let state = hub.state.withLock { $0 }
        snap.sequence = (latest.withLock { $0.sequence }) + 1
        snap.totals = state.totals
        snap.rejectReasons = state.rejectReasons
        snap.warnings = state.warnings
        snap.geolocation = state.geolocation
        snap.intelSightings = state.intelSightings
        snap.anomalies = state.anomalies
        snap.sources = state.sources
        if recent.version != state.recentVersion {
            recent = PublishedRecent(version: state.recentVersion, events: Array(state.recent))
        }
        snap.recent = recent.events
        snap.rateHistory = state.rateSeconds.map(\.count)
        snap.storedEvents = state.storedEvents
        snap.failure = state.failure
        snap.finished = state.finished
        snap.upkeep = state.upkeep
        var summaries = percentiles.withLock { $0.refreshed(now: now, finished: state.finished) }
        snap.endToEnd = summaries.summary(.endToEnd, state.endToEnd)
        snap.lag = hub.lag(now: now)
        snap.attention = state.attention
        snap.timeline = state.timeline
        snap.sightingTimeline = state.sightingTimeline
        let replay = control.current
        snap.replay.speed = replay.speed
        snap.replay.paused = replay.paused
        snap.replay.looping = configuration.loop
        snap.replay.rebased = configuration.rebaseToNow
        snap.replay.eventTime = state.replayEventTime

        let cpu = ProcessStats.cpuSeconds()
        // Snapshots are made from more than one task (the publisher, a stop, the end): one that
        // started earlier can reach here after a later one. It then reports no rates and
        // leaves the later reference point in place (a clock going backwards would trap).
        let (elapsed, previousEvents, previousBusy, cpuPercent): (Double, [Int], [UInt64], Double) = publisherState.withLock { p in
            guard now > p.atNanos else { return (0, [], [], p.cpuPercent) }
            let elapsed = p.atNanos == 0 ? 0 : Double(now - p.atNanos) / 1e9
            p.cpuPercent = p.cpu.percent(cpuSeconds: cpu, at: now)
            let result = (elapsed, p.stageEvents, p.stageBusy, p.cpuPercent)
            p.atNanos = now
            p.stageEvents = state.stages.map(\.events)
            p.stageBusy = state.stages.map(\.busyNanos)
            return result
        }
        for (i, name) in StageName.allCases.enumerated() {
            let acc = state.stages[i]
            var stage = StageStatus(name: name.rawValue)
            stage.batches = acc.batches
            stage.events = acc.events
            stage.latency = summaries.summary(.stage(i), acc.histogram)
            stage.busySeconds = Double(acc.busyNanos) / 1e9
            // Counters read before another snapshot's can be older than its reference: no rate then.
            if elapsed > 0, previousEvents.count == state.stages.count, acc.events >= previousEvents[i], acc.busyNanos >= previousBusy[i] {
                stage.eventsPerSecond = Double(acc.events - previousEvents[i]) / elapsed
                stage.busy = min(1, Double(acc.busyNanos - previousBusy[i]) / 1e9 / elapsed)
            }
            switch name {
            case .read:
                stage.queueDepth = lineQueues.reduce(0) { $0 + $1.depth }
                stage.queueCapacity = lineQueues.reduce(0) { $0 + $1.capacity }
            case .parse, .route:
                let queue = name == .parse ? routeQueue : storeQueue
                stage.queueDepth = queue.depth
                stage.queueCapacity = queue.capacity
            case .write:
                stage.queueDepth = fanoutQueue.depth
                stage.queueCapacity = fanoutQueue.capacity
            case .fanout:
                break
            }
            snap.stages.append(stage)
        }
        let decisions = state.tally.decisions(router: router)
        let placed = state.tally.placed
        let rules = configuration.rules
        var hotTier = TierStatus(tier: .hot, available: hot != nil,
                                 retention: hot == nil ? "not kept: no live view" : "ttl \(Self.describe(rules.hotTTL)), cap \(rules.hotMemoryBytes >> 20) MiB")
        if let hotStats = hot?.stats {
            hotTier.storedEvents = hotStats.count
            hotTier.bytes = hotStats.bytes
            hotTier.evicted = hotStats.evictedByTTL + hotStats.evictedByMemory
        }
        var warmTier = TierStatus(tier: .warm, available: true, retention: Self.describe(rules.warmRetention))
        warmTier.storedEvents = state.storedEvents
        warmTier.writeLatency = summaries.summary(.warmWrite, state.warmWrite)
        percentiles.withLock { $0.keep(summaries) }
        let coldTier = TierStatus(tier: .cold, available: false, retention: Self.describe(rules.coldRetention))
        var graphTier = TierStatus(tier: .graph, available: true, retention: Self.describe(rules.graphRetention))
        graphTier.storedEvents = state.graph.events
        graphTier.bytes = state.graph.memoryBytes
        snap.graph = state.graph
        snap.geo = geo.status
        for var tier in [hotTier, warmTier, coldTier, graphTier] {
            tier.placedThisRun = placed[tier.tier] ?? 0
            tier.decisions = decisions[tier.tier] ?? [:]
            if tier.tier == .hot, hot == nil {
                // What the rules chose does not happen: every decided event is a skip.
                let decided = tier.decisions.values.reduce(0, +)
                tier.placedThisRun = 0
                tier.decisions = decided > 0 ? [Self.hotNotKept: decided] : [:]
            }
            snap.tiers.append(tier)
        }
        snap.process.residentBytes = ProcessStats.residentBytes()
        snap.process.peakResidentBytes = ProcessStats.peakResidentBytes()
        snap.process.cpuPercent = cpuPercent
        return snap
    }

    /// The hot tier's one decision when the run keeps no hot tier.
    public static let hotNotKept = "skip: no live view (headless run)"

    static func describe(_ d: Duration) -> String {
        let s = d.components.seconds
        if s % 31_536_000 == 0 { return "\(s / 31_536_000)y" }
        if s % 86_400 == 0 { return "\(s / 86_400)d" }
        if s % 3600 == 0 { return "\(s / 3600)h" }
        return "\(s)s"
    }

    /// The run so far, as `ctas ingest` prints it.
    public func summary() -> IngestSummary {
        let snap = snapshot
        let end = hub.state.withLock { $0.finishedAtNanos } ?? MonotonicClock.nanoseconds()
        let seconds = Double(end &- startedNanos) / 1e9
        var tiers: [String: IngestSummary.TierCount] = [:]
        for tier in snap.tiers {
            let held: Int? = tier.tier == .hot || tier.tier == .graph ? tier.storedEvents : tier.tier == .warm ? snap.storedEvents : nil
            tiers[tier.tier.rawValue] = IngestSummary.TierCount(placed: tier.placedThisRun, available: tier.available,
                                                                held: held, decisions: tier.decisions)
        }
        return IngestSummary(
            accepted: snap.totals.accepted, rejected: snap.totals.rejected, duplicates: snap.totals.duplicates,
            dropped: snap.totals.dropped, blankLines: snap.totals.blankLines, skippedBySeek: snap.totals.skippedBySeek,
            rejectReasons: snap.rejectReasons, warnings: snap.warnings, seconds: (seconds * 1000).rounded() / 1000,
            eventsPerSecond: seconds > 0 ? (Double(snap.totals.accepted) / seconds).rounded() : 0,
            tiers: tiers,
            sources: snap.sources.map {
                IngestSummary.Source(name: $0.name, resumedFromOffset: $0.resumedFrom.offset, resumedFromLine: $0.resumedFrom.line,
                                     bytesRead: $0.bytesDone, lines: $0.lines, dropped: $0.dropped, state: $0.state.label,
                                     resumable: $0.kind == .file || $0.kind == .follow)
            },
            deadLetterFile: configuration.dataDirectory.deadLetterFile, dataDirectory: configuration.dataDirectory.path,
            peakResidentBytes: snap.process.peakResidentBytes,
            stages: Dictionary(uniqueKeysWithValues: snap.stages.map {
                ($0.name, IngestSummary.Stage(events: $0.events, batches: $0.batches, p50Micros: $0.latency.p50,
                                              p95Micros: $0.latency.p95, p99Micros: $0.latency.p99, maxMicros: $0.latency.max,
                                              busySeconds: ($0.busySeconds * 1000).rounded() / 1000))
            }),
            endToEndP50Micros: snap.endToEnd.p50, endToEndP99Micros: snap.endToEnd.p99, failure: snap.failure,
            geolocation: snap.geolocation, intelSightings: snap.intelSightings, anomalies: snap.anomalies,
            writerUpkeep: snap.upkeep)
    }
}
