import CTASCore
import Foundation
import H3
import Testing
@testable import CTASStore

/// The warm tier's cell rows in two levels (`WarmTier+Cells`): readers find events by place
/// in either level, merges move every row once, purges leave none behind, and a store from
/// before (an `events_cell` index) is read as it is and migrated once.
@Suite struct CellLevelsTests {
    static let base: Int64 = 1_795_132_800_000_000

    /// `count` located events from `first` on, over six ten-minute buckets and a small grid
    /// of places (so cells repeat), every seventh without a place.
    static func events(_ first: Int, _ count: Int) -> [Event] {
        (first..<first + count).map { i in
            let place = GeoPoint(latitude: 48.80 + Double(i % 5) * 0.01, longitude: 2.30 + Double(i % 3) * 0.01)
            return Event(id: "cell-\(i)", timestamp: Timestamp(microseconds: base + Int64((i * 7_919) % 3_600) * 1_000_000),
                         type: "t\(i % 3)", severity: Severity(i % 10 + 1), source: "s\(i % 2)", location: i % 7 == 0 ? nil : place)
        }
    }

    /// The ids a cell query must return, worked out from the events themselves.
    static func expected(_ events: [Event], in cell: H3Index, since: Timestamp? = nil) throws -> [String] {
        try events.filter { e in
            guard let p = e.location, since.map({ e.timestamp >= $0 }) ?? true else { return false }
            return try H3.cellToParent(try H3.latLngToCell(lat: p.latitude, lng: p.longitude, res: 15), res: cell.resolution) == cell
        }.sorted { $0.timestamp != $1.timestamp ? $0.timestamp < $1.timestamp : $0.id.count != $1.id.count ? $0.id.count < $1.id.count : $0.id < $1.id }
        .map(\.id)
    }

    static func found(_ reader: WarmReader, _ cell: H3Index) throws -> [String] {
        var q = EventQuery()
        q.cell = cell
        q.limit = 10_000
        return try reader.events(q).map(\.id)
    }

    static func rows(_ db: SQLiteDatabase, _ table: String) throws -> Int64 { try db.scalar("SELECT count(*) FROM \(table)") ?? -1 }

    /// Cells at resolutions 7 and 9 around the grid (each holding several of the events).
    static func cells() throws -> [H3Index] {
        let fine = try H3.latLngToCell(lat: 48.82, lng: 2.31, res: 15)
        return [try H3.cellToParent(fine, res: 7), try H3.cellToParent(fine, res: 9), fine]
    }

    @Test func readersFindCellsInEitherLevelAndMergesMoveEachRowOnce() throws {
        let dir = scratchDirectory()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        let first = Self.events(0, 300), second = Self.events(300, 200)
        _ = try warm.commit(first, deadLetterSize: nil)
        let located = Int64(first.filter { $0.location != nil }.count)
        #expect(try Self.rows(warm.database, "recent_cells") == located && Self.rows(warm.database, "event_cells") == 0)
        let reader = try WarmReader(path: dir + "/warm.sqlite")
        for cell in try Self.cells() {
            #expect(try Self.found(reader, cell) == Self.expected(first, in: cell), "recent level, \(cell)")
        }
        // Merged in slices of 7 rows, across bucket boundaries: every row once, none left.
        #expect(try warm.mergeKeys(keysPerSlice: 7) == 300)
        #expect(try Self.rows(warm.database, "recent_cells") == 0 && Self.rows(warm.database, "event_cells") == located)
        #expect(try warm.database.scalar("""
            SELECT count(*) FROM event_cells c JOIN events e ON e.seq = c.seq
            WHERE e.cell = c.cell AND e.ts = c.ts AND c.bucket = e.ts / \(WarmTier.cellBucketMicros)
            """) == located, "every merged row names its event, its cell and its bucket")
        // Then half the events in each level.
        _ = try warm.commit(second, deadLetterSize: nil)
        let all = first + second
        for cell in try Self.cells() {
            let expected = try Self.expected(all, in: cell)
            try #require(expected.count > 10)
            #expect(try Self.found(reader, cell) == expected, "both levels, \(cell)")
            var newest = EventQuery()
            newest.cell = cell
            newest.newestFirst = true
            newest.limit = 5
            #expect(try reader.events(newest).map(\.id) == Array(expected.reversed().prefix(5)), "newest first, limited")
            let since = Timestamp(microseconds: Self.base + 1_800_000_000)
            let summary = try reader.cellSummary(cell, since: since)
            #expect(summary.count == (try Self.expected(all, in: cell, since: since)).count, "a count over both levels")
        }
    }

    /// A cell's events in time order across buckets and levels, with other filters and
    /// limits that end inside a bucket; the summary's sample is the cell's newest events.
    @Test func aCellsEventsComeInTimeOrderUnderFiltersAndLimits() throws {
        let dir = scratchDirectory()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        let first = Self.events(0, 300), second = Self.events(300, 200)
        _ = try warm.commit(first, deadLetterSize: nil)
        try warm.mergeKeys()
        _ = try warm.commit(second, deadLetterSize: nil)
        let all = first + second
        let byID = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
        // As shipped; keys cut from two on (cut often); and buckets past three keys read by
        // SQLite's sort unless few are needed and nothing else filters.
        for (held, compactedFrom) in [(1 << 20, 4_096), (1 << 20, 2), (3, 2)] {
            let reader = try WarmReader(path: dir + "/warm.sqlite")
            reader.cellKeysHeld = held
            reader.cellKeysCompactedFrom = compactedFrom
            try Self.checkOrder(reader, all: all, byID: byID, "held \(held), cut from \(compactedFrom)")
        }
    }

    static func checkOrder(_ reader: WarmReader, all: [Event], byID: [String: Event], _ comment: Comment) throws {
        for cell in try Self.cells() {
            let inCell = try Self.expected(all, in: cell)
            try #require(inCell.count > 10)
            for newestFirst in [true, false] {
                for types: [String] in [[], ["t1"]] {
                    for limit in [1, 7, 40, 10_000] {
                        var q = EventQuery()
                        q.cell = cell
                        q.types = types
                        q.newestFirst = newestFirst
                        q.limit = limit
                        let ordered: [String] = newestFirst ? Array(inCell.reversed()) : inCell
                        let kept: [String] = ordered.filter { id in types.isEmpty || types.contains(byID[id]?.type ?? "") }
                        let expected = Array(kept.prefix(limit))
                        #expect(try reader.events(q).map(\.id) == expected, "\(comment): \(cell) newest \(newestFirst) types \(types) limit \(limit)")
                    }
                }
            }
            let sample = 9
            let summary = try reader.cellSummary(cell, since: nil, top: 3, sample: sample)
            let newest: [Event] = inCell.reversed().prefix(sample).compactMap { byID[$0] }
            func ranked(_ values: [String]) -> [CellSummary.Count] {
                var counts: [String: Int] = [:]
                for value in values { counts[value, default: 0] += 1 }
                let sorted = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                return sorted.prefix(3).map { CellSummary.Count(value: $0.key, count: $0.value) }
            }
            #expect(summary.count == inCell.count && summary.sampled == min(sample, inCell.count), "\(comment): \(cell)")
            #expect(summary.types == ranked(newest.map(\.type)), "\(comment): \(cell): types of the newest \(sample)")
            #expect(summary.sources == ranked(newest.compactMap(\.source)), "\(comment): \(cell): sources of the newest \(sample)")
        }
    }

    @Test func purgedEventsLeaveNoCellRowsBehind() throws {
        let dir = scratchDirectory()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        let old = Self.events(0, 100).map { e in
            Event(id: e.id, timestamp: Timestamp(microseconds: e.timestamp.microseconds - 40 * 86_400_000_000), type: e.type,
                  severity: e.severity, source: e.source, location: e.location)
        }
        _ = try warm.commit(Array(old[0..<60]), deadLetterSize: nil, ingestedAt: Timestamp(microseconds: Self.base - 40 * 86_400_000_000))
        try warm.mergeKeys()
        _ = try warm.commit(Array(old[60...]), deadLetterSize: nil, ingestedAt: Timestamp(microseconds: Self.base - 40 * 86_400_000_000))
        let kept = Self.events(100, 50)
        _ = try warm.commit(kept, deadLetterSize: nil)
        #expect(try Self.rows(warm.database, "event_cells") > 0 && Self.rows(warm.database, "recent_cells") > 0)
        #expect(try warm.purge(retention: .seconds(30 * 86_400), now: Timestamp(microseconds: Self.base), chunk: 9) == 100)
        let located = Int64(kept.filter { $0.location != nil }.count)
        #expect(try Self.rows(warm.database, "event_cells") + Self.rows(warm.database, "recent_cells") == located)
        #expect(try warm.database.scalar("""
            SELECT count(*) FROM (SELECT seq FROM event_cells UNION ALL SELECT seq FROM recent_cells) WHERE seq NOT IN (SELECT seq FROM events)
            """) == 0, "no row of a purged event")
    }

    @Test func aStoreWithTheCellIndexIsReadAsItIsThenMigratedOnce() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        let events = Self.events(0, 200)
        do {
            let warm = try WarmTier(path: path)
            _ = try warm.commit(events, deadLetterSize: 17)
            // As schema 6 kept it: an index on events, no cell tables.
            try warm.database.execute("""
                DROP TABLE event_cells; DROP TABLE recent_cells;
                CREATE INDEX events_cell ON events(ts / \(WarmTier.cellBucketMicros), cell, ts) WHERE cell IS NOT NULL;
                PRAGMA user_version=6;
                """)
        }
        // A reader (which never migrates) asks the index.
        let before = try WarmReader(path: path)
        for cell in try Self.cells() {
            #expect(try Self.found(before, cell) == Self.expected(events, in: cell), "schema 6, \(cell)")
            #expect(try before.cellSummary(cell, since: nil).count == (try Self.expected(events, in: cell)).count)
        }
        // The writer migrates: the index goes, the merged table holds every located event.
        let warm = try WarmTier(path: path)
        let db = warm.database
        #expect(try db.scalar("PRAGMA user_version") == WarmTier.schemaVersion)
        #expect(try db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'events_cell'") == 0)
        #expect(try Self.rows(db, "event_cells") == Int64(events.filter { $0.location != nil }.count))
        #expect(try warm.committedDeadLetterSize() == 17, "the rest of the database is untouched")
        let after = try WarmReader(path: path)
        for cell in try Self.cells() {
            #expect(try Self.found(after, cell) == Self.expected(events, in: cell), "schema 7, \(cell)")
        }
    }
}
