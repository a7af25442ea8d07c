import CTASCore
import CTASTestSupport
import Foundation
import Testing
@testable import CTASStore

/// The source and type lists count their values' stored events, so retention can remove a
/// value whose events it purged: the list never names a value no stored event has (a query
/// for it then answers at once, and suggestions name only what is there).
@Suite struct NameCountsTests {
    static let sourcePool: [String?] = ["suricata", "zeek/dns", "zeek/conn", "sensör-ü", "", nil, "x%_"]
    static let typePool = ["alert", "dns", "Alert", "tÿpe", "", "a b"]
    static let hour: Int64 = 3_600_000_000
    static let base: Int64 = 1_795_132_800_000_000

    /// Event `n` an hour after event `n - 1`; early events draw their names from the start of
    /// each pool and late ones from the end, so purges empty some names and leave others.
    static func event(_ n: Int, source: String?, type: String) -> Event {
        Event(id: "c-\(n)", timestamp: Timestamp(microseconds: base + Int64(n) * hour), type: type,
              severity: nil, source: source, location: nil, entity: nil, priority: nil, indicators: [], description: nil, tags: [])
    }

    /// The list's rows against the stored events counted by a scan.
    static func expectCountsMatch(_ warm: WarmTier, _ comment: Comment) throws {
        for (table, column) in [("event_sources", "source"), ("event_types", "type")] {
            let listed = try rows(warm.database, "SELECT \(column), events FROM \(table) ORDER BY \(column)")
            let scanned = try rows(warm.database, "SELECT \(column), count(*) FROM events WHERE \(column) IS NOT NULL GROUP BY \(column) ORDER BY \(column)")
            #expect(listed == scanned, "\(comment): \(table)")
        }
    }

    static func rows(_ db: SQLiteDatabase, _ sql: String) throws -> [String] {
        let s = try db.prepare(sql)
        var out: [String] = []
        while try s.step() { out.append("\(String(decoding: s.textBytes(0), as: UTF8.self))=\(s.int64(1))") }
        return out
    }

    @Test func countsEqualTheScanThroughCommitsRollbacksPurgesAndReopens() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        var warm = try WarmTier(path: path)
        var random = TestRandom(seed: 17)
        var n = 0
        var emptied = 0
        // The newest stored event: retention always keeps it, so its id is always a repeat.
        var newestStored: Int?
        for round in 0..<40 {
            var batch: [Event] = []
            for _ in 0..<Int(random.below(30)) {
                // Names drift through the pools as time goes on.
                let s = min(Self.sourcePool.count - 1, n / 25 + Int(random.below(3)))
                let t = min(Self.typePool.count - 1, n / 30 + Int(random.below(2)))
                batch.append(Self.event(n, source: Self.sourcePool[s], type: Self.typePool[t]))
                n += 1
            }
            // A repeated id brings no event, whatever its names say.
            if let newestStored { batch.append(Self.event(newestStored, source: "duplicate-only", type: "duplicate-only")) }
            switch random.below(6) {
            case 0:
                #expect(throws: StoreError.self) {
                    _ = try warm.commit([WarmTier.Part(events: batch)], deadLetterSize: nil, ingestedAt: Timestamp(microseconds: Self.base),
                                        alsoWrite: { (_) throws(StoreError) in throw StoreError.corrupt(path: "test", detail: "refused on purpose") })
                }
            case 1:
                let before = try Self.rows(warm.database, "SELECT source FROM event_sources").count
                    + Self.rows(warm.database, "SELECT type FROM event_types").count
                // Keep the newest 5 to 60 hours of events.
                let kept = Int64(5 + random.below(56))
                let purged = try warm.purge(retention: .microseconds(kept * Self.hour), now: Timestamp(microseconds: Self.base + 10_000 * Self.hour),
                                            chunk: 1 + Int(random.below(20)))
                let after = try Self.rows(warm.database, "SELECT source FROM event_sources").count
                    + Self.rows(warm.database, "SELECT type FROM event_types").count
                if purged > 0 && after < before { emptied += 1 }
            case 2:
                warm = try WarmTier(path: path)
            default:
                let result = try warm.commit(batch, deadLetterSize: nil, ingestedAt: Timestamp(microseconds: Self.base))
                if let last = batch.indices.last(where: { result.inserted[$0] }) { newestStored = Int(batch[last].id.dropFirst(2)) }
            }
            try Self.expectCountsMatch(warm, "round \(round)")
        }
        #expect(emptied >= 3, "purges emptied names \(emptied) times")
        #expect(try Self.rows(warm.database, "SELECT source FROM event_sources WHERE source = 'duplicate-only'").isEmpty)
    }

    /// What an analyst sees: after retention took every event of a source and a type, the
    /// reader says at once that none is stored, and names only what is.
    @Test func aPurgedNameIsNoLongerListedOrSuggested() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        let warm = try WarmTier(path: path)
        let old = (0..<10).map { Self.event($0, source: "retired-sensor", type: "old_alert") }
        let new = (100..<110).map { Self.event($0, source: "zeek/dns", type: "dns") }
        _ = try warm.commit(old + new, deadLetterSize: nil, ingestedAt: Timestamp(microseconds: Self.base))
        let stale = try WarmReader(path: path)
        #expect(try stale.mayHold(source: "retired-sensor") && stale.mayHold(anyTypeOf: ["old_alert"]))
        #expect(try warm.purge(retention: .microseconds(50 * Self.hour), now: Timestamp(microseconds: Self.base + 10_000 * Self.hour)) == 10)
        let reader = try WarmReader(path: path)
        #expect(try reader.mayHold(source: "retired-sensor") == false)
        #expect(try reader.mayHold(anyTypeOf: ["old_alert"]) == false)
        #expect(try reader.sourceNames() == ["zeek/dns"])
        #expect(try reader.typeNames() == ["dns"])
        // The name comes back with its next event.
        _ = try warm.commit([Self.event(200, source: "retired-sensor", type: "old_alert")], deadLetterSize: nil)
        #expect(try WarmReader(path: path).mayHold(source: "retired-sensor"))
        try Self.expectCountsMatch(warm, "after the name came back")
    }

    /// Names removed by a purge no longer count toward the list's limit: a store whose sensors
    /// change over the years keeps its list.
    @Test func purgedNamesFreeTheirPlaceUnderTheLimit() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        let warm = try WarmTier(path: path, sourceNameLimit: 5)
        let first = (0..<5).map { Self.event($0, source: "sensor-\($0)", type: "t") }
        _ = try warm.commit(first, deadLetterSize: nil, ingestedAt: Timestamp(microseconds: Self.base))
        _ = try warm.commit([Self.event(40, source: "sensor-4", type: "t")], deadLetterSize: nil, ingestedAt: Timestamp(microseconds: Self.base))
        // Events 0–4 are purged; sensor-4 keeps event 40.
        #expect(try warm.purge(retention: .microseconds(20 * Self.hour), now: Timestamp(microseconds: Self.base + 10_000 * Self.hour)) == 5)
        let next = (50..<54).map { Self.event($0, source: "new-sensor-\($0)", type: "t") }
        _ = try warm.commit(next, deadLetterSize: nil)
        let reader = try WarmReader(path: path)
        #expect(try reader.sourceNames() == ["new-sensor-50", "new-sensor-51", "new-sensor-52", "new-sensor-53", "sensor-4"],
                "five names, the limit: still listed")
        try Self.expectCountsMatch(warm, "under the limit")
    }

    /// A schema-9 store (names without counts, one of them stale): a writer counts every
    /// listed value once and leaves the stale one out; a dropped list stays dropped.
    @Test func aStoreWithoutCountsIsCountedWhenAWriterOpensIt() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        let events = (0..<30).map { Self.event($0, source: Self.sourcePool[$0 % Self.sourcePool.count], type: Self.typePool[$0 % Self.typePool.count]) }
        do {
            let warm = try WarmTier(path: path)
            _ = try warm.commit(events, deadLetterSize: nil)
            try warm.database.execute("""
                DROP TABLE event_sources; DROP TABLE event_types;
                CREATE TABLE event_sources(source TEXT PRIMARY KEY) WITHOUT ROWID;
                CREATE TABLE event_types(type TEXT PRIMARY KEY) WITHOUT ROWID;
                INSERT INTO event_sources(source) SELECT DISTINCT source FROM events WHERE source IS NOT NULL;
                INSERT INTO event_sources(source) VALUES ('purged-long-ago');
                INSERT INTO meta(key, value) VALUES ('event_types_dropped', 1);
                PRAGMA user_version=9;
                """)
        }
        #expect(try WarmReader(path: path).mayHold(source: "purged-long-ago"), "schema 9 read as it is")
        let warm = try WarmTier(path: path)
        #expect(try warm.database.scalar("PRAGMA user_version") == WarmTier.schemaVersion)
        #expect(try WarmReader(path: path).mayHold(source: "purged-long-ago") == false)
        #expect(try warm.database.scalar("SELECT count(*) FROM event_types") == 0, "the dropped list stays dropped")
        #expect(try WarmReader(path: path).typeNames() == nil)
        let listed = try Self.rows(warm.database, "SELECT source, events FROM event_sources ORDER BY source")
        let scanned = try Self.rows(warm.database, "SELECT source, count(*) FROM events WHERE source IS NOT NULL GROUP BY source ORDER BY source")
        #expect(listed == scanned)
        _ = try warm.commit([Self.event(99, source: "suricata", type: "alert")], deadLetterSize: nil)
        #expect(try Self.rows(warm.database, "SELECT source, events FROM event_sources ORDER BY source")
                == Self.rows(warm.database, "SELECT source, count(*) FROM events WHERE source IS NOT NULL GROUP BY source ORDER BY source"))
    }
}
