import CTASCore
import CTASTestSupport
import Foundation
import Testing
@testable import CTASStore

/// The store keeps the names of its sources so a query for a source it has no event from is
/// answered from that list, not by reading every event. Its answers must equal the scan's.
@Suite struct SourceNamesTests {
    static let pool: [String?] = ["suricata", "zeek/dns", "zeek/conn", "zeek", "zeekish", "a/b/c", "sensör-ü", "", nil, "x%_", "edge/"]

    static func event(_ n: Int, source: String?) -> Event {
        Event(id: "s-\(n)", timestamp: Timestamp(microseconds: (1_795_132_800 + Int64(n)) * 1_000_000), type: "t",
              severity: nil, source: source, location: nil, entity: nil, priority: nil, indicators: [], description: nil, tags: [])
    }

    /// What the filter means, written out: the name itself or one of its logs.
    static func matches(_ stored: String?, _ asked: String) -> Bool {
        guard let stored else { return false }
        return stored == asked || stored.hasPrefix(asked + "/")
    }

    static let questions = ["suricata", "zeek", "zeek/dns", "zeek/d", "zeekish", "a", "a/b", "a/b/c", "b", "sensör-ü", "", "x%_", "x",
                            "edge", "edge/", "nothing-like-it", "ZEEK"]

    func check(_ path: String, stored: [Event], expectListed: Bool, _ comment: Comment) throws {
        let reader = try WarmReader(path: path)
        for asked in Self.questions {
            var q = EventQuery()
            q.source = asked
            q.limit = 10_000
            q.newestFirst = false
            let expected = stored.filter { Self.matches($0.source, asked) }.map(\.id)
            #expect(try reader.events(q).map(\.id) == expected, "\(comment): source \(asked)")
            #expect(try reader.events(ids: stored.map(\.id), matching: q).map(\.id) == expected, "\(comment): ids, source \(asked)")
            if expectListed {
                #expect(try reader.mayHold(source: asked) == !expected.isEmpty, "\(comment): listed \(asked)")
            } else {
                #expect(try reader.mayHold(source: asked), "\(comment): without the list every source may be held")
            }
        }
    }

    @Test func answersEqualTheScanOverRandomCommits() throws {
        let dir = scratchDirectory()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        var random = TestRandom(seed: 5)
        var stored: [Event] = []
        var n = 0
        for _ in 0..<12 {
            var batch: [Event] = []
            for _ in 0..<Int(random.below(40)) {
                batch.append(Self.event(n, source: Self.pool[Int(random.below(Self.pool.count))]))
                n += 1
            }
            // Duplicates of stored ids bring no new event, whatever their source says.
            if let old = stored.first { batch.append(Self.event(Int(old.id.dropFirst(2)) ?? 0, source: "duplicate-only")) }
            _ = try warm.commit(batch, deadLetterSize: nil)
            stored += batch.filter { e in !stored.contains { $0.id == e.id } }
        }
        try check(dir + "/warm.sqlite", stored: stored, expectListed: true, "random commits")
        let names = try #require(try WarmReader(path: dir + "/warm.sqlite").sourceNames())
        #expect(names == Set(stored.compactMap(\.source)).sorted(), "the names listed are exactly the stored sources'")
        #expect(!names.contains("duplicate-only"))
    }

    /// A commit that fails stores no name; the name's first event committed later is found.
    @Test func aRolledBackCommitLeavesNoNameBehind() throws {
        struct Refused: Error {}
        let dir = scratchDirectory()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        _ = try warm.commit([Self.event(0, source: "first")], deadLetterSize: nil)
        #expect(throws: StoreError.self) {
            _ = try warm.commit([WarmTier.Part(events: [Self.event(1, source: "late")])], deadLetterSize: nil,
                                alsoWrite: { (_) throws(StoreError) in throw StoreError.corrupt(path: "test", detail: "refused on purpose") })
        }
        #expect(try WarmReader(path: dir + "/warm.sqlite").mayHold(source: "late") == false)
        _ = try warm.commit([Self.event(2, source: "late")], deadLetterSize: nil)
        let reader = try WarmReader(path: dir + "/warm.sqlite")
        #expect(try reader.mayHold(source: "late"))
        var q = EventQuery()
        q.source = "late"
        #expect(try reader.events(q).map(\.id) == ["s-2"])
        try check(dir + "/warm.sqlite", stored: [Self.event(0, source: "first"), Self.event(2, source: "late")], expectListed: true, "after a rollback")
    }

    /// A feed naming a source per host would make the list as long as the store: past its
    /// limit the list is given up, in the commit that would pass it, and queries scan.
    @Test func pastItsLimitTheListIsGivenUpAndQueriesScan() throws {
        struct Refused: Error {}
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        let warm = try WarmTier(path: path, sourceNameLimit: 5)
        var stored = (0..<30).map { Self.event($0, source: ["suricata", "zeek/dns", "zeek/conn"][$0 % 3]) }
        _ = try warm.commit(stored, deadLetterSize: nil)
        try check(path, stored: stored, expectListed: true, "three names, limit five")
        // A commit that would pass the limit but is rolled back leaves the list as it was.
        let many = (100..<110).map { Self.event($0, source: "host-\($0)") }
        #expect(throws: StoreError.self) {
            _ = try warm.commit([WarmTier.Part(events: many)], deadLetterSize: nil,
                                alsoWrite: { (_) throws(StoreError) in throw StoreError.corrupt(path: "test", detail: "refused on purpose") })
        }
        try check(path, stored: stored, expectListed: true, "after a rolled-back commit past the limit")
        _ = try warm.commit([Self.event(50, source: "x%_")], deadLetterSize: nil)
        stored.append(Self.event(50, source: "x%_"))
        try check(path, stored: stored, expectListed: true, "four names")
        _ = try warm.commit(many, deadLetterSize: nil)
        stored += many
        try check(path, stored: stored, expectListed: false, "past the limit")
        #expect(try warm.database.scalar("SELECT count(*) FROM event_sources") == 0, "the list's rows are gone")
        let more = [Self.event(200, source: "sensör-ü"), Self.event(201, source: "edge/")]
        _ = try warm.commit(more, deadLetterSize: nil)
        stored += more
        try check(path, stored: stored, expectListed: false, "past the limit, then written")
        _ = try WarmTier(path: path, sourceNameLimit: 5)
        try check(path, stored: stored, expectListed: false, "reopened")
        #expect(try WarmReader(path: path).sourceNames() == nil)

        // A store from before the list with more names than the limit is not listed at all.
        let old = dir + "/old.sqlite"
        do {
            let w = try WarmTier(path: old)
            _ = try w.commit(stored, deadLetterSize: nil)
            try w.database.execute("DROP TABLE event_sources; PRAGMA user_version=7;")
        }
        _ = try WarmTier(path: old, sourceNameLimit: 5)
        try check(old, stored: stored, expectListed: false, "migrated past the limit")
    }

    /// A store from before the list (schema 7): a reader scans as before; a writer lists every
    /// stored source once, then keeps the list.
    @Test func aStoreFromBeforeTheListIsListedWhenAWriterOpensIt() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        var stored = (0..<60).map { Self.event($0, source: Self.pool[$0 % Self.pool.count]) }
        do {
            let warm = try WarmTier(path: path)
            _ = try warm.commit(stored, deadLetterSize: nil)
            try warm.database.execute("DROP TABLE event_sources; PRAGMA user_version=7;")
        }
        try check(path, stored: stored, expectListed: false, "schema 7, read-only")
        let warm = try WarmTier(path: path)
        #expect(try warm.database.scalar("PRAGMA user_version") == WarmTier.schemaVersion)
        try check(path, stored: stored, expectListed: true, "migrated")
        let more = [Self.event(100, source: "new-sensor/log"), Self.event(101, source: "suricata")]
        _ = try warm.commit(more, deadLetterSize: nil)
        stored += more
        try check(path, stored: stored, expectListed: true, "migrated, then written")
    }
}
