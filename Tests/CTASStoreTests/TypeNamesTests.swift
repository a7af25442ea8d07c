import CTASCore
import CTASTestSupport
import Foundation
import Testing
@testable import CTASStore

/// The store keeps the types of its events so a query for a type none of them has is
/// answered from that list, not by reading every event. Its answers must equal the scan's.
@Suite struct TypeNamesTests {
    static let pool = ["alert", "dns", "Alert", "port_scan", "tÿpe", "x%_", "", "a b"]

    static func event(_ n: Int, type: String) -> Event {
        Event(id: "t-\(n)", timestamp: Timestamp(microseconds: (1_795_132_800 + Int64(n)) * 1_000_000), type: type,
              severity: nil, source: "s", location: nil, entity: nil, priority: nil, indicators: [], description: nil, tags: [])
    }

    static let questions: [[String]] = [["alert"], ["ALERT"], ["Alert"], ["dns"], ["dn"], ["tÿpe"], ["x%_"], ["x"], [""], ["a b"],
                                        ["nothing-like-it"], ["nothing", "dns"], ["nothing", "other"]]

    func check(_ path: String, stored: [Event], expectListed: Bool, _ comment: Comment) throws {
        let reader = try WarmReader(path: path)
        for asked in Self.questions {
            var q = EventQuery()
            q.types = asked
            q.limit = 10_000
            q.newestFirst = false
            let expected = stored.filter { asked.contains($0.type) }.map(\.id)
            #expect(try reader.events(q).map(\.id) == expected, "\(comment): types \(asked)")
            #expect(try reader.events(ids: stored.map(\.id), matching: q).map(\.id) == expected, "\(comment): ids, types \(asked)")
            if expectListed {
                #expect(try reader.mayHold(anyTypeOf: asked) == !expected.isEmpty, "\(comment): listed \(asked)")
            } else {
                #expect(try reader.mayHold(anyTypeOf: asked), "\(comment): without the list every type may be held")
            }
        }
    }

    @Test func answersEqualTheScanOverRandomCommits() throws {
        let dir = scratchDirectory()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        var random = TestRandom(seed: 9)
        var stored: [Event] = []
        var n = 0
        for _ in 0..<12 {
            var batch: [Event] = []
            for _ in 0..<Int(random.below(40)) {
                batch.append(Self.event(n, type: Self.pool[Int(random.below(Self.pool.count))]))
                n += 1
            }
            // Duplicates of stored ids bring no new event, whatever their type says.
            if let old = stored.first { batch.append(Self.event(Int(old.id.dropFirst(2)) ?? 0, type: "duplicate-only")) }
            _ = try warm.commit(batch, deadLetterSize: nil)
            stored += batch.filter { e in !stored.contains { $0.id == e.id } }
        }
        try check(dir + "/warm.sqlite", stored: stored, expectListed: true, "random commits")
        let names = try #require(try WarmReader(path: dir + "/warm.sqlite").typeNames(limit: 100))
        #expect(names == Set(stored.map(\.type)).sorted(), "the types listed are exactly the stored events'")
        #expect(!names.contains("duplicate-only"))
    }

    /// A commit that fails stores no type; the type's first event committed later is found.
    @Test func aRolledBackCommitLeavesNoTypeBehind() throws {
        let dir = scratchDirectory()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        _ = try warm.commit([Self.event(0, type: "first")], deadLetterSize: nil)
        #expect(throws: StoreError.self) {
            _ = try warm.commit([WarmTier.Part(events: [Self.event(1, type: "late")])], deadLetterSize: nil,
                                alsoWrite: { (_) throws(StoreError) in throw StoreError.corrupt(path: "test", detail: "refused on purpose") })
        }
        #expect(try WarmReader(path: dir + "/warm.sqlite").mayHold(anyTypeOf: ["late"]) == false)
        _ = try warm.commit([Self.event(2, type: "late")], deadLetterSize: nil)
        let reader = try WarmReader(path: dir + "/warm.sqlite")
        #expect(try reader.mayHold(anyTypeOf: ["late"]))
        var q = EventQuery()
        q.types = ["late"]
        #expect(try reader.events(q).map(\.id) == ["t-2"])
    }

    /// A feed with a type per event would make the list as long as the store: past its limit
    /// the list is given up, in the commit that would pass it, and queries scan. The sources'
    /// list is kept meanwhile.
    @Test func pastItsLimitTheListIsGivenUpAndQueriesScan() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        let warm = try WarmTier(path: path, typeNameLimit: 5)
        var stored = (0..<30).map { Self.event($0, type: ["alert", "dns", "x%_"][$0 % 3]) }
        _ = try warm.commit(stored, deadLetterSize: nil)
        try check(path, stored: stored, expectListed: true, "three types, limit five")
        let many = (100..<110).map { Self.event($0, type: "type-\($0)") }
        #expect(throws: StoreError.self) {
            _ = try warm.commit([WarmTier.Part(events: many)], deadLetterSize: nil,
                                alsoWrite: { (_) throws(StoreError) in throw StoreError.corrupt(path: "test", detail: "refused on purpose") })
        }
        try check(path, stored: stored, expectListed: true, "after a rolled-back commit past the limit")
        _ = try warm.commit(many, deadLetterSize: nil)
        stored += many
        try check(path, stored: stored, expectListed: false, "past the limit")
        #expect(try warm.database.scalar("SELECT count(*) FROM event_types") == 0, "the list's rows are gone")
        #expect(try WarmReader(path: path).typeNames() == nil)
        #expect(try WarmReader(path: path).sourceNames() == ["s"], "the sources' list is kept")
        _ = try warm.commit([Self.event(200, type: "tÿpe")], deadLetterSize: nil)
        stored.append(Self.event(200, type: "tÿpe"))
        _ = try WarmTier(path: path, typeNameLimit: 5)
        try check(path, stored: stored, expectListed: false, "reopened")

        // A store from before the list with more types than the limit is not listed at all.
        let old = dir + "/old.sqlite"
        do {
            let w = try WarmTier(path: old)
            _ = try w.commit(stored, deadLetterSize: nil)
            try w.database.execute("DROP TABLE event_types; PRAGMA user_version=8;")
        }
        _ = try WarmTier(path: old, typeNameLimit: 5)
        try check(old, stored: stored, expectListed: false, "migrated past the limit")
    }

    /// A store from before the list (schema 8): a reader scans as before; a writer lists every
    /// stored type once, then keeps the list.
    @Test func aStoreFromBeforeTheListIsListedWhenAWriterOpensIt() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        var stored = (0..<60).map { Self.event($0, type: Self.pool[$0 % Self.pool.count]) }
        do {
            let warm = try WarmTier(path: path)
            _ = try warm.commit(stored, deadLetterSize: nil)
            try warm.database.execute("DROP TABLE event_types; PRAGMA user_version=8;")
        }
        try check(path, stored: stored, expectListed: false, "schema 8, read-only")
        #expect(try WarmReader(path: path).typeNames() == nil)
        let warm = try WarmTier(path: path)
        #expect(try warm.database.scalar("PRAGMA user_version") == WarmTier.schemaVersion)
        try check(path, stored: stored, expectListed: true, "migrated")
        let more = [Self.event(100, type: "new_type"), Self.event(101, type: "dns")]
        _ = try warm.commit(more, deadLetterSize: nil)
        stored += more
        try check(path, stored: stored, expectListed: true, "migrated, then written")
        #expect(try WarmReader(path: path).typeNames(limit: 100) == Set(stored.map(\.type)).sorted())
    }
}
