import CTASCore

/// The warm tier's id and flow keys, kept in two levels so a commit never rewrites a large
/// random-key index.
///
/// Telemetry ids are content hashes and flows are sensor uids: random keys. An index on them
/// inside `events` had most of its leaf pages dirtied by every commit, and WAL mode writes
/// each dirty page at commit, so the cost of a commit grew with the store (a Zeek dns log
/// ingested at 47.6k events/s into an empty store and 20.5k/s into one of 2.1M events).
///
/// - `recent_ids` / `recent_flows` take the keys of events stored since the last merge. They
///   stay small, so a commit dirties few pages.
/// - `event_ids` / `event_flows` hold every older key. A merge moves the recent keys into
///   them in key order, a slice of each level after each commit or a smaller piece when the
///   writer is idle (`KeyMerge`), touching each leaf page once; a key leaves the recent table
///   in the transaction that adds it to the merged one.
///
/// Uniqueness by id holds across both levels: the writer asks `KeyFilter` and, on a "maybe",
/// probes `event_ids`, then inserts into `recent_ids` (its primary key refuses an id already
/// there). Every key row names its
/// event's `seq`. Readers look a key up in both levels (`idMatch`, `flowMatch`). Both levels
/// are derived data: a run killed between a commit and a merge leaves them consistent,
/// because each transaction leaves them so.
extension WarmTier {
    /// How many recent keys trigger a merge when `merged` keys are already merged.
    ///
    /// A commit rewrites about all of the recent table's pages, and a merge about all of the
    /// merged table's: per event, the first grows with the threshold and the second with
    /// `merged ÷ threshold`. Their sum is least near √(16384 × merged) for 16 KiB pages of
    /// ~35-byte keys and 8,192-event commits; clamped so a small store still batches its
    /// merges and a large one's recent table stays within SQLite's page cache's reach.
    public static func mergeThreshold(merged: Int) -> Int {
        let balanced = Int((16_384.0 * Double(max(0, merged))).squareRoot())
        return min(1 << 20, max(65_536, balanced))
    }

    /// `seq IN (…)` matching the events whose id is one of `count` parameters; bind the ids
    /// twice in order (once per level).
    static func idMatch(count: Int) -> String {
        let marks = Array(repeating: "?", count: count).joined(separator: ",")
        return "seq IN (SELECT seq FROM event_ids WHERE id IN (\(marks)) UNION ALL SELECT seq FROM recent_ids WHERE id IN (\(marks)))"
    }

    /// `seq IN (…)` matching the events of one flow; bind the flow twice.
    static let flowMatch = "seq IN (SELECT seq FROM event_flows WHERE flow = ? UNION ALL SELECT seq FROM recent_flows WHERE flow = ?)"

    /// The schema-6 step: the key tables, filled from the stored events; `events` rebuilt
    /// without its `UNIQUE(id)` (SQLite cannot drop a column constraint otherwise), which
    /// rewrites a store once. The rebuilt table gets no cell index: the schema-7 step, which
    /// always follows in the same transaction, keeps cells in tables of their own.
    static func migrateKeys(_ db: SQLiteDatabase) throws(StoreError) {
        let unique = try db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND name LIKE 'sqlite_autoindex_%'") ?? 0
        if unique > 0 {
            let columns = "seq, id, ts, type, severity, source, lat, lon, entity, priority, indicators, description, tags, ingested, "
                + "cell, original, flow, country, asn, geo_origin, risk, risk_parts"
            try db.execute("""
                CREATE TABLE events_v6(
                  seq INTEGER PRIMARY KEY, id TEXT NOT NULL, ts INTEGER NOT NULL, type TEXT NOT NULL, severity INTEGER,
                  source TEXT, lat REAL, lon REAL, entity TEXT, priority INTEGER, indicators TEXT, description TEXT, tags TEXT,
                  ingested INTEGER NOT NULL, cell INTEGER, original TEXT, flow TEXT, country TEXT, asn INTEGER, geo_origin TEXT,
                  risk INTEGER, risk_parts INTEGER);
                INSERT INTO events_v6(\(columns)) SELECT \(columns) FROM events ORDER BY seq;
                DROP TABLE events;
                ALTER TABLE events_v6 RENAME TO events;
                CREATE INDEX events_ts ON events(ts);
                """)
        }
        try db.execute("""
            DROP INDEX IF EXISTS events_flow;
            DROP TABLE IF EXISTS event_ids; DROP TABLE IF EXISTS recent_ids;
            DROP TABLE IF EXISTS event_flows; DROP TABLE IF EXISTS recent_flows;
            CREATE TABLE event_ids(id TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TABLE recent_ids(id TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TABLE event_flows(flow TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(flow, seq)) WITHOUT ROWID;
            CREATE TABLE recent_flows(flow TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(flow, seq)) WITHOUT ROWID;
            DROP TABLE IF EXISTS key_filter;
            CREATE TABLE key_filter(slot INTEGER PRIMARY KEY CHECK (slot = 1), generation INTEGER NOT NULL,
                                    capacity INTEGER NOT NULL, bits BLOB NOT NULL);
            INSERT INTO meta(key, value) VALUES ('keys_generation', 1) ON CONFLICT(key) DO UPDATE SET value = value + 1;
            INSERT INTO event_ids(id, seq) SELECT id, seq FROM events ORDER BY id;
            INSERT INTO event_flows(flow, seq) SELECT flow, seq FROM events WHERE flow IS NOT NULL ORDER BY flow, seq;
            INSERT INTO meta(key, value) SELECT 'merged_keys', count(*) FROM event_ids WHERE true
              ON CONFLICT(key) DO UPDATE SET value = excluded.value;
            """)
    }

    /// Advances the key merge after a commit: starts one when enough recent keys have
    /// gathered (see `mergeThreshold`), and moves one slice of each level (ids, flows,
    /// cells) per call until it is through (see `KeyMerge`); `levels` moves slices of that
    /// many levels only, the next ones not yet through, and `keys` makes the slices smaller
    /// than the merge's own. Returns how many ids moved.
    @discardableResult
    public func mergeKeysIfDue(levels: Int = .max, keys: Int = .max) throws(StoreError) -> Int {
        if keyMerge == nil {
            guard recentKeys >= Self.mergeThreshold(merged: mergedKeys) else { return 0 }
            keyMerge = KeyMerge(perSlice: Self.keysPerMergeStep(merged: mergedKeys, recent: recentKeys))
        }
        return try mergeStep(levels: levels, keys: keys)
    }

    /// Whether a key merge is under way or due: `continueKeyMerge` has work.
    public var keyMergeWaiting: Bool {
        keyMerge != nil || recentKeys >= Self.mergeThreshold(merged: mergedKeys)
    }

    /// Whether the recent level has grown half again past the merge threshold: a merge left
    /// for idle moments is falling behind the commits, and should take its step after every
    /// commit whether or not events wait (a writer that is never idle merges from here).
    public var keyMergeBehind: Bool {
        recentKeys >= Self.mergeThreshold(merged: mergedKeys) * 3 / 2
    }

    /// Moves every recent key into the merged tables now (finishing a merge under way), in
    /// slices of consecutive keys, one transaction each. Returns how many ids moved.
    ///
    /// `keysPerSlice` overrides the slice size (tests use small ones).
    @discardableResult
    public func mergeKeys(keysPerSlice: Int? = nil) throws(StoreError) -> Int {
        var merge = keyMerge ?? KeyMerge(perSlice: Self.keysPerMergeStep(merged: mergedKeys, recent: recentKeys))
        if let keysPerSlice { merge.perSlice = Int64(max(1, keysPerSlice)) }
        keyMerge = merge
        var moved = 0
        while keyMerge != nil { moved += try mergeStep() }
        return moved
    }

    /// Stores the filter for the current key generation when a merge is under way (its
    /// stored form is of an older generation then, and the next start would rebuild it from
    /// every merged id: 3–4 s at nine million). Called when a run ends cleanly; the merge
    /// itself starts again from the lowest key when next due.
    public func saveKeyFilter() throws(StoreError) {
        guard keyMerge != nil, keyFilter != nil else { return }
        try storeKeyFilter()
    }

    /// Keys a merge step moves from each level: a slice spans about 256k merged keys' worth
    /// of pages (~10 MB) however large the store, so SQLite's page cache stays small (one
    /// transaction for a whole merge took a 2.1M-event ingest's peak RSS from 285 to
    /// 387 MB), and at most 16 Ki keys, so a step holds the writer tens of milliseconds.
    static func keysPerMergeStep(merged: Int, recent: Int) -> Int64 {
        let slices = max(1, (merged + 262_143) / 262_144)
        return Int64(max(4_096, min(16_384, (recent + slices - 1) / slices)))
    }

    /// One step of the merge under way: a slice of each level not yet through, one
    /// transaction each. The last step stores the filter (or rebuilds it, past its capacity).
    private func mergeStep(levels: Int = .max, keys: Int = .max) throws(StoreError) -> Int {
        guard var merge = keyMerge else { return 0 }
        try refreshKeyFilter()
        var movedIDs = 0
        var moving = max(1, levels)
        for (index, level) in KeyMerge.Level.all.enumerated() where !merge.finished[index] && moving > 0 {
            moving -= 1
            let isIDs = index == 0
            let step = try database.transaction { () throws(StoreError) -> (moved: Int, cursor: [KeyMerge.KeyValue]?, through: Bool) in
                let step = try moveSlice(level, after: merge.cursors[index], perSlice: min(merge.perSlice, Int64(max(1, keys)))) { (range, bind) throws(StoreError) in
                    guard isIDs else { return }
                    // Into the filter before the ids move: it never misses a merged id.
                    let ids = try mergeStatement("SELECT id FROM recent_ids WHERE \(range)")
                    bind(ids)
                    while try ids.step() { keyFilter?.insert(ids.textBytes(0)) }
                    ids.reset()
                }
                if isIDs && step.moved > 0 {
                    try database.execute("""
                        UPDATE meta SET value = value + \(step.moved) WHERE key = 'merged_keys';
                        UPDATE meta SET value = value + 1 WHERE key = 'keys_generation';
                        """)
                }
                return step
            }
            if isIDs && step.moved > 0 {
                keyFilterGeneration += 1
                movedIDs = step.moved
                mergedKeys += step.moved
                recentKeys = max(0, recentKeys - step.moved)
            }
            merge.cursors[index] = step.cursor
            merge.finished[index] = step.through
            keyMerge = merge
        }
        keyMerge = merge
        if merge.isDone {
            keyMerge = nil
            try readKeyCounts()
            if let filter = keyFilter, mergedKeys <= filter.capacity {
                try storeKeyFilter()
            } else {
                try rebuildKeyFilter()
            }
        }
        return movedIDs
    }

    /// Makes `keyFilter` cover the stored key generation: read back from the database when
    /// it was stored for that generation, else rebuilt from `event_ids`. Called at the start of
    /// each commit and merge (one small read when nothing changed).
    func refreshKeyFilter() throws(StoreError) {
        let generation = try database.scalar("SELECT value FROM meta WHERE key = 'keys_generation'") ?? 0
        if keyFilter != nil, generation == keyFilterGeneration { return }
        try readKeyCounts()
        // Nothing merged (the table asked, not only `meta`: the writer skips the probe then):
        // an empty filter covers it, kept in memory until a merge fills it.
        if mergedKeys == 0 {
            guard try database.scalar("SELECT count(*) FROM (SELECT 1 FROM event_ids LIMIT 1)") == 0 else {
                try rebuildKeyFilter()   // `meta` said none, the table holds some: recounted
                return
            }
            keyFilter = KeyFilter(capacity: 1 << 20)
            keyFilterGeneration = generation
            return
        }
        let stored = try database.prepare("SELECT capacity, length(bits) FROM key_filter WHERE slot = 1 AND generation = ?")
        stored.bind(generation, at: 1)
        if try stored.step() {
            let capacity = Int(stored.int64(0)), length = Int(stored.int64(1))
            stored.reset()
            // A row sized for far more keys than are stored is damaged: rebuilt, not allocated.
            let plausible = capacity > 0 && mergedKeys <= capacity && capacity <= 4 * max(mergedKeys, 1 << 20)
            if plausible, length == KeyFilter.storedByteCount(forCapacity: capacity) {
                // Read in pieces straight into the filter's words: a query would copy the blob
                // whole first (tens of megabytes for ten million ids).
                var filter = KeyFilter(capacity: capacity)
                var offset = 0
                var fits = true
                let whole = try database.readBlob(table: "key_filter", column: "bits", rowid: 1) { piece in
                    fits = filter.restore(piece, at: offset)
                    offset += piece.count
                    return fits
                }
                if whole && fits && offset == length {
                    keyFilter = filter
                    keyFilterGeneration = generation
                    return
                }
            }
        }
        try rebuildKeyFilter()
    }

    /// A new filter of every merged id, sized for twice as many (at least 1 Mi), stored. The
    /// ids are counted first, not taken from `meta` (which is put right if it was wrong).
    func rebuildKeyFilter() throws(StoreError) {
        keyFilterRebuilds += 1
        keyFilter = nil   // not two filters in memory at once (without one, every id is probed)
        mergedKeys = Int(try database.scalar("SELECT count(*) FROM event_ids") ?? 0)
        try database.execute("UPDATE meta SET value = \(mergedKeys) WHERE key = 'merged_keys'")
        var filter = KeyFilter(capacity: max(1 << 20, 2 * mergedKeys))
        let ids = try database.prepare("SELECT id FROM event_ids")
        while try ids.step() { filter.insert(ids.textBytes(0)) }
        keyFilter = filter
        keyFilterGeneration = try database.scalar("SELECT value FROM meta WHERE key = 'keys_generation'") ?? 0
        try storeKeyFilter()
    }

    /// Stores the filter with the generation it covers (in the open transaction, if any).
    private func storeKeyFilter() throws(StoreError) {
        guard let filter = keyFilter else { return }
        let write = { () throws(StoreError) in
            let store = try self.database.prepare("INSERT OR REPLACE INTO key_filter(slot, generation, capacity, bits) VALUES (1, ?, ?, ?)")
            store.bind(self.keyFilterGeneration, at: 1)
            store.bind(Int64(filter.capacity), at: 2)
            // Bound in place, not copied: the words may be tens of megabytes.
            let stepped: Result<Bool, StoreError> = filter.withStoredBytes { raw in
                store.bindStatic(blob: raw, at: 3)
                defer { store.reset() }
                do throws(StoreError) { return .success(try store.step()) } catch { return .failure(error) }
            }
            _ = try stepped.get()
        }
        if database.inTransaction { try write() } else { try database.transaction(write) }
    }

    /// The key counts kept in memory, read at open: merged from `meta`, recent by counting
    /// the (small) recent table.
    /// (Clamped to 0…2⁴⁰: a damaged `meta` row must not make later arithmetic trap.)
    func readKeyCounts() throws(StoreError) {
        let clamp = { (value: Int64?) -> Int in Int(min(max(value ?? 0, 0), 1 << 40)) }
        mergedKeys = clamp(try database.scalar("SELECT value FROM meta WHERE key = 'merged_keys'"))
        recentKeys = clamp(try database.scalar("SELECT count(*) FROM recent_ids"))
    }
}

