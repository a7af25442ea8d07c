import CTASCore
@testable import CTASStore
import Testing

/// `CommitKeys`: a commit's keys go into the recent tables in the order SQLite keeps them,
/// repeats in arrival order; and a commit whose repeats precede new events still numbers
/// them densely and finds each by its id.
@Suite struct CommitKeysTests {
    private func event(_ id: String, flow: String?, _ n: Int) -> Event {
        Event(id: id, timestamp: Timestamp(microseconds: 1_795_132_800_000_000 + Int64(n)), type: "t", severity: nil, source: "s",
              location: nil, entity: nil, priority: nil, indicators: [], description: nil, tags: [],
              details: Event.Details(original: nil, flow: flow))
    }

    @Test func ordersKeysAsSQLiteDoesAndRepeatsByArrival() throws {
        // Shared 16-byte prefixes, prefixes of one another, bytes above 0x7F, empty keys,
        // repeats, and no flow at all.
        var random = SystemRandomNumberGenerator()
        var ids: [String] = ["", "zeek-", "zeek-0123456789a", "zeek-0123456789ab", "zeek-0123456789abc", "zeek-0123456789ab\u{1}",
                             "é", "e\u{FFFF}", "zeek-0123456789abcdef0", "zeek-0123456789abcdef", "zeek-0123456789abc"]
        for _ in 0..<300 {
            let length = Int.random(in: 0...40, using: &random)
            let alphabet = Array("ab€0\u{7F}")
            ids.append(String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &random)] }))
        }
        ids += ids.prefix(40)
        let events = ids.enumerated().map { i, id in event(id, flow: i % 5 == 0 ? nil : String(id.reversed()), i) }
        let keys = CommitKeys([WarmTier.Part(events: events)], idColumn: 0, flowColumn: 8)
        #expect(keys.count == events.count)

        let db = try SQLiteDatabase(path: ":memory:")
        try db.execute("CREATE TABLE k(key TEXT, row INTEGER)")
        for (column, spans) in [("id", keys.ids), ("flow", keys.flows)] {
            try db.execute("DELETE FROM k")
            let insert = try db.prepare("INSERT INTO k VALUES (?, ?)")
            for (row, e) in events.enumerated() {
                guard let key = column == "id" ? e.id : e.details?.flow else { continue }
                insert.bind(key, at: 1)
                insert.bind(Int64(row), at: 2)
                _ = try insert.step()
                insert.reset()
            }
            let ordered = try db.prepare("SELECT row FROM k ORDER BY key, row")
            var expected: [Int] = []
            while try ordered.step() { expected.append(Int(ordered.int64(0))) }
            #expect(keys.order(spans) == expected, "\(column)s in SQLite's order, repeats by row")
        }
        #expect(keys.order(keys.flows, where: { $0 % 2 == 0 }).allSatisfy { $0 % 2 == 0 })
    }

    @Test func repeatsBeforeNewEventsLeaveSeqsDenseAndIdsFound() throws {
        let dir = scratchDirectory()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        #expect(try warm.commit((0..<20).map { event("id-\($0)", flow: "f\($0)", $0) }, deadLetterSize: nil).insertedCount == 20)
        // Stored ids, a repeat inside the commit and new ids interleaved, in shuffled key order.
        let ids = ["id-3", "new-9", "id-0", "new-1", "new-9", "new-5", "id-19", "new-0", "id-7", "new-7"]
        let result = try warm.commit(ids.enumerated().map { event($1, flow: "g" + $1, 100 + $0) }, deadLetterSize: nil)
        #expect(result.inserted == [false, true, false, true, false, true, false, true, false, true])
        #expect(result.lastSeq == 25)
        let seqs = try warm.database.prepare("SELECT seq, id FROM events WHERE seq > 20 ORDER BY seq")
        var stored: [String] = []
        while try seqs.step() { stored.append(seqs.text(1) ?? "?") }
        #expect(stored == ["new-9", "new-1", "new-5", "new-0", "new-7"], "seqs 21…25 in arrival order")
        let reader = try WarmReader(path: dir + "/warm.sqlite")
        for id in Set(ids) {
            var q = EventQuery()
            q.id = id
            #expect(try reader.events(q).map(\.id) == [id])
            q = EventQuery()
            q.flow = "g" + id
            #expect(try reader.events(q).map(\.id) == (id.hasPrefix("new") ? [id] : []), "flow of \(id)")
        }
    }
}
