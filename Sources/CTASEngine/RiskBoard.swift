import CTASBehaviour
import CTASCore
import H3

/// What the later stages know that an event's risk depends on, shared with the route stage
/// (which scores events before they are stored): each entity's newest live anomaly (from the
/// fan-out stage's monitor) and the hot spots the engine last found (from the geo index's
/// answers to the map). Values are read a batch at a time under one lock.
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

    /// Entities remembered at most; past it the anomalies that ended first are forgotten.
    static let entityCapacity = 20_000
    /// An anomaly raises the risk of the entity's events inside it and in the hour after.
    static let anomalyReachMicros: Int64 = 3_600_000_000

    private let state = Locked(State())

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

    /// The hot spots of the newest whole-window analysis (significant hot cells at
    /// `resolution`).
    func setHotCells(_ cells: [H3Index], resolution: Int) {
        state.withLock { s in
            s.hotResolution = resolution
            s.hotCells = Set(cells)
        }
    }

    /// Scores `events` (the highest intel score each carries given).
    func score(_ events: inout [Event], cells: [UInt64], intelScores: [Double?]) {
        state.withLock { s in
            for i in events.indices {
                let e = events[i]
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
                let risk = RiskScore(severity: e.severity, intelScore: i < intelScores.count ? intelScores[i] : nil,
                                     anomalyScore: anomaly, inHotspot: hot)
                events[i].risk = risk
            }
        }
    }
}
