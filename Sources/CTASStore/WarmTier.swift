import CTASCore

/// The warm tier: durable events in SQLite (WAL), unique by id, indexed by time.
///
/// One writer connection commits each batch together with its source checkpoint and the
/// dead-letter file's length, in one transaction: after a crash, the checkpoint says
/// exactly which lines are stored. Re-inserting an id is a no-op counted as a duplicate.
/// Ids, flows and cells are indexed in two levels (see `WarmTier+Keys`, `WarmTier+Cells`).
public final class WarmTier {
    public static let schemaVersion: Int64 = 10
    /// Width of the time buckets leading the cell index (see `WarmTier+Cells`).
    public static let cellBucketMicros: Int64 = 600_000_000
    public let database: SQLiteDatabase
    private let insert: SQLiteStatement
    private let probeMergedID: SQLiteStatement
    private let insertRecentID: SQLiteStatement
    private let renumberRecentID: SQLiteStatement
    private let insertRecentFlow: SQLiteStatement
    private let insertRecentCell: SQLiteStatement
    private let upsertCheckpoint: SQLiteStatement
    private let setMeta: SQLiteStatement
    private let countSources: SQLiteStatement
    private let countTypes: SQLiteStatement
    /// The names in `event_sources` and `event_types`, and those the commit under way stores.
    private var sources: NewNames
    private var types: NewNames
    /// Newest event time stored (the clock retention is measured against).
    public private(set) var newestEventTime: Timestamp?
    /// Events stored: kept in `meta` (`events`), changed in the transaction that inserts or
    /// deletes them, so opening a store does not count its rows (8 s for ten million events
    /// on a cold page cache). Counted once when missing (a store from before it was kept).
    public private(set) var storedEvents: Int
    /// Whether this open had to count the rows (the stored count was missing).
    public let countedAtOpen: Bool
    private let addToCount: SQLiteStatement
    /// Ids in `event_ids` and in `recent_ids` (see `WarmTier+Keys`).
    public internal(set) var mergedKeys = 0
    public internal(set) var recentKeys = 0
    /// Merges that failed after their commit had succeeded (retried after the next commit).
    public private(set) var mergeFailures = 0
    /// The merged ids' filter and the key generation it covers; read at the first commit
    /// (and again when another writer changed the keys), never at open.
    var keyFilter: KeyFilter?
    var keyFilterGeneration: Int64 = -1
    /// The key merge under way, if any (a step follows each commit), and its statements.
    var keyMerge: KeyMerge?
    var mergeStatements: [String: SQLiteStatement] = [:]
    /// Times this connection rebuilt the filter from every merged id (a stored one of
    /// another generation, damaged or too small).
    public internal(set) var keyFilterRebuilds = 0

    /// How durable a commit is: `normal` survives a process crash (kill -9); `full` also
    /// survives power loss, at a cost in throughput.
    public enum Sync: String, Sendable { case normal, full }

    /// `sourceNameLimit`, `typeNameLimit`: how many source names and types the store lists
    /// before it gives that list up (see `WarmTier+Names`).
    public init(path: String, sync: Sync = .normal, sourceNameLimit: Int = WarmTier.defaultSourceNameLimit,
                typeNameLimit: Int = WarmTier.defaultTypeNameLimit) throws(StoreError) {
        database = try SQLiteDatabase(path: path)
        // 16 KiB pages: fewer splits and levels for these ~350-byte rows (measured: +19% inserts).
        // Only takes effect when the file is new; WAL fixes the page size from then on.
        try database.execute("PRAGMA page_size=16384")
        try database.execute("PRAGMA journal_mode=WAL")
        try database.execute("PRAGMA synchronous=\(sync == .full ? "FULL" : "NORMAL")")
        // Migrations sort and copy whole tables: their sorts spill to temporary files, so a
        // large store's one-time rebuild does not hold it all in memory.
        try database.execute("PRAGMA temp_store=FILE; PRAGMA cache_size=-16000")
        database.takeOverCheckpoints(forcedPages: Self.forcedCheckpointPages)
        let migrated = try Self.migrate(database, sourceNameLimit: sourceNameLimit, typeNameLimit: typeNameLimit)
        (storedEvents, countedAtOpen) = try Self.eventCount(database)
        if migrated {
            // A migration may have written the whole store through the WAL: give the file back.
            try database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        }
        try database.execute("PRAGMA temp_store=MEMORY")
        insert = try database.prepare("""
            INSERT INTO events(id, ts, type, severity, source, lat, lon, entity, priority, indicators, description, tags, ingested, cell,
                               original, flow, country, asn, geo_origin, risk, risk_parts, seq)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            """)
        probeMergedID = try database.prepare("SELECT 1 FROM event_ids WHERE id = ?")
        insertRecentID = try database.prepare("INSERT OR IGNORE INTO recent_ids(id, seq) VALUES (?, ?)")
        renumberRecentID = try database.prepare("UPDATE recent_ids SET seq = ? WHERE id = ?")
        insertRecentFlow = try database.prepare("INSERT OR IGNORE INTO recent_flows(flow, seq) VALUES (?, ?)")
        insertRecentCell = try database.prepare("INSERT INTO recent_cells(bucket, cell, ts, seq) VALUES (?, ?, ?, ?)")
        upsertCheckpoint = try database.prepare("""
            INSERT INTO checkpoints(source, device, inode, fingerprint, fingerprint_length, offset, line, accepted, rejected, duplicates, updated)
            VALUES (?,?,?,?,?,?,?,?,?,?,?)
            ON CONFLICT(source) DO UPDATE SET device=excluded.device, inode=excluded.inode, fingerprint=excluded.fingerprint,
              fingerprint_length=excluded.fingerprint_length, offset=excluded.offset, line=excluded.line,
              accepted=excluded.accepted, rejected=excluded.rejected, duplicates=excluded.duplicates, updated=excluded.updated
            """)
        countSources = try Self.countStatement(.sources, database)
        countTypes = try Self.countStatement(.types, database)
        sources = NewNames(known: try Self.readNames(.sources, database), limit: sourceNameLimit)
        types = NewNames(known: try Self.readNames(.types, database), limit: typeNameLimit)
        setMeta = try database.prepare("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value")
        addToCount = try database.prepare("UPDATE meta SET value = value + ? WHERE key = '\(Self.countKey)'")
        if let newest = try database.scalar("SELECT max(ts) FROM events") { newestEventTime = Timestamp(microseconds: newest) }
        try readKeyCounts()
    }

    /// WAL pages from which the writer checkpoints when it is idle (`checkpointLogIfDue`).
    /// 1,024 pages (16 MiB) rather than 4,096 when the committing writer checkpointed: paced
    /// at 50k events/s, write p99 78–106 ms against 117–156 ms; 256 pages was slower again.
    public static let checkpointPages = 1_024
    /// WAL pages from which a commit checkpoints the log itself, whether or not the writer is
    /// ever idle (an ingest at full speed): ingest of 1M into an empty and a 12M-event store
    /// ran as fast at 4,096 as at 1,024 (same runs); only a commit's latency grew.
    static let forcedCheckpointPages = 4_096

    /// Whether the log has grown past `checkpointPages` since the last checkpoint.
    public var logCheckpointDue: Bool { database.checkpointDue(pages: Self.checkpointPages) }

    /// Checkpoints a commit ran itself, the log having reached `forcedCheckpointPages`: the
    /// writer was too seldom idle to checkpoint earlier (an ingest at full speed), and that
    /// commit waited for the checkpoint.
    public var forcedLogCheckpoints: Int { database.forcedCheckpoints }

    /// Checkpoints the log when it has grown past `checkpointPages`: for an idle moment of
    /// the writer, so no commit waits for it. Returns whether one ran.
    @discardableResult
    public func checkpointLogIfDue() throws(StoreError) -> Bool {
        try database.checkpointIfDue(pages: Self.checkpointPages)
    }

    /// The `meta` key of the stored event count.
    static let countKey = "events"

    /// The stored count, or the rows counted and the count stored (under the write lock, so
    /// no commit falls between the two); and whether they were counted.
    private static func eventCount(_ database: SQLiteDatabase) throws(StoreError) -> (Int, Bool) {
        if let stored = try database.scalar("SELECT value FROM meta WHERE key = '\(countKey)'") {
            return (Int(clamping: max(0, stored)), false)
        }
        let counted = try database.transaction { () throws(StoreError) -> Int in
            let counted = Int(try database.scalar("SELECT count(*) FROM events") ?? 0)
            try database.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('\(countKey)', \(counted))")
            return counted
        }
        return (counted, true)
    }

    /// Brings the schema to `schemaVersion` in one transaction: a process killed while a new
    /// data directory is set up leaves no half-made schema (readers see none or all of it).
    /// An up-to-date database is left without taking the write lock. Returns whether
    /// anything was migrated.
    static func migrate(_ db: SQLiteDatabase, sourceNameLimit: Int = WarmTier.defaultSourceNameLimit,
                        typeNameLimit: Int = WarmTier.defaultTypeNameLimit) throws(StoreError) -> Bool {
        if try db.scalar("PRAGMA user_version") == schemaVersion { return false }
        try db.transaction { () throws(StoreError) in try migrateSteps(db, sourceNameLimit: sourceNameLimit, typeNameLimit: typeNameLimit) }
        return true
    }

    /// The steps from the version found (read again under the lock: another process may
    /// have migrated meanwhile).
    private static func migrateSteps(_ db: SQLiteDatabase, sourceNameLimit: Int, typeNameLimit: Int) throws(StoreError) {
        let version = try db.scalar("PRAGMA user_version") ?? 0
        if version > schemaVersion {
            throw .schemaTooNew(path: db.path, found: version, supported: schemaVersion)
        }
        if version == schemaVersion { return }
        if version < 1 {
            try db.execute("""
                CREATE TABLE IF NOT EXISTS events(
                  seq INTEGER PRIMARY KEY,
                  id TEXT NOT NULL UNIQUE,
                  ts INTEGER NOT NULL,
                  type TEXT NOT NULL,
                  severity INTEGER,
                  source TEXT,
                  lat REAL,
                  lon REAL,
                  entity TEXT,
                  priority INTEGER,
                  indicators TEXT,
                  description TEXT,
                  tags TEXT,
                  ingested INTEGER NOT NULL);
                CREATE INDEX IF NOT EXISTS events_ts ON events(ts);
                CREATE TABLE IF NOT EXISTS checkpoints(
                  source TEXT PRIMARY KEY, device INTEGER, inode INTEGER, fingerprint INTEGER, fingerprint_length INTEGER,
                  offset INTEGER NOT NULL, line INTEGER NOT NULL, accepted INTEGER, rejected INTEGER, duplicates INTEGER, updated INTEGER);
                CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value);
                PRAGMA user_version=1;
                """)
        }
        if version < 2 {
            // The graph tier lives in the same file so that one transaction stores events and
            // their graph together (see GraphTier).
            try db.execute("""
                CREATE TABLE IF NOT EXISTS graph_nodes(id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS graph_events(
                  slot INTEGER PRIMARY KEY, id TEXT NOT NULL, ts INTEGER NOT NULL, type TEXT NOT NULL, severity INTEGER,
                  nodes BLOB NOT NULL);
                CREATE INDEX IF NOT EXISTS graph_events_ts ON graph_events(ts);
                PRAGMA user_version=2;
                """)
        }
        if version < 3 {
            // Each event's resolution-15 H3 cell: a cell of any resolution is a range of them,
            // scanned per ten-minute bucket of event time (inserts stay local to the newest
            // bucket; a cell-first index cost a third of the ingest rate).
            if !(try db.columnExists("cell", in: "events")) { try db.execute("ALTER TABLE events ADD COLUMN cell INTEGER") }
            let rows = try db.prepare("SELECT seq, lat, lon FROM events WHERE lat IS NOT NULL AND lon IS NOT NULL")
            let update = try db.prepare("UPDATE events SET cell = ? WHERE seq = ?")
            while try rows.step() {
                guard let point = GeoPoint(latitude: rows.double(1), longitude: rows.double(2)),
                      let cell = GeoCell.of(point) else { continue }
                update.bind(Int64(bitPattern: cell.rawValue), at: 1)
                update.bind(rows.int64(0), at: 2)
                try update.step()
                update.reset()
            }
            try db.execute("CREATE INDEX IF NOT EXISTS events_cell ON events(ts / \(cellBucketMicros), cell, ts) WHERE cell IS NOT NULL; PRAGMA user_version=3;")
        }
        if version < 4 {
            // Telemetry and enrichment: the record as the sensor wrote it, the flow it belongs
            // to (indexed only where there is one), the country and ASN of its place and where
            // that place came from.
            for column in ["original TEXT", "flow TEXT", "country TEXT", "asn INTEGER", "geo_origin TEXT"] {
                let name = String(column.split(separator: " ")[0])
                if !(try db.columnExists(name, in: "events")) { try db.execute("ALTER TABLE events ADD COLUMN \(column)") }
            }
            try db.execute("CREATE INDEX IF NOT EXISTS events_flow ON events(flow) WHERE flow IS NOT NULL; PRAGMA user_version=4;")
        }
        if version < 5 {
            // The risk score given at acceptance (`RiskScore`): the total for filters and
            // sorting, the parts packed beside it for the detail view. Events stored before
            // keep NULL (no score was given them); nothing is rewritten.
            for column in ["risk INTEGER", "risk_parts INTEGER"] {
                let name = String(column.split(separator: " ")[0])
                if !(try db.columnExists(name, in: "events")) { try db.execute("ALTER TABLE events ADD COLUMN \(column)") }
            }
            try db.execute("PRAGMA user_version=5;")
        }
        if version < 6 {
            try migrateKeys(db)
            try db.execute("PRAGMA user_version=6;")
        }
        if version < 7 {
            try migrateCells(db)
            try db.execute("PRAGMA user_version=7;")
        }
        if version < 8 {
            try migrate(.sources, db, limit: sourceNameLimit)
            try db.execute("PRAGMA user_version=8;")
        }
        if version < 9 {
            try migrate(.types, db, limit: typeNameLimit)
            try db.execute("PRAGMA user_version=9;")
        }
        if version < 10 {
            try migrateNameCounts(db)
            try db.execute("PRAGMA user_version=10;")
        }
    }

    /// What one commit did.
    public struct CommitResult: Sendable {
        /// Per event of the batch: true when it was new, false when its id was already stored.
        public var inserted: [Bool]
        public var insertedCount: Int
        public var duplicateCount: Int { inserted.count - insertedCount }
        /// The seq of the last new row (nil when every event was stored already).
        public var lastSeq: Int64? = nil
    }

    /// Events with their text columns encoded in advance (see `WarmRowBlock`).
    public struct Part: Sendable {
        public var events: [Event]
        public var rows: WarmRowBlock
        /// Per event, its resolution-15 cell's raw value (0: no location).
        public var cells: [UInt64]

        public init(events: [Event], rows: WarmRowBlock? = nil, cells: [UInt64]? = nil) {
            self.events = events
            self.rows = rows ?? WarmRowBlock(events)
            self.cells = cells ?? events.map { GeoCell.of($0)?.rawValue ?? 0 }
            precondition(self.rows.count == events.count, "a row block must encode exactly its events")
            precondition(self.cells.count == events.count, "one cell per event")
        }
    }

    /// Stores `events`, the source checkpoints and the dead-letter length in one transaction.
    public func commit(_ events: [Event], deadLetterSize: Int64?, ingestedAt: Timestamp = .now(), thenMergingKeys: Bool = true,
                       checkpoints: (_ inserted: [Bool]) -> [Checkpoint] = { _ in [] }) throws(StoreError) -> CommitResult {
        try commit([Part(events: events)], deadLetterSize: deadLetterSize, ingestedAt: ingestedAt, thenMergingKeys: thenMergingKeys,
                   checkpoints: checkpoints)
    }

    /// Stores several parts, the source checkpoints and the dead-letter length in one
    /// transaction. `checkpoints` is asked after the inserts, with which events were new (in
    /// part order), so running totals stored in the checkpoints are exact.
    ///
    /// `alsoWrite` runs inside the same transaction after the inserts, with which events were
    /// new: other tiers in this database (the graph) commit atomically with the events.
    ///
    /// When enough recent keys have gathered, they are merged after the commit, in
    /// transactions of their own (`continueKeyMerge`); a merge that fails does not fail the
    /// commit, which is already durable. `thenMergingKeys: false` leaves that step to the
    /// caller, which reports the commit durable first and then calls `continueKeyMerge()`.
    public func commit(_ parts: [Part], deadLetterSize: Int64?, ingestedAt: Timestamp = .now(),
                       thenMergingKeys: Bool = true,
                       alsoWrite: (_ inserted: [Bool]) throws(StoreError) -> Void = { _ in },
                       checkpoints: (_ inserted: [Bool]) -> [Checkpoint] = { _ in [] }) throws(StoreError) -> CommitResult {
        var newest = newestEventTime
        let result: CommitResult
        do {
            result = try commitTransaction(parts, deadLetterSize: deadLetterSize, ingestedAt: ingestedAt, newest: &newest,
                                           alsoWrite: alsoWrite, checkpoints: checkpoints)
            sources.committed()
            types.committed()
        } catch {
            sources.rolledBack()
            types.rolledBack()
            throw error
        }
        newestEventTime = newest
        storedEvents += result.insertedCount
        recentKeys += result.insertedCount
        if thenMergingKeys { continueKeyMerge() }
        return result
    }

    /// The key merge's step due after a commit (`mergeKeysIfDue`), its failure counted in
    /// `mergeFailures` rather than thrown: the commit before it is stored and its keys are
    /// found in the recent level, so a failed merge (a full disk, say) loses nothing and the
    /// next call tries again.
    ///
    /// `levels` and `keys` make the step smaller than the merge's own (a slice of every
    /// level is tens of milliseconds at a million stored events).
    public func continueKeyMerge(levels: Int = .max, keys: Int = .max) {
        do throws(StoreError) {
            try mergeKeysIfDue(levels: levels, keys: keys)
        } catch {
            mergeFailures += 1
        }
    }

    /// The transaction of `commit`.
    private func commitTransaction(_ parts: [Part], deadLetterSize: Int64?, ingestedAt: Timestamp, newest: inout Timestamp?,
                                   alsoWrite: (_ inserted: [Bool]) throws(StoreError) -> Void,
                                   checkpoints: (_ inserted: [Bool]) -> [Checkpoint]) throws(StoreError) -> CommitResult {
        try database.transaction { () throws(StoreError) -> CommitResult in
            let now = ingestedAt.microseconds
            let first = (try database.scalar("SELECT max(seq) FROM events") ?? 0) + 1
            try refreshKeyFilter()
            // The keys first, each level in key order (see `CommitKeys`); the rows then in
            // arrival order, numbered densely.
            let keys = CommitKeys(parts, idColumn: Self.idColumn, flowColumn: Self.flowColumn)
            let (inserted, seqs, count) = try insertIDs(keys, first: first)
            let seq = first + Int64(count)
            try insertFlows(keys, inserted: inserted, seqs: seqs)
            var row = 0
            for part in parts {
                // New events per value of the part's names, for the source and type lists.
                var sourceEvents = [Int](repeating: 0, count: part.rows.names.count)
                var typeEvents = sourceEvents
                try part.rows.bytes.withBytes { (buffer) throws(StoreError) in
                    try part.rows.spans.withBytes32 { (spans) throws(StoreError) in
                        for (i, e) in part.events.enumerated() {
                            defer { row += 1 }
                            guard inserted[row] else { continue }
                            try insertRow(e, seq: seqs[row], spans: spans, row: i, buffer: buffer, ingested: now, cell: part.cells[i])
                            if newest.map({ e.timestamp > $0 }) ?? true { newest = e.timestamp }
                            if part.rows.sourceOf[i] >= 0 { sourceEvents[Int(part.rows.sourceOf[i])] += 1 }
                            typeEvents[Int(part.rows.typeOf[i])] += 1
                        }
                    }
                }
                record(sourceEvents, of: part.rows.names, in: &sources)
                record(typeEvents, of: part.rows.names, in: &types)
            }
            if count > 0 {
                addToCount.bind(Int64(count), at: 1)
                try addToCount.step()
                addToCount.reset()
            }
            try addCounts(&sources, with: countSources, or: .sources)
            try addCounts(&types, with: countTypes, or: .types)
            try alsoWrite(inserted)
            for checkpoint in checkpoints(inserted) { try write(checkpoint) }
            if let deadLetterSize {
                setMeta.bind("dead_letter_size", at: 1)
                setMeta.bind(deadLetterSize, at: 2)
                try setMeta.step()
                setMeta.reset()
            }
            return CommitResult(inserted: inserted, insertedCount: count, lastSeq: count > 0 ? seq - 1 : nil)
        }
    }

    /// Text column → parameter index, in `WarmRowBlock` order.
    private static let textParameters: [Int32] = [1, 3, 5, 8, 10, 11, 12, 15, 16, 17, 19]
    /// The id's and the flow's places among the text columns.
    private static let idColumn = 0, flowColumn = 8

    /// Inserts the commit's ids into `recent_ids` in key order, each unless it is stored
    /// already (in either level, or earlier in this commit); returns per row whether it was new.
    /// An id goes in numbered as if every row before it were new (`first` + row); when some
    /// were not, the new ids after the first repeat are renumbered to the dense seqs their
    /// rows get (a re-read file's commit, rare in a live feed). Returns per row whether it was
    /// new and its seq (0 when not), and how many were new.
    private func insertIDs(_ keys: CommitKeys, first: Int64) throws(StoreError) -> (inserted: [Bool], seqs: [Int64], count: Int) {
        var inserted = [Bool](repeating: false, count: keys.count)
        for row in keys.order(keys.ids) {
            inserted[row] = try keys.withKey(keys.ids[row]) { (start, length) throws(StoreError) -> Bool in
                if mergedKeys > 0, keyFilter?.mayContain(UnsafeRawBufferPointer(start: start, count: length)) ?? true {
                    probeMergedID.bindStatic(start, count: length, at: 1)
                    let found = try probeMergedID.step()
                    probeMergedID.reset()
                    if found { return false }
                }
                insertRecentID.bindStatic(start, count: length, at: 1)
                insertRecentID.bind(first + Int64(row), at: 2)
                try insertRecentID.step()
                insertRecentID.reset()
                return database.changes > 0
            }
        }
        var seqs = [Int64](repeating: 0, count: keys.count)
        var seq = first
        for row in 0..<keys.count where inserted[row] {
            seqs[row] = seq
            if seq != first + Int64(row) {
                try keys.withKey(keys.ids[row]) { (start, length) throws(StoreError) in
                    renumberRecentID.bind(seq, at: 1)
                    renumberRecentID.bindStatic(start, count: length, at: 2)
                    try renumberRecentID.step()
                    renumberRecentID.reset()
                }
            }
            seq += 1
        }
        return (inserted, seqs, Int(seq - first))
    }

    /// Inserts the flows of the new rows into `recent_flows`, in key order.
    private func insertFlows(_ keys: CommitKeys, inserted: [Bool], seqs: [Int64]) throws(StoreError) {
        for row in keys.order(keys.flows, where: { inserted[$0] }) {
            try keys.withKey(keys.flows[row]) { (start, length) throws(StoreError) in
                insertRecentFlow.bindStatic(start, count: length, at: 1)
                insertRecentFlow.bind(seqs[row], at: 2)
                try insertRecentFlow.step()
                insertRecentFlow.reset()
            }
        }
    }

    /// Counts a part's new events per value of a listed column (`NameList`).
    private func record(_ events: [Int], of values: [String], in names: inout NewNames) {
        for (place, count) in events.enumerated() where count > 0 {
            var value = values[place]
            value.withUTF8 { names.record(UnsafeRawBufferPointer($0), events: count) }
        }
    }

    /// Adds the commit's events per value to the list's counts, or drops the list when the
    /// commit took it past its limit.
    private func addCounts(_ names: inout NewNames, with statement: SQLiteStatement, or list: NameList) throws(StoreError) {
        if names.dropping {
            try Self.drop(list, database)
            return
        }
        for (name, events) in names.tally() {
            try name.withUnsafeBufferPointer { (bytes) throws(StoreError) in
                let empty: StaticString = ""
                statement.bindStatic(bytes.baseAddress ?? empty.utf8Start, count: bytes.count, at: 1)
                statement.bind(Int64(events), at: 2)
                defer { statement.reset() }
                try statement.step()
            }
        }
    }

    /// Stores one new event (its keys are in already) as `seq`.
    @inline(__always)
    private func insertRow(_ e: Event, seq: Int64, spans: UnsafeBufferPointer<Int32>, row: Int, buffer: UnsafeBufferPointer<UInt8>,
                           ingested: Int64, cell: UInt64) throws(StoreError) {
        let base = row * WarmRowBlock.textColumns * 2
        guard let start = buffer.baseAddress else { throw .corrupt(path: database.path, detail: "empty row block") }
        let s = insert
        for column in 0..<WarmRowBlock.textColumns {
            let length = spans[base + column * 2 + 1]
            if length >= 0 {
                s.bindStatic(start + Int(spans[base + column * 2]), count: Int(length), at: Self.textParameters[column])
            }
        }
        s.bind(e.timestamp.microseconds, at: 2)
        if let severity = e.severity { s.bind(Int64(severity.value), at: 4) }
        if let point = e.location {
            s.bind(point.latitude, at: 6)
            s.bind(point.longitude, at: 7)
        }
        if let priority = e.priority { s.bind(Int64(priority.rawValue), at: 9) }
        s.bind(ingested, at: 13)
        if cell != 0 {
            s.bind(Int64(bitPattern: cell), at: 14)
            let c = insertRecentCell
            c.bind(Self.cellBucket(e.timestamp.microseconds), at: 1)
            c.bind(Int64(bitPattern: cell), at: 2)
            c.bind(e.timestamp.microseconds, at: 3)
            c.bind(seq, at: 4)
            try c.step()
            c.reset()
        }
        if let asn = e.details?.asn { s.bind(Int64(asn), at: 18) }
        if let risk = e.risk {
            s.bind(Int64(risk.total), at: 20)
            s.bind(risk.packedParts, at: 21)
        }
        s.bind(seq, at: 22)
        try s.step()
        s.reset()
    }

    private func write(_ c: Checkpoint) throws(StoreError) {
        let s = upsertCheckpoint
        s.bind(c.source, at: 1)
        s.bind(c.device, at: 2)
        s.bind(c.inode, at: 3)
        s.bind(c.fingerprint, at: 4)
        s.bind(c.fingerprintLength, at: 5)
        s.bind(c.offset, at: 6)
        s.bind(c.line, at: 7)
        s.bind(c.accepted, at: 8)
        s.bind(c.rejected, at: 9)
        s.bind(c.duplicates, at: 10)
        s.bind(Timestamp.now().microseconds, at: 11)
        try s.step()
        s.reset()
    }

    /// The stored checkpoint of a source, if any.
    public func checkpoint(for source: String) throws(StoreError) -> Checkpoint? {
        let s = try database.prepare("""
            SELECT device, inode, fingerprint, fingerprint_length, offset, line, accepted, rejected, duplicates
            FROM checkpoints WHERE source = ?
            """)
        s.bind(source, at: 1)
        guard try s.step() else { return nil }
        return Checkpoint(source: source, device: s.int64(0), inode: s.int64(1), fingerprint: s.int64(2),
                          fingerprintLength: s.int64(3), offset: s.int64(4), line: s.int64(5),
                          accepted: s.int64(6), rejected: s.int64(7), duplicates: s.int64(8))
    }

    /// The dead-letter file length as of the last commit.
    public func committedDeadLetterSize() throws(StoreError) -> Int64? {
        try database.scalar("SELECT value FROM meta WHERE key = 'dead_letter_size'")
    }

    /// Deletes events older than `retention` before the retention clock (see
    /// `RetentionClock`: a robust reference no outlier can move), in chunks so the writer
    /// never stalls long; never an event accepted less than `retention` ago by the wall clock,
    /// so a run never loses what it has just accepted. Returns how many were deleted.
    @discardableResult
    public func purge(retention: Duration, storedEvents: Int? = nil, now: Timestamp = .now(), chunk: Int = 20_000) throws(StoreError) -> Int {
        guard let reference = try RetentionClock.reference(in: database, storedEvents: storedEvents ?? self.storedEvents, now: now) else { return 0 }
        let cutoff = (reference - retention).microseconds
        let acceptedBefore = (now - retention).microseconds
        var total = 0
        try database.execute("""
            CREATE TEMP TABLE IF NOT EXISTS purging(seq INTEGER PRIMARY KEY, id TEXT NOT NULL, flow TEXT, cell INTEGER, ts INTEGER,
                                                    source TEXT, type TEXT)
            """)
        let choose = try database.prepare("""
            INSERT INTO temp.purging(seq, id, flow, cell, ts, source, type)
              SELECT seq, id, flow, cell, ts, source, type FROM events WHERE ts < ? AND ingested < ? LIMIT ?
            """)
        while true {
            // One chunk per transaction: its events, their keys (both levels) and their counts
            // in the name lists go together.
            var emptied: (sources: [[UInt8]], types: [[UInt8]]) = ([], [])
            let n = try database.transaction { () throws(StoreError) -> Int in
                emptied = ([], [])
                try database.execute("DELETE FROM temp.purging")
                choose.bind(cutoff, at: 1)
                choose.bind(acceptedBefore, at: 2)
                choose.bind(Int64(chunk), at: 3)
                try choose.step()
                choose.reset()
                let n = database.changes
                guard n > 0 else { return 0 }
                try database.execute("DELETE FROM event_ids WHERE id IN (SELECT id FROM temp.purging)")
                let unmerged = database.changes
                try database.execute("UPDATE meta SET value = value - \(unmerged) WHERE key = 'merged_keys'")
                try database.execute("""
                    DELETE FROM recent_ids WHERE id IN (SELECT id FROM temp.purging);
                    DELETE FROM event_flows WHERE (flow, seq) IN (SELECT flow, seq FROM temp.purging WHERE flow IS NOT NULL);
                    DELETE FROM recent_flows WHERE (flow, seq) IN (SELECT flow, seq FROM temp.purging WHERE flow IS NOT NULL);
                    DELETE FROM event_cells WHERE (bucket, cell, ts, seq) IN
                      (SELECT ts / \(Self.cellBucketMicros), cell, ts, seq FROM temp.purging WHERE cell IS NOT NULL);
                    DELETE FROM recent_cells WHERE (bucket, cell, ts, seq) IN
                      (SELECT ts / \(Self.cellBucketMicros), cell, ts, seq FROM temp.purging WHERE cell IS NOT NULL);
                    DELETE FROM events WHERE seq IN (SELECT seq FROM temp.purging);
                    """)
                emptied = (try Self.takeOffPurged(.sources, database), try Self.takeOffPurged(.types, database))
                addToCount.bind(Int64(-n), at: 1)
                try addToCount.step()
                addToCount.reset()
                return n
            }
            self.storedEvents = max(0, self.storedEvents - n)
            sources.forget(emptied.sources)
            types.forget(emptied.types)
            total += n
            if n < chunk { break }
        }
        if total > 0 { try readKeyCounts() }
        return total
    }

    /// The rows counted (a scan of the smallest index; `storedEvents` is kept instead).
    public func count() throws(StoreError) -> Int { Int(try database.scalar("SELECT count(*) FROM events") ?? 0) }
}
