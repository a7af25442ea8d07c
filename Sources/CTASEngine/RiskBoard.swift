import CTASBehaviour
import CTASCore
import H3

/// What the later stages know that an event's risk depends on, shared with the route stage
/// (which scores events before they are stored): each entity's newest live anomaly (from the
/// fan-out stage's monitor) and the hot spots of the newest 24 hours of stored events (the
/// board counts them itself, from the fan-out stage). Values are read a batch at a time under
/// one lock.
final class RiskBoard: Sendable {
    /// An entity's newest anomaly: its score and the span it covers.
    struct EntityAnomaly: Sendable, Equatable {
        var score: Double
        var start: Timestamp
        var end: Timestamp
    }

    struct State: Sendable {
        var anomalies: [String: EntityAnomaly] = [:]
        var hotResolution = -1
        var hotCells: Set<H3Index> = []
    }

    /// The engine's own hot spots, as `ctas hotspots --res 5 --k 1 --window 24h` finds them:
    /// events per resolution-5 cell and hour of event time over the newest 24 hours, analysed
    /// (Gi*, one ring, 5% false discovery rate) each time event time enters a new hour.
    struct Places: Sendable {
        var hours: [Int64: HourCellCounts] = [:]
        var totals: [Int64: Int] = [:]
        var newestHour: Int64?
    }

    static let hotspotResolution = 5
    static let hotspotHours: Int64 = 24
    /// Events an hour needs before it moves the window: one stray future-dated event cannot.
    static let hourQuorum = 10

    /// Entities remembered at most; past it the anomalies that ended first are forgotten.
    static let entityCapacity = 20_000
    /// An anomaly raises the risk of the entity's events inside it and in the hour after.
    static let anomalyReachMicros: Int64 = 3_600_000_000

    private let state = Locked(State())
    /// Touched only by the fan-out stage (one caller at a time), behind its own lock.
    private let places = Locked(Places())

    /// Counts newly stored events by place and hour (`cells`: their resolution-15 cells, 0 for
    /// none); when event time reaches a new hour, finds the hot spots of the last 24 hours.
    func observePlaces(_ events: [Event], cells: [UInt64]) {
        let hour: Int64 = 3_600_000_000
        let window: SortedCellCounts? = places.withLock { p in
            for (i, e) in events.enumerated() where i < cells.count && cells[i] != 0 {
                guard let cell = try? H3.cellToParent(H3Index(cells[i]), res: Self.hotspotResolution) else { continue }
                let h = e.timestamp.microseconds.floorDivided(by: hour).quotient
                if let newest = p.newestHour, h <= newest - Self.hotspotHours { continue }
                p.hours[h, default: HourCellCounts()].add(cell)
                p.totals[h, default: 0] += 1
            }
            // Stray hours (hostile or skewed times, below the quorum) never pile up.
            if p.totals.count > 4 * Int(Self.hotspotHours) {
                for (h, n) in p.totals where n < Self.hourQuorum {
                    p.totals[h] = nil
                    p.hours[h] = nil
                }
            }
            // The newest hour holding a quorum of events is the window's end.
            let full = p.totals.filter { $0.value >= Self.hourQuorum }.keys.max()
            guard let full, full > (p.newestHour ?? Int64.min) else { return nil }
            p.newestHour = full
            p.hours = p.hours.filter { $0.key > full - Self.hotspotHours }
            p.totals = p.totals.filter { $0.key > full - Self.hotspotHours }
            // Sorted columns, not a dictionary: a busy day holds over a million cells. Sealed
            // in place first, so the merge copies nothing but its result.
            for h in Array(p.hours.keys) { p.hours[h]?.seal() }
            return HourCellCounts.merged(p.hours.filter { $0.key <= full }.map(\.value))
        }
        guard let window, window.count > 0 else { return }
        let found = Hotspots.analyze(counts: window, resolution: Self.hotspotResolution, k: 1)
        setHotCells(found.hotCells.map(\.cell), resolution: Self.hotspotResolution)
    }

    /// Records anomalies the live monitor found (the strongest per entity wins while spans
    /// overlap; a later one replaces an earlier one).
    func record(_ found: [Anomaly]) {
        guard !found.isEmpty else { return }
        state.withLock { s in
            for a in found {
                let next = EntityAnomaly(score: a.score, start: a.start, end: a.end)
                if let old = s.anomalies[a.entity], old.end >= a.start, old.score > a.score {
                    s.anomalies[a.entity] = EntityAnomaly(score: old.score, start: min(old.start, a.start), end: max(old.end, a.end))
                } else {
                    s.anomalies[a.entity] = next
                }
            }
            if s.anomalies.count > Self.entityCapacity {
                let keep = s.anomalies.sorted { $0.value.end > $1.value.end }.prefix(Self.entityCapacity * 3 / 4)
                s.anomalies = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
            }
        }
    }

    /// Each entity's anomaly as the board holds it, for the saved monitor.
    func savedRisks() -> [SavedMonitor.EntityRisk] {
        state.withLock { s in
            s.anomalies.map { SavedMonitor.EntityRisk(entity: $0.key, score: $0.value.score, start: $0.value.start, end: $0.value.end) }
                .sorted { $0.entity < $1.entity }
        }
    }

    /// Takes back what a saved monitor's run held (as `record` would its findings).
    func restore(_ risks: [SavedMonitor.EntityRisk]) {
        record(risks.map { Anomaly(entity: $0.entity, kind: .rate, start: $0.start, end: $0.end, observed: 0, expected: 0, score: $0.score, detail: "") })
    }

    /// The hot spots now (significant hot cells at `resolution`).
    func setHotCells(_ cells: [H3Index], resolution: Int) {
        state.withLock { s in
            s.hotResolution = resolution
            s.hotCells = Set(cells)
        }
    }

    /// Scores `events` (the highest intel score each carries given).
    private static func risk(of e: Event, index i: Int, state s: State, cells: [UInt64], intelScores: [Double?]) -> RiskScore {
        var anomaly: Double?
        if let entity = e.entity, let a = s.anomalies[entity], e.timestamp >= a.start {
            let (reach, overflow) = a.end.microseconds.addingReportingOverflow(Self.anomalyReachMicros)
            if overflow || e.timestamp.microseconds <= reach { anomaly = a.score }
        }
        var hot = false
        if s.hotResolution >= 0, !s.hotCells.isEmpty, i < cells.count, cells[i] != 0 {
            let cell = H3Index(cells[i])
            hot = s.hotCells.contains((try? H3.cellToParent(cell, res: s.hotResolution)) ?? cell)
        }
        return RiskScore(severity: e.severity, intelScore: i < intelScores.count ? intelScores[i] : nil,
                         anomalyScore: anomaly, inHotspot: hot)
    }

    func score(_ events: inout [Event], cells: [UInt64], intelScores: [Double?]) {
        score(&events, events.indices, cells: cells, intelScores: intelScores)
    }

    /// `score(_:cells:intelScores:)` of the events in `slice` only (indexes into all three).
    func score(_ events: inout [Event], _ slice: Range<Int>, cells: [UInt64], intelScores: [Double?]) {
        state.withLock { s in
            for i in slice {
                // Scored in a function of its own, so no copy of the event is alive when its
                // score is set (one would make the event's storage shared: a full copy).
                let risk = Self.risk(of: events[i], index: i, state: s, cells: cells, intelScores: intelScores)
                events[i].risk = risk
            }
        }
    }
}
