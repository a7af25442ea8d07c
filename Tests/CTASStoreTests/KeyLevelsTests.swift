import CTASCore
import CTASStore
import Foundation
import Testing

/// An event of `makeEvent`'s shape with a flow (seven flows in turn).
private func flowEvent(_ n: Int, at seconds: Int64 = 1_795_132_800) -> Event {
    var e = makeEvent(n, at: seconds)
    e = Event(id: e.id, timestamp: e.timestamp, type: e.type, severity: e.severity, source: e.source, location: e.location,
              entity: e.entity, priority: e.priority, indicators: e.indicators, description: e.description, tags: e.tags,
              details: Event.Details(original: "{\"n\":\(n)}", flow: "F\(n % 7)"))
    return e
}

private func rows(_ db: SQLiteDatabase, _ table: String) throws -> Int64 {
    try db.scalar("SELECT count(*) FROM \(table)") ?? -1
}

/// The warm tier's two levels of id and flow keys (`WarmTier+Keys`): uniqueness across both,
/// readers finding keys in either, merges, purges, restarts and the one-time rebuild of a
/// store from before them.
@Suite struct KeyLevelsTests {
    @Test func idsStayUniqueAcrossBothLevelsAndReadersFindEither() throws {
        let dir = scratchDirectory()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        #expect(try warm.commit((0..<50).map { flowEvent($0) }, deadLetterSize: nil).insertedCount == 50)
        #expect(warm.recentKeys == 50 && warm.mergedKeys == 0)
        #expect(try warm.mergeKeys() == 50)
        #expect(warm.recentKeys == 0 && warm.mergedKeys == 50)
        #expect(try rows(warm.database, "recent_ids") == 0 && rows(warm.database, "event_ids") == 50)
        #expect(try rows(warm.database, "recent_flows") == 0 && rows(warm.database, "event_flows") == 50)

        // 25..<50 are merged, 50..<75 new, and 60 comes twice in the same batch.
        let second = (25..<75).map { flowEvent($0) } + [flowEvent(60)]
        let result = try warm.commit(second, deadLetterSize: nil)
        #expect(result.inserted == Array(repeating: false, count: 25) + Array(repeating: true, count: 25) + [false])
        #expect(warm.recentKeys == 25 && warm.mergedKeys == 50)
        // The recent level refuses them on a later commit too.
        #expect(try warm.commit((50..<75).map { flowEvent($0) }, deadLetterSize: nil).insertedCount == 0)
        #expect(try warm.count() == 75)

        let reader = try WarmReader(path: dir + "/warm.sqlite")
        #expect(try reader.allIDs() == (0..<75).map { "evt-\($0)" }, "seq follows arrival")
        for n in [3, 49, 50, 70] {
            var q = EventQuery()
            q.id = "evt-\(n)"
            #expect(try reader.events(q) == [flowEvent(n)], "evt-\(n) found in its level")
        }
        var byFlow = EventQuery()
        byFlow.flow = "F3"
        byFlow.limit = 1000
        #expect(try reader.events(byFlow).map(\.id) == (0..<75).filter { $0 % 7 == 3 }.map { "evt-\($0)" })
        let wanted = ["evt-2", "evt-66", "evt-missing", "evt-40", "evt-51"]
        var all = EventQuery()
        all.limit = 1000
        #expect(try reader.events(ids: wanted, matching: all).map(\.id) == ["evt-2", "evt-40", "evt-51", "evt-66"])
        all.flow = "F2"
        #expect(try reader.events(ids: wanted, matching: all).map(\.id) == ["evt-2", "evt-51"], "id and flow terms together")
        let facts = try warm.facts(ofEvents: wanted)
        #expect(facts.entities.map(\.events).reduce(0, +) == 4)

        // After a restart the recent count is read back and duplicates are still refused.
        let reopened = try WarmTier(path: dir + "/warm.sqlite")
        #expect(reopened.recentKeys == 25 && reopened.mergedKeys == 50)
        #expect(try reopened.commit([flowEvent(70), flowEvent(10), flowEvent(75)], deadLetterSize: nil).inserted == [false, false, true])
    }

    @Test func aMergeFollowsTheThreshold() throws {
        #expect(WarmTier.mergeThreshold(merged: -5) == 65_536)
        #expect(WarmTier.mergeThreshold(merged: 0) == 65_536)
        #expect(WarmTier.mergeThreshold(merged: 2_000_000) == 181_019)
        #expect(WarmTier.mergeThreshold(merged: 10_000_000) == 404_771)
        #expect(WarmTier.mergeThreshold(merged: Int.max) == 1 << 20)

        let dir = scratchDirectory()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        let events = (0..<65_536).map { makeEvent($0) }
        _ = try warm.commit(Array(events.dropLast()), deadLetterSize: nil)
        #expect(warm.recentKeys == 65_535 && warm.mergedKeys == 0, "one short of the threshold: no merge")
        // A merge that fails after its commit (here a trigger; a full disk in life) leaves the
        // commit standing and the keys where they are, and the next commit merges.
        try warm.database.execute("CREATE TRIGGER refuse BEFORE INSERT ON event_ids BEGIN SELECT RAISE(ABORT, 'no room'); END")
        #expect(try warm.commit([events[65_535]], deadLetterSize: nil).inserted == [true])
        #expect(warm.mergeFailures == 1 && warm.recentKeys == 65_536 && warm.mergedKeys == 0)
        #expect(try warm.commit([events[65_535]], deadLetterSize: nil).inserted == [false], "found in the recent level")
        #expect(warm.mergeFailures == 2, "tried again after that commit, refused again")
        try warm.database.execute("DROP TRIGGER refuse")
        // The merge goes on after each commit, a slice of 16 Ki ids at a time, and is through
        // when a step finds nothing more to move.
        // A repeat of any stored id is refused at every step, whichever level holds it.
        for step in 1...4 {
            #expect(try warm.commit([events[step * 9_000]], deadLetterSize: nil).inserted == [false], "step \(step)")
            #expect(warm.recentKeys == 65_536 - step * 16_384 && warm.mergedKeys == step * 16_384, "step \(step)")
        }
        #expect(try rows(warm.database, "recent_cells") == 0 && rows(warm.database, "event_cells") == 32_768)
        #expect(try warm.commit([events[3]], deadLetterSize: nil).inserted == [false])
        #expect(warm.recentKeys == 0 && warm.mergedKeys == 65_536 && warm.mergeFailures == 2, "commits after the trouble merge")
        #expect(try rows(warm.database, "event_ids") == 65_536 && rows(warm.database, "recent_ids") == 0)
        #expect(try warm.database.scalar("SELECT value FROM meta WHERE key = 'merged_keys'") == 65_536)
        #expect(try warm.commit([events[7], events[65_535]], deadLetterSize: nil).insertedCount == 0)
    }

    /// A writer that leaves the merge to its idle moments: a commit that does not merge,
    /// smaller steps of one level, and the recent level's growth past half again the
    /// threshold telling the writer the merge is behind.
    @Test func aMergeLeftToTheWriterGoesInSmallerStepsAndSaysWhenItIsBehind() throws {
        let dir = scratchDirectory()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        _ = try warm.commit((0..<65_535).map { flowEvent($0) }, deadLetterSize: nil, thenMergingKeys: false)
        #expect(!warm.keyMergeWaiting && !warm.keyMergeBehind, "one short of the threshold")
        _ = try warm.commit([flowEvent(65_535)], deadLetterSize: nil, thenMergingKeys: false)
        #expect(warm.recentKeys == 65_536 && warm.mergedKeys == 0, "the commit did not merge")
        #expect(warm.keyMergeWaiting && !warm.keyMergeBehind)
        warm.continueKeyMerge(levels: 1, keys: 1_000)
        #expect(warm.mergedKeys == 1_000 && warm.recentKeys == 64_536)
        #expect(try rows(warm.database, "event_flows") == 0 && rows(warm.database, "event_cells") == 0, "the ids level only")
        warm.continueKeyMerge(levels: 1, keys: 1_000)
        #expect(warm.mergedKeys == 2_000)
        // A whole step: a slice of the merge's own size (16 Ki) of every level.
        warm.continueKeyMerge()
        #expect(warm.mergedKeys == 2_000 + 16_384)
        #expect(try rows(warm.database, "event_flows") == 16_384 && rows(warm.database, "event_cells") > 0)
        // Repeats are refused wherever the pieces left them.
        #expect(try warm.commit([flowEvent(500), flowEvent(9_000), flowEvent(60_000)], deadLetterSize: nil, thenMergingKeys: false)
                    .insertedCount == 0)
        // The recent level past 1.5 × the threshold: behind.
        _ = try warm.commit((100_000..<166_000).map { flowEvent($0) }, deadLetterSize: nil, thenMergingKeys: false)
        #expect(warm.recentKeys == 65_536 - 18_384 + 66_000 && warm.keyMergeBehind)
        var pieces = 0
        while warm.keyMergeWaiting && pieces < 1_000 {
            warm.continueKeyMerge(levels: 1, keys: 4_096)
            pieces += 1
        }
        #expect(!warm.keyMergeWaiting && !warm.keyMergeBehind && warm.mergeFailures == 0)
        #expect(warm.recentKeys < WarmTier.mergeThreshold(merged: warm.mergedKeys) && warm.recentKeys + warm.mergedKeys == 131_536)
        #expect(try rows(warm.database, "recent_ids") == Int64(warm.recentKeys) && rows(warm.database, "event_ids") == Int64(warm.mergedKeys))
        #expect(try rows(warm.database, "recent_flows") + rows(warm.database, "event_flows") == 131_536)
        #expect(try warm.commit([flowEvent(3), flowEvent(120_000)], deadLetterSize: nil).insertedCount == 0)
    }

    /// A merge moves a slice per commit; keys stored meanwhile are found and refused as
    /// repeats wherever they are, and those behind the merge's cursor wait for the next one.
    @Test func keysStoredDuringAMergeAreFoundAndMergedLater() throws {
        let dir = scratchDirectory()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        _ = try warm.commit((0..<65_536).map { flowEvent($0) }, deadLetterSize: nil)
        #expect(warm.mergedKeys == 16_384 && warm.recentKeys == 49_152, "the threshold reached: a first step")
        // Ids order as text: "evt-100000…" sorts before the cursor (inside "evt-2…"), "evt-700000…" after it.
        let behind = (100_000..<100_050).map { flowEvent($0) }, ahead = (700_000..<700_050).map { flowEvent($0) }
        #expect(try warm.commit(behind + ahead, deadLetterSize: nil).insertedCount == 100)
        #expect(warm.mergedKeys == 32_768, "a second step")
        #expect(try warm.commit(behind + ahead + [flowEvent(5), flowEvent(65_000)], deadLetterSize: nil).insertedCount == 0)
        try warm.mergeKeys()
        #expect(warm.recentKeys == 50 && warm.mergedKeys == 65_586, "the keys behind the cursor wait")
        #expect(try warm.database.scalar("""
            SELECT count(*) FROM events e
            WHERE (SELECT count(*) FROM event_ids k WHERE k.id = e.id) + (SELECT count(*) FROM recent_ids k WHERE k.id = e.id) != 1
            """) == 0, "every id in exactly one level")
        #expect(try rows(warm.database, "event_flows") + rows(warm.database, "recent_flows") == 65_636)
        let reader = try WarmReader(path: dir + "/warm.sqlite")
        var q = EventQuery()
        q.flow = "F3"
        q.limit = 100_000
        #expect(try reader.events(q).count == (0..<65_536).filter { $0 % 7 == 3 }.count + (100_000..<100_050).filter { $0 % 7 == 3 }.count
                + (700_000..<700_050).filter { $0 % 7 == 3 }.count)
        #expect(try warm.mergeKeys() == 50)
        #expect(warm.recentKeys == 0 && warm.mergedKeys == 65_636)
        #expect(try warm.commit(behind + ahead, deadLetterSize: nil).insertedCount == 0)

        // A run ending mid-merge stores the filter of the current generation, so the next
        // start reads it instead of rebuilding it from every merged id.
        _ = try warm.commit((800_000..<865_600).map { flowEvent($0) }, deadLetterSize: nil)
        #expect(warm.mergedKeys == 65_636 + 16_384, "a merge under way")
        let generation = try warm.database.scalar("SELECT value FROM meta WHERE key = 'keys_generation'")
        #expect(try warm.database.scalar("SELECT generation FROM key_filter") != generation)
        try warm.saveKeyFilter()
        #expect(try warm.database.scalar("SELECT generation FROM key_filter") == generation)
        let restarted = try WarmTier(path: dir + "/warm.sqlite")
        #expect(try restarted.commit([flowEvent(800_001), flowEvent(5)], deadLetterSize: nil).insertedCount == 0)
        #expect(restarted.keyFilterRebuilds == 0, "read back, not rebuilt")
        #expect(try warm.mergeKeys() == 65_600 - 16_384, "the first writer finishes its merge")
        #expect(warm.recentKeys == 0 && warm.mergedKeys == 65_636 + 65_600)
        // Without the save, a restart rebuilds (the control for the check above).
        _ = try warm.commit((900_000..<980_000).map { flowEvent($0) }, deadLetterSize: nil)
        let unsaved = try WarmTier(path: dir + "/warm.sqlite")
        _ = try unsaved.commit([flowEvent(5)], deadLetterSize: nil)
        #expect(unsaved.keyFilterRebuilds == 1)
    }

    /// A merge in slices of a few keys moves every key, each exactly once, ids and flows.
    @Test func aMergeInSlicesMovesEveryKeyOnce() throws {
        let dir = scratchDirectory()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        // Flows repeat (seven of them), so a flow slice's bound takes in every row of its flow.
        _ = try warm.commit((0..<40).map { flowEvent($0) }, deadLetterSize: nil)
        #expect(try warm.mergeKeys(keysPerSlice: 40) == 40)
        _ = try warm.commit((40..<340).map { flowEvent($0) } + [Event(id: "no-flow", timestamp: .now(), type: "t")], deadLetterSize: nil)
        #expect(try warm.mergeKeys(keysPerSlice: 7) == 301)
        #expect(warm.mergedKeys == 341 && warm.recentKeys == 0)
        #expect(try rows(warm.database, "event_ids") == 341 && rows(warm.database, "recent_ids") == 0)
        #expect(try rows(warm.database, "event_flows") == 340 && rows(warm.database, "recent_flows") == 0)
        #expect(try warm.database.scalar("SELECT count(*) FROM event_ids k JOIN events e ON e.seq = k.seq AND e.id = k.id") == 341)
        #expect(try warm.database.scalar("SELECT count(*) FROM event_flows k JOIN events e ON e.seq = k.seq AND e.flow = k.flow") == 340)
        #expect(try warm.database.scalar("SELECT value FROM meta WHERE key = 'merged_keys'") == 341)
        #expect(try warm.mergeKeys(keysPerSlice: 7) == 0, "nothing left to move")
        #expect(try warm.commit((300..<345).map { flowEvent($0) }, deadLetterSize: nil).insertedCount == 5)
    }

    @Test func purgedEventsLeaveNoKeysBehind() throws {
        let dir = scratchDirectory()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        let old: Int64 = 1_795_132_800 - 400 * 86_400
        let accepted = Timestamp(microseconds: (1_795_132_800 - 300 * 86_400) * 1_000_000)
        _ = try warm.commit((0..<10).map { flowEvent($0, at: old) }, deadLetterSize: nil, ingestedAt: accepted)
        try warm.mergeKeys()
        _ = try warm.commit((10..<15).map { flowEvent($0, at: old) }, deadLetterSize: nil, ingestedAt: accepted)
        let fresh = (100..<104).map { flowEvent($0) }
        _ = try warm.commit(fresh, deadLetterSize: nil, ingestedAt: accepted)
        #expect(warm.mergedKeys == 10 && warm.recentKeys == 9)

        let now = Timestamp(microseconds: 1_795_132_800 * 1_000_000) + .seconds(86_400)
        #expect(try warm.purge(retention: .seconds(30 * 86_400), now: now, chunk: 4) == 15)
        #expect(warm.mergedKeys == 0 && warm.recentKeys == 4)
        for table in ["event_ids", "event_flows"] { #expect(try rows(warm.database, table) == 0, "\(table)") }
        for table in ["recent_ids", "recent_flows"] { #expect(try rows(warm.database, table) == 4, "\(table)") }
        #expect(try warm.database.scalar("SELECT value FROM meta WHERE key = 'merged_keys'") == 0)
        // A purged event read again is stored again; the kept ones are still duplicates.
        #expect(try warm.commit([flowEvent(3, at: old), fresh[0]], deadLetterSize: nil).inserted == [true, false])
    }

    /// A schema-5 store (ids unique in the events table, flows indexed there) is rebuilt
    /// once: every row and seq kept, keys filled, the old indexes gone.
    @Test func aStoreFromBeforeKeyTablesIsRebuiltOnce() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        let old = try SQLiteDatabase(path: path)
        try old.execute("""
            PRAGMA journal_mode=WAL;
            CREATE TABLE events(
              seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, ts INTEGER NOT NULL, type TEXT NOT NULL, severity INTEGER,
              source TEXT, lat REAL, lon REAL, entity TEXT, priority INTEGER, indicators TEXT, description TEXT, tags TEXT,
              ingested INTEGER NOT NULL, cell INTEGER, original TEXT, flow TEXT, country TEXT, asn INTEGER, geo_origin TEXT,
              risk INTEGER, risk_parts INTEGER);
            CREATE INDEX events_ts ON events(ts);
            CREATE INDEX events_cell ON events(ts / \(WarmTier.cellBucketMicros), cell, ts) WHERE cell IS NOT NULL;
            CREATE INDEX events_flow ON events(flow) WHERE flow IS NOT NULL;
            CREATE TABLE checkpoints(
              source TEXT PRIMARY KEY, device INTEGER, inode INTEGER, fingerprint INTEGER, fingerprint_length INTEGER,
              offset INTEGER NOT NULL, line INTEGER NOT NULL, accepted INTEGER, rejected INTEGER, duplicates INTEGER, updated INTEGER);
            CREATE TABLE meta(key TEXT PRIMARY KEY, value);
            CREATE TABLE graph_nodes(id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, value TEXT NOT NULL);
            CREATE TABLE graph_events(slot INTEGER PRIMARY KEY, id TEXT NOT NULL, ts INTEGER NOT NULL, type TEXT NOT NULL,
              severity INTEGER, nodes BLOB NOT NULL);
            CREATE INDEX graph_events_ts ON graph_events(ts);
            INSERT INTO meta(key, value) VALUES ('dead_letter_size', 42);
            """)
        // Seqs with gaps, as purges leave them; one event without a flow.
        for (seq, n) in [(5, 1), (6, 2), (9, 3), (12, 4)] {
            try old.execute("""
                INSERT INTO events(seq, id, ts, type, ingested, flow, original)
                VALUES (\(seq), 'old-\(n)', \(1_795_132_800_000_000 + Int64(n)), 'dns', 1, \(n == 4 ? "NULL" : "'F\(n % 2)'"), '{}')
                """)
        }
        try old.execute("PRAGMA user_version=5")

        let warm = try WarmTier(path: path)
        let db = warm.database
        #expect(try db.scalar("PRAGMA user_version") == WarmTier.schemaVersion)
        #expect(try db.scalar("SELECT count(*) FROM sqlite_master WHERE tbl_name = 'events' AND name LIKE 'sqlite_autoindex_%'") == 0)
        #expect(try db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'events_flow'") == 0)
        #expect(try db.scalar("SELECT count(*) FROM sqlite_master WHERE name IN ('events_ts', 'event_cells', 'recent_cells')") == 3)
        #expect(try db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'events_cell'") == 0, "schema 7 keeps cells in their own tables")
        let seqs = try db.prepare("SELECT seq, id FROM events ORDER BY seq")
        var kept: [String] = []
        while try seqs.step() { kept.append("\(seqs.int64(0)):\(seqs.text(1) ?? "")") }
        #expect(kept == ["5:old-1", "6:old-2", "9:old-3", "12:old-4"])
        #expect(try rows(db, "event_ids") == 4 && rows(db, "event_flows") == 3 && rows(db, "recent_ids") == 0)
        #expect(warm.mergedKeys == 4 && warm.recentKeys == 0)
        #expect(try warm.committedDeadLetterSize() == 42, "the rest of the database is untouched")
        let wal = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int
        #expect(wal == 0, "the rewrite's WAL is checkpointed and truncated")

        let again = Event(id: "old-2", timestamp: Timestamp(microseconds: 1_795_132_800_000_002), type: "dns")
        let new = Event(id: "new-1", timestamp: Timestamp(microseconds: 1_795_132_800_000_009), type: "dns",
                        details: Event.Details(flow: "F1"))
        #expect(try warm.commit([again, new], deadLetterSize: nil).inserted == [false, true])
        #expect(try db.scalar("SELECT seq FROM events WHERE id = 'new-1'") == 13, "new events follow the highest seq")

        let reader = try WarmReader(path: path)
        var q = EventQuery()
        q.flow = "F1"
        #expect(try reader.events(q).map(\.id) == ["old-1", "old-3", "new-1"])
        // A second open finds nothing to do.
        _ = try WarmTier(path: path)
        #expect(try rows(db, "event_ids") == 4 && rows(db, "recent_ids") == 1)
    }
}
