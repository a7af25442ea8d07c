import CTASCore
import Testing
@testable import CTASEngine

/// The attention tally: critical and high totals, and the busiest names of the last minutes.
@Suite struct AttentionTallyTests {
    func event(_ i: Int, severity: Int, entity: String, type: String = "scan", source: String = "s1") -> Event {
        var e = Event(id: "e\(i)", timestamp: Timestamp(microseconds: Int64(i)), type: type)
        e.severity = Severity(severity)
        e.entity = entity
        e.source = source
        return e
    }

    @Test func countsSeverityBandsAndTheBusiestNamesInTheWindow() {
        var tally = AttentionTally()
        let t0 = Timestamp(microseconds: 1_795_000_000_000_000)
        tally.observe((0..<10).map { event($0, severity: 9, entity: "old-host") }, at: t0)
        tally.observe((10..<16).map { event($0, severity: 7, entity: "new-host", type: "beacon", source: "s2") }, at: t0.shifted(byMicroseconds: 240_000_000))
        tally.observe((16..<20).map { event($0, severity: 3, entity: "new-host", type: "beacon", source: "s2") }, at: t0.shifted(byMicroseconds: 250_000_000))
        var s = tally.status(at: t0.shifted(byMicroseconds: 250_000_000))
        #expect(s.critical == 10 && s.high == 16)
        // Equal counts: the name first in order, so the line does not flicker.
        #expect(s.topEntity == AttentionStatus.Top(name: "new-host", count: 10))
        #expect(s.topType == AttentionStatus.Top(name: "beacon", count: 10))
        tally.observe([event(99, severity: 1, entity: "old-host")], at: t0.shifted(byMicroseconds: 250_000_000))
        #expect(tally.status(at: t0.shifted(byMicroseconds: 250_000_000)).topEntity == AttentionStatus.Top(name: "old-host", count: 11))
        // Five minutes on, the first minute has left the window; the totals stay.
        tally.observe([event(20, severity: 1, entity: "new-host")], at: t0.shifted(byMicroseconds: 310_000_000))
        s = tally.status(at: t0.shifted(byMicroseconds: 310_000_000))
        #expect(s.topEntity == AttentionStatus.Top(name: "new-host", count: 11))
        #expect(s.topSource == AttentionStatus.Top(name: "s2", count: 10))
        #expect(s.critical == 10 && s.high == 16)
        #expect(tally.status(at: t0.shifted(byMicroseconds: 1000_000_000)).topEntity == nil)
    }

    /// The running sums answer what adding up the minutes in the window answers, as minutes
    /// come and go and after quiet spells.
    @Test func theRunningSumsMatchTheEventsInTheWindow() {
        var tally = AttentionTally()
        let t0 = Timestamp(microseconds: 1_795_000_020_000_000)
        var seed: UInt64 = 7
        func next(_ n: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(n))
        }
        var seen: [(minute: Int64, event: Event)] = []
        var offset: Int64 = 0
        for round in 0..<200 {
            offset += Int64(next(3) == 0 ? 95_000_000 : next(9_000_000))
            let at = t0.shifted(byMicroseconds: offset)
            let batch = (0..<(1 + next(6))).map {
                event(round * 10 + $0, severity: 1 + next(10), entity: "h\(next(5))", type: "t\(next(4))", source: "s\(next(3))")
            }
            tally.observe(batch, at: at)
            seen += batch.map { (at.microseconds / 60_000_000, $0) }
            for later in [Int64(0), Int64(next(400_000_000))] {
                let now = at.shifted(byMicroseconds: later)
                let minute = now.microseconds / 60_000_000
                let recent = seen.filter { minute - $0.minute < 5 }.map(\.event)
                func top(_ name: (Event) -> String?) -> AttentionStatus.Top? {
                    var counts: [String: Int] = [:]
                    for e in recent { if let n = name(e) { counts[n, default: 0] += 1 } }
                    return counts.max { ($0.value, $1.key) < ($1.value, $0.key) }.map { AttentionStatus.Top(name: $0.key, count: $0.value) }
                }
                let status = tally.status(at: now)
                #expect(status.topEntity == top(\.entity), "round \(round)")
                #expect(status.topType == top { $0.type }, "round \(round)")
                #expect(status.topSource == top(\.source), "round \(round)")
            }
        }
    }

    @Test func manyDistinctEntitiesStayBoundedAndAreCounted() {
        var tally = AttentionTally()
        let t = Timestamp(microseconds: 1_795_000_000_000_000)
        let events = (0..<(AttentionTally.maxKeys + 500)).map { event($0, severity: 1, entity: "host-\($0)") }
        tally.observe(events, at: t)
        tally.observe([event(1, severity: 1, entity: "host-1")], at: t)
        let s = tally.status(at: t)
        #expect(s.uncountedEntities == 500)
        #expect(s.topEntity == AttentionStatus.Top(name: "host-1", count: 2))
    }

    @Test func anIngestCountsItsCriticalEvents() async throws {
        let dir = scratch()
        let (feed, _) = try await writeFeed(dir, events: 3000)
        let events = try FeedDecoderHelper.events(feed)
        let engine = try Engine(config([.file(feed)], dir))
        _ = await engine.run()
        let a = engine.snapshot.attention
        #expect(a.critical == events.filter { ($0.severity?.value ?? 0) >= 9 }.count)
        #expect(a.high == events.filter { ($0.severity?.value ?? 0) >= 7 }.count)
        #expect(a.critical > 0)
        #expect(a.topType != nil && a.topSource != nil)
    }

    /// A headless command shows no attention line and tallies none; its events are stored
    /// all the same.
    @Test func aRunWithoutTheAttentionLineTalliesNothing() async throws {
        let dir = scratch()
        let (feed, counts) = try await writeFeed(dir, events: 3000)
        var c = config([.file(feed)], dir)
        c.tallyAttention = false
        let engine = try Engine(c)
        let summary = await engine.run()
        #expect(summary.accepted == counts["events"])
        #expect(engine.snapshot.attention == AttentionStatus())
    }
}
