import CTASCore
import Testing
@testable import CTASEngine

/// The hub lists the newest anomalies, newest first, at most `recentCapacity`. The fan-out
/// stage builds notes only for the newest that many of a batch's findings: the list must be
/// the same as when it is handed them all.
@Suite struct AnomalyNotesTests {
    static func note(_ i: Int, detail: String = "burst") -> AnomalyStatus.Note {
        AnomalyStatus.Note(entity: "host-\(i)", kind: "rate", start: "2026-11-20T\(String(format: "%02d", i % 24)):00:00Z",
                           end: "2026-11-20T23:00:00Z", observed: Double(i), expected: 1, score: 3, detail: detail)
    }

    @Test func aBatchFindingMoreThanTheListHoldsKeepsItsNewest() {
        let capacity = AnomalyStatus.recentCapacity
        let earlier = (0..<300).map { Self.note($0 * 7) }
        let found = (0..<(capacity + 500)).map { Self.note($0) }
        let whole = MetricsHub(sources: [])
        let newest = MetricsHub(sources: [])
        for hub in [whole, newest] { hub.anomalies(tracked: 1, untracked: 0, rate: 1, rare: 0, found: earlier) }
        whole.anomalies(tracked: 2, untracked: 0, rate: 2, rare: 0, found: found)
        newest.anomalies(tracked: 2, untracked: 0, rate: 2, rare: 0, found: Array(found.suffix(capacity)))
        let kept = whole.state.withLock { $0.anomalies?.recent } ?? []
        #expect(kept == Array(found.suffix(capacity).reversed()), "the newest, newest first")
        #expect(newest.state.withLock { $0.anomalies } == whole.state.withLock { $0.anomalies })
        // Fewer than the list holds: earlier notes stay behind them, a grown anomaly replaces its earlier form.
        let few = [Self.note(7), Self.note(5000)]
        for hub in [whole, newest] { hub.anomalies(tracked: 3, untracked: 0, rate: 3, rare: 0, found: few) }
        let after = whole.state.withLock { $0.anomalies?.recent } ?? []
        #expect(after.prefix(2) == [Self.note(5000), Self.note(7)])
        #expect(after.filter { $0 == Self.note(7) }.count == 1 && after.count == capacity)
        #expect(newest.state.withLock { $0.anomalies } == whole.state.withLock { $0.anomalies })
    }
}
