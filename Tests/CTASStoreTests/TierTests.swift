import CTASCore
import Foundation
import Testing
@testable import CTASStore
import CTASTestSupport

func scratchDirectory(_ name: String = #function) -> String {
    return Scratch.directory("store-\(name.filter { $0.isLetter })")
}

func makeEvent(_ n: Int, at seconds: Int64 = 1_795_132_800, type: String = "c2_beacon") -> Event {
    Event(id: "evt-\(n)", timestamp: Timestamp(microseconds: (seconds + Int64(n)) * 1_000_000), type: type,
          severity: Severity(n % 10 + 1), source: "sensor-\(n % 3)", location: n % 2 == 0 ? GeoPoint(latitude: 10, longitude: 20) : nil,
          entity: "host-\(n % 5)", priority: .medium, indicators: n % 4 == 0 ? [] : ["1.2.3.\(n % 250)", "x\(n).example"],
          description: n % 3 == 0 ? nil : "event \(n) ünï \u{1B}[0m", tags: ["tlp:green"])
}

@Suite struct WarmTierTests {
    @Test func commitsDeduplicatesAndQueries() throws {
        let dir = scratchDirectory()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        let first = (0..<100).map { makeEvent($0) }
        let result = try warm.commit(first, deadLetterSize: 10)
        #expect(result.insertedCount == 100)
        // Half new, half already stored, plus one repeated inside the batch.
        let second = (50..<150).map { makeEvent($0) } + [makeEvent(149)]
        let again = try warm.commit(second, deadLetterSize: 20)
        #expect(again.insertedCount == 50 && again.duplicateCount == 51)
        #expect(again.inserted.prefix(50).allSatisfy { !$0 } && again.inserted[50..<100].allSatisfy { $0 } && again.inserted.last == false)
        #expect(try warm.count() == 150)
        #expect(try warm.committedDeadLetterSize() == 20)

        let reader = try WarmReader(path: dir + "/warm.sqlite")
        var q = EventQuery()
        q.limit = 1000
        let all = try reader.events(q)
        #expect(all.count == 150)
        #expect(all == (0..<150).map { makeEvent($0) }, "every field round-trips")
        q.types = ["c2_beacon"]
        q.since = makeEvent(140).timestamp
        q.minimumSeverity = 5
        #expect(try reader.events(q).map(\.id) == (140..<150).filter { $0 % 10 + 1 >= 5 }.map { "evt-\($0)" })
        q = EventQuery()
        q.newestFirst = true
        q.limit = 3
        q.entity = "host-1"
        #expect(try reader.events(q).map(\.id) == ["evt-146", "evt-141", "evt-136"])
        q = EventQuery()
        q.id = "evt-7"
        #expect(try reader.events(q) == [makeEvent(7)])
    }

    /// `--source`: a source exactly, or a sensor's name for all its logs (`zeek` for
    /// `zeek/dns`), never a name that only begins the same way.
    @Test func aSensorsNameMatchesItsLogs() throws {
        let dir = scratchDirectory()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        let sources = ["zeek/dns", "zeek/conn", "zeek", "zeekish", "zeek-2/dns", "suricata", "résumé/x", "a%b/c", "a_b/c"]
        let events = sources.enumerated().map { i, source in
            Event(id: "e\(i)", timestamp: Timestamp(microseconds: 1_795_132_800_000_000 + Int64(i)), type: "t", source: source)
        }
        _ = try warm.commit(events, deadLetterSize: nil)
        let reader = try WarmReader(path: dir + "/warm.sqlite")
        func matching(_ source: String) throws -> [String] {
            var q = EventQuery()
            q.source = source
            return try reader.events(q).compactMap(\.source)
        }
        #expect(try matching("zeek") == ["zeek/dns", "zeek/conn", "zeek"])
        #expect(try matching("zeek/dns") == ["zeek/dns"])
        #expect(try matching("zee") == [])
        #expect(try matching("zeek-2") == ["zeek-2/dns"])
        #expect(try matching("résumé") == ["résumé/x"], "lengths in characters, as SQLite counts them")
        #expect(try matching("a%b") == ["a%b/c"] && matching("a_b") == ["a_b/c"], "no pattern characters")
        #expect(try matching("suricata/") == [])
    }

    @Test func riskScoresAreStoredQueriedAndMigratedInto() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        let warm = try WarmTier(path: path)
        let events = (0..<40).map { n -> Event in
            var e = makeEvent(n)
            if n % 4 != 0 { e.risk = RiskScore(severity: e.severity, intelScore: n % 3 == 0 ? 90 : nil, anomalyScore: nil, inHotspot: n % 5 == 0) }
            return e
        }
        _ = try warm.commit(events, deadLetterSize: nil)
        var q = EventQuery()
        q.limit = 1000
        let reader = try WarmReader(path: path)
        #expect(try reader.events(q) == events, "scores and their parts round-trip")
        q.minimumRisk = 70
        let expected = events.filter { ($0.risk?.total ?? 0) >= 70 }.map(\.id)
        #expect(!expected.isEmpty && expected.count < 30)
        #expect(try reader.events(q).map(\.id) == expected, "unscored events never pass a minimum")

        // A database from before scores: read-only readers see none, a writer adds the columns.
        try warm.database.execute("VACUUM INTO '\(dir)/v4.sqlite'")
        let v4 = try SQLiteDatabase(path: dir + "/v4.sqlite")
        try v4.execute("ALTER TABLE events DROP COLUMN risk; ALTER TABLE events DROP COLUMN risk_parts; PRAGMA user_version=4")
        q.minimumRisk = nil
        let unscored = try WarmReader(path: dir + "/v4.sqlite").events(q)
        #expect(unscored.map(\.id) == events.map(\.id) && unscored.allSatisfy { $0.risk == nil })
        _ = try WarmTier(path: dir + "/v4.sqlite")
        #expect(try v4.scalar("PRAGMA user_version") == WarmTier.schemaVersion)
        #expect(try v4.columnExists("risk", in: "events") && v4.columnExists("risk_parts", in: "events"))
    }

    @Test func checkpointsCommitWithTheirEvents() throws {
        let dir = scratchDirectory()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        let checkpoint = Checkpoint(source: "/feeds/a.ndjson", device: 1, inode: 2, fingerprint: -3, fingerprintLength: 4096,
                                    offset: 12_345, line: 67, accepted: 10, rejected: 1, duplicates: 0)
        _ = try warm.commit([makeEvent(1)], deadLetterSize: nil) { inserted in
            #expect(inserted == [true])
            return [checkpoint]
        }
        #expect(try warm.checkpoint(for: "/feeds/a.ndjson") == checkpoint)
        #expect(try warm.checkpoint(for: "/feeds/other") == nil)
        // A failed transaction leaves neither events nor checkpoint behind.
        let bad = Event(id: "ok", timestamp: Timestamp(microseconds: 0), type: "t")
        try warm.database.execute("CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.type = 'refused' BEGIN SELECT RAISE(ABORT, 'refused'); END")
        let refused = Event(id: "no", timestamp: Timestamp(microseconds: 0), type: "refused")
        #expect(throws: StoreError.self) {
            _ = try warm.commit([bad, refused], deadLetterSize: 99) { _ in
                var moved = checkpoint
                moved.offset = 99_999
                return [moved]
            }
        }
        #expect(try warm.count() == 1)
        #expect(try warm.checkpoint(for: "/feeds/a.ndjson")?.offset == 12_345)
        #expect(try warm.committedDeadLetterSize() == nil)
    }

    @Test func retentionPurgesAgainstTheRetentionClockAndNeverWhatWasJustAccepted() throws {
        let dir = scratchDirectory()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        let day: Int64 = 86_400
        let old = (0..<10).map { makeEvent($0, at: 1_700_000_000) }
        let recent = (10..<20).map { makeEvent($0, at: 1_700_000_000 + 40 * day) }
        let accepted = Timestamp(microseconds: (1_700_000_000 + 41 * day) * 1_000_000)
        _ = try warm.commit(old + recent, deadLetterSize: nil, ingestedAt: accepted)
        // Accepted a day ago: kept, however old their times.
        #expect(try warm.purge(retention: .seconds(30 * day), now: accepted + .seconds(day), chunk: 3) == 0)
        // Accepted more than a retention ago: the old ones go, measured from the recent ones' time.
        #expect(try warm.purge(retention: .seconds(30 * day), now: accepted + .seconds(31 * day), chunk: 3) == 10)
        #expect(try warm.count() == 10)
    }

    /// A commit of several parts mixing new events, repeats of stored ones and repeats within
    /// the commit stores each new id once, in arrival order, and every key, flow and cell row
    /// it writes names that event's own seq.
    @Test func eachKeyFlowAndCellRowNamesItsOwnEvent() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        let warm = try WarmTier(path: path)
        func event(_ n: Int) -> Event {
            var e = makeEvent(n)
            e.location = GeoPoint(latitude: Double(n % 80), longitude: Double(n * 7 % 170))
            e.details = Event.Details(original: "{\"n\":\(n)}", flow: n % 3 == 0 ? nil : "F\(n % 5)")
            return e
        }
        _ = try warm.commit((0..<20).map(event), deadLetterSize: nil)
        let first = (18..<26).map(event) + [event(21), event(3)]
        let second = [event(30), event(25), event(31), event(0), event(31)]
        let result = try warm.commit([WarmTier.Part(events: first), WarmTier.Part(events: second)], deadLetterSize: nil)
        #expect(result.inserted == [false, false, true, true, true, true, true, true, false, false, true, false, true, false, false])
        #expect(result.insertedCount == 8)
        let db = warm.database
        let order = try db.prepare("SELECT id FROM events ORDER BY seq")
        var ids: [String] = []
        while try order.step() { ids.append(order.text(0) ?? "") }
        #expect(ids == ((0..<26).map { "evt-\($0)" } + ["evt-30", "evt-31"]))
        #expect(try db.scalar("SELECT max(seq) - min(seq) + 1 - count(*) FROM events") == 0, "seqs are consecutive")
        #expect(try db.scalar("SELECT count(*) FROM recent_ids k JOIN events e ON e.seq = k.seq WHERE e.id = k.id") == 28)
        #expect(try db.scalar("SELECT count(*) FROM recent_ids") == 28)
        #expect(try db.scalar("SELECT count(*) FROM recent_flows f JOIN events e ON e.seq = f.seq WHERE e.flow = f.flow") ==
                db.scalar("SELECT count(*) FROM events WHERE flow IS NOT NULL"))
        #expect(try db.scalar("SELECT count(*) FROM recent_flows") == db.scalar("SELECT count(*) FROM events WHERE flow IS NOT NULL"))
        #expect(try db.scalar("SELECT count(*) FROM recent_cells c JOIN events e ON e.seq = c.seq WHERE e.cell = c.cell AND e.ts = c.ts") == 28)
        #expect(try db.scalar("SELECT count(*) FROM recent_cells") == 28)
    }

    /// Events looked up by id come ordered and limited as the plain query orders and limits
    /// them (time, then arrival), filters applied, whichever ids are asked and in what order.
    @Test func eventsByIDAreOrderedAndLimitedAsTheQuerySays() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        let warm = try WarmTier(path: path)
        // 1,200 events, times out of arrival order with many ties.
        let events = (0..<1_200).map { n in makeEvent(n, at: 1_795_132_800 + Int64((n * 37) % 101) - Int64(n)) }
        _ = try warm.commit(events, deadLetterSize: nil)
        let reader = try WarmReader(path: path)
        let asked = (0..<1_300).filter { $0 % 3 != 1 }.map { "evt-\($0)" }.reversed().map { $0 }
        for newestFirst in [false, true] {
            for limit in [0, 1, 7, 500, 5_000] {
                for type in [nil, "c2_beacon", "other"] as [String?] {
                    var q = EventQuery()
                    q.newestFirst = newestFirst
                    q.limit = limit
                    if let type { q.types = [type] }
                    q.minimumSeverity = 3
                    var all = q
                    all.limit = 10_000
                    let expected = try reader.events(all).filter { asked.contains($0.id) }.prefix(limit).map(\.id)
                    #expect(try reader.events(ids: asked, matching: q).map(\.id) == Array(expected), "\(newestFirst) \(limit) \(type ?? "-")")
                }
            }
        }
    }

    /// `newest()` gives the latest time and the highest seq even when they belong to different
    /// events (an old record stored last), and the retention clock reads the stored count, or
    /// counts the rows of a store without one, to the same answer.
    @Test func theNewestTimeAndSeqAndTheRetentionClockReadTheirOwnMaxima() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        let warm = try WarmTier(path: path)
        // 2,500 events in time order, then one a day older than all of them, stored last.
        let base: Int64 = 1_795_132_800
        _ = try warm.commit((0..<2_500).map { makeEvent($0, at: base) }, deadLetterSize: nil)
        _ = try warm.commit([makeEvent(2_500, at: base - 86_400 - 2_500)], deadLetterSize: nil)
        let reader = try WarmReader(path: path)
        let newest = try #require(try reader.newest())
        #expect(newest.time == Timestamp(microseconds: (base + 2_499) * 1_000_000))
        #expect(newest.seq == 2_501)
        // One event in a thousand may lie beyond the reference: 2,501 events put it two back.
        let expected = Timestamp(microseconds: (base + 2_497) * 1_000_000)
        let far = Timestamp(microseconds: (base + 10 * 86_400) * 1_000_000)
        #expect(try RetentionClock.reference(in: reader.database, now: far) == expected)
        #expect(try RetentionClock.reference(in: reader.database, storedEvents: 2_501, now: far) == expected)
        try warm.database.execute("DELETE FROM meta WHERE key = 'events'")
        #expect(try RetentionClock.reference(in: reader.database, now: far) == expected, "a store without the count is counted")
        // The wall clock bounds it: a day of skew at most.
        let early = Timestamp(microseconds: (base - 2 * 86_400) * 1_000_000)
        #expect(try RetentionClock.reference(in: reader.database, now: early) == early + .seconds(86_400))
    }

    /// The stored count follows what each committed transaction did (new events, not
    /// duplicates; nothing for a commit that failed; purged chunks), and a reopened store
    /// reads it instead of counting; a store without it counts once.
    @Test func theStoredCountFollowsCommitsFailuresAndPurges() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        var warm: WarmTier? = try WarmTier(path: path)
        let day: Int64 = 86_400
        #expect(warm?.countedAtOpen == true && warm?.storedEvents == 0)
        let accepted = Timestamp(microseconds: (1_700_000_000 + 41 * day) * 1_000_000)
        _ = try warm?.commit((0..<30).map { makeEvent($0, at: 1_700_000_000) }, deadLetterSize: nil, ingestedAt: accepted)
        _ = try warm?.commit((20..<50).map { makeEvent($0, at: 1_700_000_000 + 40 * day) } + [makeEvent(49)], deadLetterSize: nil, ingestedAt: accepted)
        #expect(warm?.storedEvents == 50)
        // A commit whose transaction fails adds nothing, in memory or stored.
        #expect(throws: StoreError.self) {
            _ = try warm?.commit([WarmTier.Part(events: (50..<60).map { makeEvent($0) })], deadLetterSize: nil,
                                 alsoWrite: { (_) throws(StoreError) in throw .corrupt(path: path, detail: "test") })
        }
        #expect(warm?.storedEvents == 50)
        #expect(try warm?.count() == 50)
        #expect(try warm?.purge(retention: .seconds(30 * day), now: accepted + .seconds(31 * day), chunk: 7) == 30)
        #expect(warm?.storedEvents == 20)
        #expect(try warm?.count() == 20)
        warm = nil
        // Reopened: read, not counted.
        let reopened = try WarmTier(path: path)
        #expect(!reopened.countedAtOpen && reopened.storedEvents == 20)
        // A store from before the count was kept: counted once, then kept.
        try reopened.database.execute("DELETE FROM meta WHERE key = 'events'")
        let older = try WarmTier(path: path)
        #expect(older.countedAtOpen && older.storedEvents == 20)
        _ = try older.commit([makeEvent(77)], deadLetterSize: nil)
        #expect(!(try WarmTier(path: path)).countedAtOpen)
        #expect(try WarmTier(path: path).storedEvents == 21)
    }

    @Test func missingDatabaseIsAClearError() {
        #expect(throws: StoreError.noStoredEvents(path: "/nonexistent/warm.sqlite")) { try WarmReader(path: "/nonexistent/warm.sqlite") }
    }

    /// A first run killed while starting leaves a database file without a schema: readers
    /// say there is nothing stored yet, and the next writer sets the schema up.
    @Test func aFileWithoutSchemaIsNothingStoredYet() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        let db = try SQLiteDatabase(path: path)
        try db.execute("PRAGMA page_size=16384; PRAGMA journal_mode=WAL")
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(!WarmReader.exists(at: path))
        #expect(throws: StoreError.noStoredEvents(path: path)) { try WarmReader(path: path) }
        _ = try WarmTier(path: path)
        #expect(WarmReader.exists(at: path))
        #expect(try WarmReader(path: path).count() == 0)
    }

    /// The schema is made in one transaction: when a step fails, none of it stays.
    @Test func aFailedSetUpLeavesNoHalfSchema() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        let db = try SQLiteDatabase(path: path)
        // An index holding the name of a later step's table makes that step fail.
        try db.execute("CREATE TABLE other(a); CREATE INDEX graph_events ON other(a)")
        #expect(throws: StoreError.self) { try WarmTier(path: path) }
        #expect(try db.scalar("SELECT count(*) FROM sqlite_master WHERE name IN ('events', 'checkpoints', 'graph_nodes')") == 0)
        #expect(try db.scalar("PRAGMA user_version") == 0)
        #expect(!WarmReader.exists(at: path))
    }

    @Test func newerSchemaIsRefused() throws {
        let dir = scratchDirectory()
        let db = try SQLiteDatabase(path: dir + "/warm.sqlite")
        try db.execute("PRAGMA user_version=99")
        #expect { try WarmTier(path: dir + "/warm.sqlite") } throws: { ($0 as? StoreError)?.message.contains("newer") == true }
    }
}

@Suite struct HotTierTests {
    @Test func keepsTheNewestWithinTheMemoryCap() {
        let hot = HotTier(ttl: .seconds(86_400 * 365), memoryLimit: 256 << 10)
        for start in stride(from: 0, to: 20_000, by: 500) { hot.insert((start..<(start + 500)).map { makeEvent($0) }) }
        let stats = hot.stats
        #expect(stats.bytes <= 256 << 10)
        #expect(stats.count > 500 && stats.count < 20_000)
        #expect(stats.evictedByMemory == 20_000 - stats.count)
        #expect(hot.recent(limit: 3).map(\.id) == ["evt-19999", "evt-19998", "evt-19997"])
        #expect(hot.event(id: "evt-19990") == makeEvent(19990))
        #expect(hot.event(id: "evt-5") == nil, "evicted")
        #expect(hot.recent(limit: 2) { $0.entity == "host-2" }.map(\.id) == ["evt-19997", "evt-19992"])
    }

    @Test func evictsByEventTimeTTL() {
        let hot = HotTier(ttl: .seconds(3600), memoryLimit: 64 << 20)
        hot.insert((0..<100).map { makeEvent($0, at: 1_700_000_000) })
        #expect(hot.stats.count == 100)
        // Events a day newer push the old chunk past the TTL.
        for start in stride(from: 100, to: 40_000, by: 1000) { hot.insert((start..<(start + 1000)).map { makeEvent($0, at: 1_700_086_400) }) }
        #expect(hot.event(id: "evt-5") == nil)
        #expect(hot.stats.evictedByTTL >= 100)
        #expect(hot.event(id: "evt-39999") != nil)
    }
}

@Suite struct DeadLetterTests {
    @Test func writesValidNDJSONAndCutsBackUncommittedLines() throws {
        let dir = scratchDirectory()
        let path = dir + "/dead-letter.ndjson"
        let file = try DeadLetterFile(path: path, committedSize: nil)
        try file.append([
            DeadLetterEntry(source: "f", line: 3, reason: "nul_byte", message: "line 3: NUL", raw: [0x7B, 0x00, 0x7D], rawLength: 3),
            DeadLetterEntry(source: "f", line: 4, reason: "invalid_json", message: "line 4: x", raw: Array("{\"a\u{1B}".utf8), rawLength: 5),
            DeadLetterEntry(source: "f", line: 5, reason: "line_too_long", message: "line 5: big", raw: [0x41, 0x41], rawLength: 10_000_000),
        ])
        let committed = file.size
        try file.append([DeadLetterEntry(source: "f", line: 6, reason: "x", message: "uncommitted", raw: [], rawLength: 0)])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let objects = try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == 4)
        #expect(objects[0]?["rawBase64"] as? String == "ewB9")
        #expect(objects[1]?["raw"] as? String == "{\"a\u{1B}")
        #expect(objects[2]?["truncated"] as? Bool == true && objects[2]?["rawLength"] as? Int == 10_000_000)
        // Reopened after a crash, the file is cut back to the committed length.
        _ = try DeadLetterFile(path: path, committedSize: committed)
        #expect(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count == 3)
    }
}
