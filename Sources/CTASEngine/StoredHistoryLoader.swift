import CTASBehaviour
import CTASCore
import CTASStore

/// Reads what earlier runs stored, for the fan-out stage, on a thread of its own: the
/// behaviour monitor's history and the geo index with the timeline. On a store of ten
/// million events this takes seconds; live batches flow meanwhile instead of waiting.
actor StoredHistoryLoader {
    nonisolated let executor = ThreadExecutor(name: "ctas-stored")
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private let path: String
    /// Rows up to this seq were stored before this run (later ones arrive through the pipeline).
    private let throughSeq: Int64

    /// Stored events a rebuild reads at most (the newest).
    private let maximumEvents: Int

    init(path: String, throughSeq: Int64, maximumEvents: Int = LiveAnomalyRebuild.maximumEvents) {
        self.path = path
        self.throughSeq = throughSeq
        self.maximumEvents = max(1, maximumEvents)
    }

    /// The monitor fed the last four weeks of stored activity, what it took, and what went wrong.
    struct RebuiltMonitor: Sendable {
        var monitor: LiveAnomalyMonitor
        var events: Int
        var seconds: Double
        var problem: String?
        /// Resumed from the monitor an earlier run saved (`events`: those stored after it).
        var resumed = false
        /// Why a saved monitor was not resumed (nil: none was, or it was).
        var setAside: String?
    }

    /// Resumes the monitor an earlier run saved in `file`, when it fits this store: what was
    /// stored after it is replayed in storage order, as the run that saved it would have seen
    /// it, and its risks go back to the board. Otherwise the history is rebuilt from the
    /// store (`rebuild`), with the reason the file was set aside.
    func resume(_ monitor: LiveAnomalyMonitor, risk: RiskBoard?, savedIn file: String) -> RebuiltMonitor {
        let started = MonotonicClock.nanoseconds()
        let loaded: SavedMonitorFile.Loaded
        let reader: WarmReader
        do throws(StoreError) { reader = try WarmReader(path: path) } catch {
            return RebuiltMonitor(monitor: monitor, events: 0, seconds: 0, problem: "anomaly history: \(error.description)")
        }
        loaded = SavedMonitorFile.load(from: file, options: monitor.options, reader: reader, storedThroughSeq: throughSeq)
        guard var saved = loaded.saved else {
            var rebuilt = rebuild(monitor, risk: risk)
            rebuilt.setAside = loaded.setAside
            return rebuilt
        }
        // More stored since than a rebuild reads (a long run without the monitor): rebuilding
        // is the shorter way.
        guard throughSeq - saved.throughSeq <= Int64(maximumEvents) else {
            var rebuilt = rebuild(monitor, risk: risk)
            rebuilt.setAside = "\(file): \(throughSeq - saved.throughSeq) events stored since it was saved, more than a rebuild reads"
            return rebuilt
        }
        risk?.restore(saved.risks)
        var read = 0
        var problem: String?
        do throws(StoreError) {
            read = try Self.replay(into: &saved.monitor, risk: risk) { body throws(StoreError) in
                try reader.scanActivity(afterSeq: saved.throughSeq, throughSeq: throughSeq, body)
            }
        } catch {
            problem = "anomaly history: \(error.description)"
        }
        saved.monitor.forgetFindings()
        return RebuiltMonitor(monitor: saved.monitor, events: read, seconds: Double(MonotonicClock.nanoseconds() - started) / 1e9,
                              problem: problem, resumed: true)
    }

    /// Replays the last four weeks of stored activity (at most `maximumEvents`, the newest)
    /// into `monitor`, in time order: types, places and indicator kinds, so the firsts it
    /// knows are the ones a run that never stopped would know. What it finds there
    /// is history: it goes to the risk board (an anomaly still open raises its entity's next
    /// events) but is not listed as found live.
    func rebuild(_ monitor: LiveAnomalyMonitor, risk: RiskBoard?) -> RebuiltMonitor {
        var monitor = monitor
        let started = MonotonicClock.nanoseconds()
        var read = 0
        var problem: String?
        do throws(StoreError) {
            let reader = try WarmReader(path: path)
            if let newest = try reader.newest() {
                let byTime = newest.time.shifted(byMicroseconds: -Int64(monitor.options.historyHours) * 3_600_000_000)
                let byCount = try reader.time(ofNewest: maximumEvents)
                let since = byCount.map { max($0, byTime) } ?? byTime
                read = try Self.replay(into: &monitor, risk: risk) { body throws(StoreError) in
                    try reader.scanActivity(since: since, throughSeq: throughSeq, body)
                }
            }
        } catch {
            problem = "anomaly history: \(error.description)"
        }
        monitor.forgetFindings()
        return RebuiltMonitor(monitor: monitor, events: read, seconds: Double(MonotonicClock.nanoseconds() - started) / 1e9,
                              problem: problem)
    }

    /// One stored event's activity as a scan hands it over (the indicator list as stored text).
    typealias ActivityBody = (Timestamp, String, String, String?, UInt32?, UnsafeRawBufferPointer) -> Void

    /// Feeds `monitor` what `scan` reads, in chunks; what it finds goes to the risk board.
    /// Returns how many events it read.
    private static func replay(into monitor: inout LiveAnomalyMonitor, risk: RiskBoard?,
                               _ scan: (ActivityBody) throws(StoreError) -> Void) throws(StoreError) -> Int {
        var read = 0
        var chunk: [LiveAnomalyMonitor.Activity] = []
        chunk.reserveCapacity(4096)
        var decoder = StoredActivityDecoder()
        func feed() {
            // Not `risk?.record(monitor.observe(chunk))`: without a board the argument would
            // never be evaluated, and the monitor never fed.
            let found = monitor.observe(chunk)
            risk?.record(found)
            read += chunk.count
            chunk.removeAll(keepingCapacity: true)
        }
        try scan { time, type, entity, country, asn, listed in
            chunk.append(decoder.activity(time: time, type: type, entity: entity, country: country, asn: asn, listed: listed))
            if chunk.count == 4096 { feed() }
        }
        feed()
        return read
    }

    /// Fills `geo` with the stored events' cells and returns their timeline (nil when the
    /// load was cancelled: the engine is stopping). A problem reading the store comes back
    /// as words.
    func loadGeo(into geo: GeoHub) -> (timeline: TimeHistogram?, problem: String?) {
        var earlier = TimeHistogram(width: .seconds(60), capacity: Snapshot.timelineCapacity)
        let problem = geo.load(from: path, throughSeq: throughSeq) { time, severity in
            earlier.add(time, severity: severity.flatMap { Severity($0) })
        }
        return (geo.loadCancelled ? nil : earlier, problem.map { "geo index: \($0)" })
    }

    /// Lets the thread end once the calls already made have run.
    nonisolated func finish() { executor.shutdown() }
}
