import CTASCore
import Testing
import CTASTestSupport
@testable import CTASBehaviour

/// The live monitor saved by one run and resumed by the next: it must judge what follows as
/// the monitor that never stopped does, and saved bytes that are damaged must be refused
/// with the field named, never trap or allocate what a count claims.
@Suite struct SavedMonitorTests {
    /// Four weeks of planted activity (dense rings, bursts, open anomalies) plus sparse
    /// entities with places, networks and indicators.
    static func activity() -> (before: [Event], after: [Event]) { planted }

    static let planted = makeActivity()

    static func makeActivity() -> (before: [Event], after: [Event]) {
        let planted = PlantedActivity(entities: 40, days: 28, bursts: 12, silences: 2, seed: 4_242).events
        var events = planted
        let origin = planted.first?.timestamp.microseconds ?? 0
        for k in 0..<300 {
            var e = Event(id: "s\(k)", timestamp: Timestamp(microseconds: origin + Int64(k) * 7_200_000_000), type: k % 3 == 0 ? "dns" : "conn",
                          entity: "sparse-\(k % 5)", indicators: k % 4 == 0 ? ["198.51.100.\(k % 250)"] : ["https://x\(k).example.org/a"])
            e.details = Event.Details(country: ["DE", "FR", "US"][k % 3], asn: UInt32(64_500 + k % 5))
            events.append(e)
        }
        events.sort { ($0.timestamp, $0.id) < ($1.timestamp, $1.id) }
        let cut = events.count * 3 / 4
        // A first for an established entity, at the end.
        let last = events.last?.timestamp.microseconds ?? origin
        var first = Event(id: "first", timestamp: Timestamp(microseconds: last + 1), type: "smb", entity: "sparse-1")
        first.details = Event.Details(country: "RU", asn: 12_389)
        return (Array(events[..<cut]), Array(events[cut...]) + [first])
    }

    static func feed(_ monitor: inout LiveAnomalyMonitor, _ events: [Event]) -> [Anomaly] {
        var found: [Anomaly] = []
        var start = 0
        while start < events.count {
            let end = min(events.count, start + 2_000)
            found += monitor.observe(Array(events[start..<end]))
            start = end
        }
        return found
    }

    static func saved(_ monitor: LiveAnomalyMonitor) -> [UInt8] {
        SavedMonitor(throughSeq: 41, idAtSeq: "evt-41", monitor: monitor,
                     risks: [SavedMonitor.EntityRisk(entity: "host-1", score: 72.5, start: Timestamp(microseconds: 1_000), end: Timestamp(microseconds: 2_000))]).encoded()
    }

    @Test func aResumedMonitorJudgesWhatFollowsAsTheOneThatNeverStopped() throws {
        let (before, after) = Self.activity()
        var continuous = LiveAnomalyMonitor()
        _ = Self.feed(&continuous, before)
        let bytes = Self.saved(continuous)
        let restored = try SavedMonitor(decoding: bytes, options: LiveAnomalyMonitor.Options())
        #expect(restored.throughSeq == 41 && restored.idAtSeq == "evt-41")
        #expect(restored.risks == [SavedMonitor.EntityRisk(entity: "host-1", score: 72.5, start: Timestamp(microseconds: 1_000), end: Timestamp(microseconds: 2_000))])
        #expect(restored.monitor.status.tracked == continuous.status.tracked && restored.monitor.status.untracked == continuous.status.untracked)
        #expect(Self.saved(restored.monitor) == bytes, "saved again, the same bytes")
        var resumed = restored.monitor
        let expected = Self.feed(&continuous, after)
        let found = Self.feed(&resumed, after)
        #expect(!expected.isEmpty, "the rest of the activity has anomalies to find")
        #expect(found == expected)
        #expect(expected.contains { $0.kind == .rare } && expected.contains { $0.kind == .rate })
        #expect(Self.saved(resumed) == Self.saved(continuous))
    }

    @Test func savedUnderOtherOptionsOrAnotherFormatIsRefused() throws {
        var monitor = LiveAnomalyMonitor()
        _ = Self.feed(&monitor, Array(Self.activity().before.prefix(5_000)))
        let bytes = Self.saved(monitor)
        var other = LiveAnomalyMonitor.Options()
        other.historyHours = 336
        #expect(throws: SavedMonitor.Problem.otherOptions) { try SavedMonitor(decoding: bytes, options: other) }
        var version = bytes
        version[8] = 9
        #expect(throws: SavedMonitor.Problem.version(found: 9)) { try SavedMonitor(decoding: version, options: .init()) }
        #expect(throws: SavedMonitor.Problem.notSavedMonitor) { try SavedMonitor(decoding: Array("{\"not\":1}".utf8), options: .init()) }
        #expect(throws: SavedMonitor.Problem.notSavedMonitor) { try SavedMonitor(decoding: [], options: .init()) }
        #expect(throws: SavedMonitor.Problem.trailingBytes(offset: bytes.count)) { try SavedMonitor(decoding: bytes + [0], options: .init()) }
    }

    /// Every cut of the bytes is refused as cut (never a trap, never a monitor).
    @Test func everyTruncationIsRefused() throws {
        var monitor = LiveAnomalyMonitor()
        let events = Self.activity().before
        _ = Self.feed(&monitor, Array(events.prefix(400)) + events.filter { $0.entity?.hasPrefix("sparse") == true }.prefix(60))
        let bytes = Self.saved(monitor)
        #expect(bytes.count < 200_000)
        for length in 0..<bytes.count {
            do {
                _ = try SavedMonitor(decoding: Array(bytes[..<length]), options: .init())
                Issue.record("\(length) of \(bytes.count) bytes were taken")
                return
            } catch .truncated, .notSavedMonitor {
                continue
            } catch {
                Issue.record("\(length) of \(bytes.count) bytes: \(error.description); expected a cut")
                return
            }
        }
    }

    /// Damage the reader must refuse by name: a count claiming more than the bytes hold, a
    /// name given twice, an hour no timestamp has, a flag that is neither 0 nor 1.
    @Test func damagedFieldsAreRefusedWithTheFieldNamed() throws {
        var options = LiveAnomalyMonitor.Options()
        options.sparseEvents = 3
        var monitor = LiveAnomalyMonitor(options: options)
        let events = (0..<8).map { Event(id: "e\($0)", timestamp: Timestamp(microseconds: 1_800_000_000_000_000 + Int64($0) * 3_600_000_000), type: "t",
                                         entity: $0 % 2 == 0 ? "alpha" : "beta") }
        _ = monitor.observe(events)
        let bytes = SavedMonitor(throughSeq: 8, idAtSeq: "e7", monitor: monitor, risks: []).encoded()
        #expect(try SavedMonitor(decoding: bytes, options: options).monitor.status.tracked == 2)
        // Header: magic 8, version 4, alpha 8, five limits 40, seq 8, id (4 + 2), untracked 8,
        // clock hour (1 + 8); then the entity count.
        let entityCount = 8 + 4 + 8 + 40 + 8 + 6 + 8 + 9
        func refused(_ change: (inout [UInt8]) -> Void) -> SavedMonitor.Problem? {
            var damaged = bytes
            change(&damaged)
            do {
                _ = try SavedMonitor(decoding: damaged, options: options)
                return nil
            } catch {
                return error
            }
        }
        func put(_ value: UInt32, at offset: Int, _ b: inout [UInt8]) {
            for k in 0..<4 { b[offset + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(k))) }
        }
        guard case .invalid(field: "entities", _, _)? = refused({ put(.max, at: entityCount, &$0) }) else {
            Issue.record("a count past the entity limit was taken")
            return
        }
        guard case .truncated(field: "entities", _)? = refused({ put(1_000, at: entityCount, &$0) }) else {
            Issue.record("a count past what the bytes hold was taken")
            return
        }
        // The second entity's name made the first's ("beta" → "alpha" is longer; use the same length).
        let names = bytes.indices.filter { Array(bytes[$0..<min(bytes.count, $0 + 4)]) == Array("beta".utf8) }
        let nameAt = try #require(names.first)
        guard case .invalid(field: "entity name", _, _)? = refused({ b in
            put(5, at: nameAt - 4, &b)
            b.replaceSubrange(nameAt..<(nameAt + 4), with: Array("alpha".utf8))
        }) else {
            Issue.record("a name given twice was taken")
            return
        }
        // The clock hour: far past year 9999.
        guard case .invalid(field: "clock hour", _, _)? = refused({ b in
            for k in 0..<8 { b[entityCount - 8 + k] = k == 7 ? 0x40 : 0 }
        }) else {
            Issue.record("an hour past any timestamp was taken")
            return
        }
        // The most negative hour, whose absolute value does not fit (it trapped: a fuzzer's find).
        guard case .invalid(field: "clock hour", _, _)? = refused({ b in
            for k in 0..<8 { b[entityCount - 8 + k] = k == 7 ? 0x80 : 0 }
        }) else {
            Issue.record("the most negative hour was taken")
            return
        }
        guard case .invalid(field: "clock hour", _, _)? = refused({ $0[entityCount - 9] = 7 }) else {
            Issue.record("a presence flag of 7 was taken")
            return
        }
    }

    /// Random damage to the bytes: refused or read, never a trap; what is read saves again
    /// without trapping.
    @Test func randomDamageNeverTraps() {
        var monitor = LiveAnomalyMonitor()
        _ = Self.feed(&monitor, Array(Self.activity().before.prefix(3_000)))
        let bytes = Self.saved(monitor)
        let more = Array(Self.activity().after.prefix(20))
        var rng = TestRandom(seed: 77)
        var read = 0
        for _ in 0..<200 {
            var damaged = bytes
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                damaged[Int.random(in: 0..<damaged.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if let saved = try? SavedMonitor(decoding: damaged, options: .init()) {
                read += 1
                var m = saved.monitor
                if read <= 12 { _ = m.observe(more) }   // judging hours is slow in a debug build: a dozen suffice
                _ = SavedMonitor(throughSeq: saved.throughSeq, idAtSeq: saved.idAtSeq, monitor: m, risks: saved.risks).encoded()
            }
        }
        #expect(read < 200, "some damage is refused")
    }
}
