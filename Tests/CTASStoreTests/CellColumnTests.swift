import CTASCore
import Foundation
import H3
import Testing
@testable import CTASStore

/// The warm tier's cell column: written with each event, backfilled when an older database
/// is opened, and queried as one range per cell at any resolution.
@Suite struct CellColumnTests {
    static func events() -> [Event] {
        let places: [(Double, Double)] = [(48.8566, 2.3522), (48.8570, 2.3530), (48.9, 2.4), (-33.87, 151.21), (0, 180), (0, -180),
                                          (89.99, 10), (-90, 0), (51.5, -0.12)]
        return places.enumerated().map { i, p in
            Event(id: "evt-\(i)", timestamp: Timestamp(microseconds: 1_795_132_800_000_000 + Int64(i) * 1_000_000), type: "t\(i % 2)",
                  severity: Severity(i % 10 + 1), source: "s\(i % 3)", location: GeoPoint(latitude: p.0, longitude: p.1))
        } + [Event(id: "evt-nowhere", timestamp: Timestamp(microseconds: 1_795_132_900_000_000), type: "t0")]
    }

    static func ids(_ reader: WarmReader, _ cell: H3Index) throws -> Set<String> {
        var q = EventQuery()
        q.cell = cell
        q.limit = 1000
        return Set(try reader.events(q).map(\.id))
    }

    /// What each query must return: the events whose resolution-15 cell descends from
    /// `cell` (H3 children do not tile their parent exactly, so this is the hierarchy's answer,
    /// which can differ from latLngToCell at the coarser resolution near cell edges).
    static func expected(_ cell: H3Index) throws -> Set<String> {
        Set(try events().compactMap { e -> String? in
            guard let p = e.location else { return nil }
            let fine = try H3.latLngToCell(lat: p.latitude, lng: p.longitude, res: 15)
            return try H3.cellToParent(fine, res: cell.resolution) == cell ? e.id : nil
        })
    }

    @Test func cellsAtEveryResolutionFindExactlyTheirEvents() throws {
        let dir = scratchDirectory()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        _ = try warm.commit(Self.events(), deadLetterSize: nil)
        let reader = try WarmReader(path: dir + "/warm.sqlite")
        for e in Self.events() {
            guard let p = e.location else { continue }
            for res in 0...15 {
                let cell = try H3.latLngToCell(lat: p.latitude, lng: p.longitude, res: res)
                #expect(try Self.ids(reader, cell) == Self.expected(cell), "\(e.id) at resolution \(res)")
            }
        }
        // The event without a location is in no cell; its column is NULL.
        #expect(try warm.database.scalar("SELECT count(*) FROM events WHERE cell IS NULL") == 1)
        // A summary of a cell: counts and top values.
        let paris = try H3.cellToParent(try H3.latLngToCell(lat: 48.8566, lng: 2.3522, res: 15), res: 7)
        let summary = try reader.cellSummary(paris, since: nil)
        #expect(summary.count == 2)
        #expect(summary.types.map(\.value) == ["t0", "t1"] && summary.types.allSatisfy { $0.count == 1 })
        #expect(summary.sources.map(\.value) == ["s0", "s1"])
        let later = try reader.cellSummary(paris, since: Timestamp(microseconds: 1_795_132_801_000_000))
        #expect(later.count == 1)
        // The query plan searches both cell tables by their keys and reads events by seq.
        let plan = try warm.database.prepare("""
            EXPLAIN QUERY PLAN SELECT id FROM events WHERE seq IN (SELECT seq FROM event_cells WHERE bucket = 5 AND cell BETWEEN 1 AND 2
              UNION ALL SELECT seq FROM recent_cells WHERE bucket = 5 AND cell BETWEEN 1 AND 2)
            """)
        var text = ""
        while try plan.step() { text += (plan.text(3) ?? "") + "\n" }
        #expect(text.contains("SEARCH event_cells USING PRIMARY KEY") && text.contains("SEARCH recent_cells USING PRIMARY KEY"), "\(text)")
        #expect(text.contains("SEARCH events USING INTEGER PRIMARY KEY") && !text.contains("SCAN"), "\(text)")
    }

    @Test func anOlderDatabaseGetsItsCellsBackfilled() throws {
        let dir = scratchDirectory()
        do {
            let warm = try WarmTier(path: dir + "/warm.sqlite")
            _ = try warm.commit(Self.events(), deadLetterSize: nil)
            // Make it look like schema 2: no cell index, no cells.
            try warm.database.execute("DROP TABLE event_cells; DROP TABLE recent_cells; UPDATE events SET cell = NULL; PRAGMA user_version=2;")
        }
        let reopened = try WarmTier(path: dir + "/warm.sqlite")
        #expect(try reopened.database.scalar("PRAGMA user_version") == WarmTier.schemaVersion)
        #expect(try reopened.database.scalar("SELECT count(*) FROM events WHERE cell IS NOT NULL") == 9)
        #expect(try reopened.database.scalar("SELECT count(*) FROM event_cells") == 9)
        let reader = try WarmReader(path: dir + "/warm.sqlite")
        let sydney = try H3.latLngToCell(lat: -33.87, lng: 151.21, res: 9)
        #expect(try Self.ids(reader, sydney) == ["evt-3"])
        var seen = 0
        try reader.scanCells { cell, _, _ in if cell != 0 { seen += 1 } }
        #expect(seen == 9)
    }

    @Test func cellQueriesAcrossManyTimeBucketsKeepOrderLimitsAndWindows() throws {
        let dir = scratchDirectory()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        var events: [Event] = []
        var state: UInt64 = 0x9E37_79B9
        func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
        let base: Int64 = 1_795_132_800_000_000
        for i in 0..<3_000 {
            let lat = 48.8 + Double(next() % 1000) / 5000, lng = 2.3 + Double(next() % 1000) / 5000
            // Three days, including times before 1970 for a few (negative microseconds).
            let ts = i % 500 == 0 ? -Int64(next() % 1_000_000_000_000) : base + Int64(next() % (3 * 86_400)) * 1_000_000
            events.append(Event(id: "e\(i)", timestamp: Timestamp(microseconds: ts), type: "t\(i % 4)", severity: Severity(i % 10 + 1),
                                source: "s\(i % 3)", location: GeoPoint(latitude: lat, longitude: lng)))
        }
        _ = try warm.commit(events, deadLetterSize: nil)
        let reader = try WarmReader(path: dir + "/warm.sqlite")
        let cell = try H3.cellToParent(try H3.latLngToCell(lat: 48.85, lng: 2.35, res: 15), res: 6)
        let inCell = try events.filter { e in
            guard let p = e.location else { return false }
            return try H3.cellToParent(try H3.latLngToCell(lat: p.latitude, lng: p.longitude, res: 15), res: 6) == cell
        }
        try #require(inCell.count > 50)
        // Ties in time go by storage order (seq), as the store orders them.
        let seq = Dictionary(uniqueKeysWithValues: events.enumerated().map { ($1.id, $0) })
        func ordered(_ list: [Event], newest: Bool) -> [String] {
            list.sorted { a, b in
                if a.timestamp != b.timestamp { return newest ? a.timestamp > b.timestamp : a.timestamp < b.timestamp }
                return newest ? seq[a.id]! > seq[b.id]! : seq[a.id]! < seq[b.id]!
            }.map(\.id)
        }
        for (newest, limit) in [(true, 7), (false, 7), (true, 100_000), (false, 100_000)] {
            var q = EventQuery()
            q.cell = cell
            q.newestFirst = newest
            q.limit = limit
            let got = try reader.events(q).map(\.id)
            #expect(got == Array(ordered(inCell, newest: newest).prefix(limit)), "newest \(newest), limit \(limit)")
        }
        var q = EventQuery()
        q.cell = cell
        q.since = Timestamp(microseconds: base + 86_400_000_000)
        q.until = Timestamp(microseconds: base + 2 * 86_400_000_000)
        q.types = ["t1"]
        q.limit = 100_000
        let window = inCell.filter { $0.timestamp >= q.since! && $0.timestamp < q.until! && $0.type == "t1" }
        #expect(try reader.events(q).map(\.id) == ordered(window, newest: false))
        let summary = try reader.cellSummary(cell, since: q.since, sample: 40)
        #expect(summary.count == inCell.filter { $0.timestamp >= q.since! }.count)
        #expect(summary.sampled == 40 && summary.types.reduce(0) { $0 + $1.count } == 40)
        // Bucket seeks use both tables' keys (no scan of a table or of every bucket in between).
        let plan = try warm.database.prepare("""
            EXPLAIN QUERY PLAN SELECT max(bucket) FROM (SELECT * FROM (SELECT bucket FROM event_cells WHERE bucket <= 9 AND bucket >= 0 ORDER BY bucket DESC LIMIT 1)
              UNION ALL SELECT * FROM (SELECT bucket FROM recent_cells WHERE bucket <= 9 AND bucket >= 0 ORDER BY bucket DESC LIMIT 1))
            """)
        var text = ""
        while try plan.step() { text += (plan.text(3) ?? "") + "\n" }
        #expect(text.contains("SEARCH event_cells USING PRIMARY KEY") && text.contains("SEARCH recent_cells USING PRIMARY KEY"), "\(text)")
        #expect(!text.contains("TEMP B-TREE") && !text.contains("SCAN event_cells") && !text.contains("SCAN recent_cells"), "\(text)")
    }
}
