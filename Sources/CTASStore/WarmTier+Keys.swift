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
///   them in key order, slice by slice (`mergeKeys`), touching each leaf page once; a key
///   leaves the recent table in the transaction that adds it to the merged one.
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

    /// Moves the recent keys into the merged tables when there are enough of them (see
    /// `mergeThreshold`). Returns how many ids were moved (0: not due).
    @discardableResult
    public func mergeKeysIfDue() throws(StoreError) -> Int {
        guard recentKeys >= Self.mergeThreshold(merged: mergedKeys) else { return 0 }
        return try mergeKeys()
    }

    /// Moves every recent key into the merged tables now, in slices of consecutive keys, one
    /// transaction each: a slice dirties only the merged pages of its key range, so SQLite's
    /// page cache stays small however large the merged tables grow (one transaction for the
    /// whole merge took a 2.1M-event ingest's peak RSS from 285 to 387 MB). A key moves from one level to the other inside
    /// one transaction; readers always find it in exactly one.
    ///
    /// `keysPerSlice` overrides the slice size (tests use small ones).
    @discardableResult
    public func mergeKeys(keysPerSlice: Int? = nil) throws(StoreError) -> Int {
        // A slice spans about 1/slices of the key space, so it touches about 256k merged keys
        // (~10 MB of pages) whatever the store's size.
        let slices = max(1, (mergedKeys + 262_143) / 262_144)
        let perSlice = Int64(max(1, keysPerSlice ?? max(4_096, (recentKeys + slices - 1) / slices)))
        var moved = 0
        let idBoundary = try database.prepare("SELECT id FROM recent_ids ORDER BY id LIMIT 1 OFFSET ?")
        let idMaximum = try database.prepare("SELECT max(id) FROM recent_ids")
        let moveIDs = try database.prepare("INSERT INTO event_ids(id, seq) SELECT id, seq FROM recent_ids WHERE id <= ? ORDER BY id")
        let dropIDs = try database.prepare("DELETE FROM recent_ids WHERE id <= ?")
        let sliceIDs = try database.prepare("SELECT id FROM recent_ids WHERE id <= ?")
        try refreshKeyFilter()
        while try database.transaction({ () throws(StoreError) -> Bool in
            let slice = try slice(boundary: idBoundary, maximum: idMaximum, perSlice: perSlice, move: moveIDs, drop: dropIDs) { (bound) throws(StoreError) in
                // Into the filter before the keys move: it never misses a merged id.
                sliceIDs.reset()
                bound.withUnsafeBufferPointer { sliceIDs.bind(bytes: $0, at: 1) }
                while try sliceIDs.step() { keyFilter?.insert(sliceIDs.textBytes(0)) }
                sliceIDs.reset()
            }
            moved += slice.moved
            try database.execute("""
                UPDATE meta SET value = value + \(slice.moved) WHERE key = 'merged_keys';
                UPDATE meta SET value = value + 1 WHERE key = 'keys_generation';
                """)
            keyFilterGeneration += 1
            return slice.more
        }) {}
        let flowBoundary = try database.prepare("SELECT flow FROM recent_flows ORDER BY flow LIMIT 1 OFFSET ?")
        let flowMaximum = try database.prepare("SELECT max(flow) FROM recent_flows")
        let moveFlows = try database.prepare("INSERT INTO event_flows(flow, seq) SELECT flow, seq FROM recent_flows WHERE flow <= ? ORDER BY flow, seq")
        let dropFlows = try database.prepare("DELETE FROM recent_flows WHERE flow <= ?")
        while try database.transaction({ () throws(StoreError) -> Bool in
            try slice(boundary: flowBoundary, maximum: flowMaximum, perSlice: perSlice, move: moveFlows, drop: dropFlows) { _ in }.more
        }) {}
        try mergeCells(perSlice: perSlice)
        try readKeyCounts()
        if let filter = keyFilter, mergedKeys <= filter.capacity {
            try storeKeyFilter()
        } else {
            try rebuildKeyFilter()
        }
        return moved
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

    /// Moves the recent keys up to the `perSlice`-th (all when fewer remain, with the key
    /// `maximum` reads as the bound): how many, and whether any may remain.
    private func slice(boundary: SQLiteStatement, maximum: SQLiteStatement, perSlice: Int64, move: SQLiteStatement,
                       drop: SQLiteStatement, before: ([UInt8]) throws(StoreError) -> Void) throws(StoreError) -> (moved: Int, more: Bool) {
        boundary.reset()
        boundary.bind(perSlice - 1, at: 1)
        // The bound is copied as bytes: a key is compared as SQLite stored it, whatever it holds.
        let more = try boundary.step()
        var last = more ? [UInt8](boundary.textBytes(0)) : nil
        boundary.reset()
        if last == nil {
            maximum.reset()
            if try maximum.step(), !maximum.isNull(0) { last = [UInt8](maximum.textBytes(0)) }
            maximum.reset()
        }
        guard let last else { return (0, false) }
        try before(last)
        move.reset()
        last.withUnsafeBufferPointer { move.bind(bytes: $0, at: 1) }
        try move.step()
        let moved = database.changes
        move.reset()
        drop.reset()
        last.withUnsafeBufferPointer { drop.bind(bytes: $0, at: 1) }
        try drop.step()
        drop.reset()
        return (moved, more)
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

