import CTASCore
import Foundation
import CTASStore

/// The intelligence tier: reports, the indicators they carry with their context, and
/// sightings, in the data directory's SQLite database beside the events (so a sighting is
/// written in the same transaction as the event that made it).
public final class IntelStore {
    public let database: SQLiteDatabase

    public init(database: SQLiteDatabase, readOnly: Bool = false) throws(StoreError) {
        self.database = database
        if !readOnly { try Self.createTables(database) }
    }

    static func createTables(_ database: SQLiteDatabase) throws(StoreError) {
        try database.execute("""
            CREATE TABLE IF NOT EXISTS intel_reports(
                id TEXT PRIMARY KEY, format TEXT NOT NULL, name TEXT NOT NULL, org TEXT, date INTEGER,
                modified INTEGER NOT NULL, tags TEXT NOT NULL, imported INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS intel_entries(
                report TEXT NOT NULL, kind INTEGER NOT NULL, value TEXT NOT NULL, source_type TEXT NOT NULL,
                tags TEXT NOT NULL, first_seen INTEGER, last_seen INTEGER, for_detection INTEGER NOT NULL,
                comment TEXT, confidence REAL, valid_until INTEGER,
                PRIMARY KEY(report, kind, value, source_type)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS intel_sightings(
                kind INTEGER NOT NULL, value TEXT NOT NULL, ts INTEGER NOT NULL, source TEXT NOT NULL, event TEXT NOT NULL,
                PRIMARY KEY(kind, value, ts, source, event)) WITHOUT ROWID;
            """)
        try database.execute(sightingLogSQL)
        try database.execute("""
            CREATE TABLE IF NOT EXISTS intel_state(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS intel_evidence(generation INTEGER NOT NULL, body BLOB NOT NULL);
            """)
        // Also rebuilds the index an import dropped and could not rebuild (it was stopped).
        try database.execute(valueIndexSQL)
    }

    /// Sightings the engine records, appended as they come (see `logSightings`).
    static let sightingLogSQL = """
        CREATE TABLE IF NOT EXISTS intel_sightings_log(
            kind INTEGER NOT NULL, value TEXT NOT NULL, ts INTEGER NOT NULL, source TEXT NOT NULL, event TEXT NOT NULL)
        """

    /// The index that finds an indicator's entries by value (`intel show`, exports of events).
    static let valueIndexSQL = "CREATE INDEX IF NOT EXISTS intel_entries_value ON intel_entries(value, kind)"

    /// Drops the value index, for an import that writes many entries into a small store: each
    /// entry's insert into the index lands on a random page, which made such an import take
    /// twice as long as writing the entries and building the index once at the end. Readers
    /// meanwhile find entries by scanning; `buildValueIndex` (or the next writer to open the
    /// store, when the import was stopped) builds it again.
    public func dropValueIndex() throws(StoreError) {
        try database.execute("DROP INDEX IF EXISTS intel_entries_value")
    }

    /// Builds the value index (nothing when it is there).
    public func buildValueIndex() throws(StoreError) {
        // SQLite's sorter may use a second thread for the build (about a fifth faster here).
        try database.execute("PRAGMA threads = 2")
        defer { try? database.execute("PRAGMA threads = 0") }
        try database.execute(Self.valueIndexSQL)
    }

    /// Entries stored, counted up to `limit` (a count of a large store reads all of it).
    public func entryCount(upTo limit: Int) throws(StoreError) -> Int {
        Int(try database.scalar("SELECT count(*) FROM (SELECT 1 FROM intel_entries LIMIT \(max(0, limit)))") ?? 0)
    }

    /// Whether the database has the intelligence tables.
    public static func exists(in database: SQLiteDatabase) -> Bool {
        has(table: "intel_entries", in: database)
    }

    /// What an import did.
    public struct ImportSummary: Codable, Sendable, Equatable {
        public var reportsNew = 0
        public var reportsUpdated = 0
        public var reportsUnchanged = 0
        public var entries = 0
        public var sightings = 0
        public var problems = 0
        public var problemsByKind: [String: Int] = [:]
        /// Whether the import dropped the value index while writing and built it at the end.
        public var rebuiltValueIndex = false
        public init() {}
    }

    /// Stores a batch: a report not seen before is added; a newer version (later `modified`)
    /// replaces the stored one and its entries; the same or an older version changes nothing.
    /// `entriesPerTransaction`: about how many entries one transaction writes (whole reports).
    public func store(_ batch: IntelBatch, importedAt: Timestamp, entriesPerTransaction: Int = 100_000) throws(StoreError) -> ImportSummary {
        try store(PreparedBatch(batch), importedAt: importedAt, entriesPerTransaction: entriesPerTransaction)
    }

    /// A batch made ready to write: its entries grouped by report, each group in key order
    /// (so the rows go into the B-tree one after another). An import prepares chunks on its
    /// reader thread, leaving the writer only the writing.
    public struct PreparedBatch: Sendable {
        /// The files' reports, sightings and problems (their entries are in `entries`).
        fileprivate let batch: IntelBatch
        /// Each file's entries as read: never copied or moved, only pointed at by `order`.
        fileprivate let entries: [[IntelEntry]]
        /// Per report, where its entries are (`EntryPlace`), in key order.
        fileprivate let order: [String: [EntryPlace]]
        /// Each entry's tags as the JSON array stored, in the same places as `order` (encoded
        /// here, on the reader's thread, not on the writer's).
        fileprivate let tagsByReport: [String: [String]]

        /// What the batch's files had wrong.
        public var problems: [IntelProblem] { batch.problems }

        public init(_ batch: IntelBatch) { self.init(files: [batch]) }

        /// The batches of several files, prepared as one without gathering their entries into
        /// one array (which copied and retained every field of each).
        public init(files: [IntelBatch]) {
            var rest = IntelBatch()
            for file in files {
                rest.reports += file.reports
                rest.sightings += file.sightings
                rest.problems += file.problems
            }
            batch = rest
            let entries = files.map(\.entries)
            // Each entry's key in the table's order (kind, value, a 0 byte, source type: the
            // bytes SQLite compares), all in one buffer: places are sorted by comparing bytes.
            var keys: [UInt8] = []
            keys.reserveCapacity(entries.reduce(0) { $0 + $1.count } * 48)
            var spans: [[(start: Int, count: Int)]] = []
            // Places by report: a file's entries come report by report, so the dictionary is
            // asked once a run, not once an entry.
            var places: [String: [EntryPlace]] = [:]
            for (f, list) in entries.enumerated() {
                var fileSpans: [(start: Int, count: Int)] = []
                fileSpans.reserveCapacity(list.count)
                var run: (report: String, places: [EntryPlace])?
                // By index, reading fields in place (a `for entry in` copied every entry).
                for i in list.indices {
                    let start = keys.count
                    keys.append(list[i].indicator.kind.rawValue)
                    keys.append(contentsOf: list[i].indicator.value.utf8)
                    keys.append(0)
                    keys.append(contentsOf: list[i].sourceType.utf8)
                    fileSpans.append((start, keys.count - start))
                    let place = EntryPlace(file: f, position: i)
                    if run?.report == list[i].report {
                        run?.places.append(place)
                    } else {
                        if let finished = run { places[finished.report, default: []].append(contentsOf: finished.places) }
                        run = (list[i].report, [place])
                    }
                }
                if let finished = run { places[finished.report, default: []].append(contentsOf: finished.places) }
                spans.append(fileSpans)
            }
            var order: [String: [EntryPlace]] = [:]
            var tags: [String: [String]] = [:]
            keys.withUnsafeBufferPointer { bytes in
                // Every key holds its kind byte and separator, so the buffer is not empty
                // when there is any entry to sort.
                guard let base = bytes.baseAddress else { return }
                for (report, list) in places {
                    let sorted = list.sorted { a, b in
                        let x = spans[a.file][a.position], y = spans[b.file][b.position]
                        let compared = memcmp(base + x.start, base + y.start, min(x.count, y.count))
                        return compared != 0 ? compared < 0 : x.count < y.count
                    }
                    order[report] = sorted
                    tags[report] = sorted.map { entries[$0.file][$0.position].tags.isEmpty ? "[]" : JSONString.array(entries[$0.file][$0.position].tags) }
                }
            }
            self.entries = entries
            self.order = order
            tagsByReport = tags
        }

        /// Where an entry is: its file's place in the batch and its own in the file's entries.
        fileprivate struct EntryPlace: Sendable {
            let file: Int
            let position: Int
        }
    }

    /// `store(_:importedAt:entriesPerTransaction:)` of a prepared batch.
    public func store(_ prepared: PreparedBatch, importedAt: Timestamp, entriesPerTransaction: Int = 100_000) throws(StoreError) -> ImportSummary {
        let batch = prepared.batch
        var summary = ImportSummary()
        summary.problems = batch.problems.count
        for problem in batch.problems { summary.problemsByKind[problem.key, default: 0] += 1 }
        var order = prepared.order
        let stored = try database.prepare("SELECT modified FROM intel_reports WHERE id = ?")
        let upsert = try database.prepare("""
            INSERT OR REPLACE INTO intel_reports(id, format, name, org, date, modified, tags, imported)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let clear = try database.prepare("DELETE FROM intel_entries WHERE report = ?")
        let insert = try database.prepare("""
            INSERT OR REPLACE INTO intel_entries(report, kind, value, source_type, tags, first_seen, last_seen, for_detection,
                                                 comment, confidence, valid_until)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        // Reports are replaced whole, a group of them per transaction: each commit rewrites
        // the index pages its entries touch (their values are random), so committing every
        // report alone wrote the value index over again for each; a group of about
        // `entriesPerTransaction` entries keeps a transaction under a second or so, which
        // an ingest writing to the same data directory waits out.
        var start = 0
        while start < batch.reports.count {
            var end = start
            var entries = 0
            while end < batch.reports.count && (end == start || entries < entriesPerTransaction) {
                entries += order[batch.reports[end].id]?.count ?? 0
                end += 1
            }
            try database.transaction { () throws(StoreError) in
                var changed = false
                for report in batch.reports[start..<end] {
                    try stored.bind([.text(report.id)])
                    let previous: Int64? = try stored.step() ? stored.int64(0) : nil
                    stored.reset()
                    if let previous, previous >= report.modified.microseconds {
                        summary.reportsUnchanged += 1
                        continue
                    }
                    if previous == nil { summary.reportsNew += 1 } else { summary.reportsUpdated += 1 }
                    changed = true
                    try upsert.bind([.text(report.id), .text(report.format), .text(report.name), report.organization.map(SQLiteValue.text) ?? .null,
                                     report.date.map { .integer($0.microseconds) } ?? .null, .integer(report.modified.microseconds),
                                     .text(JSONString.array(report.tags)), .integer(importedAt.microseconds)])
                    _ = try upsert.step()
                    upsert.reset()
                    try clear.bind([.text(report.id)])
                    _ = try clear.step()
                    clear.reset()
                    let tags = prepared.tagsByReport[report.id] ?? []
                    for (n, place) in (order.removeValue(forKey: report.id) ?? []).enumerated() {
                        bindEntry(prepared.entries[place.file][place.position], tags: tags.indices.contains(n) ? tags[n] : nil, to: insert)
                        _ = try insert.step()
                        insert.reset()   // also clears the bindings: an unbound optional is NULL
                        summary.entries += 1
                    }
                }
                // A snapshot of the evidence made before this transaction is stale after it.
                if changed { try advanceGeneration() }
            }
            start = end
        }
        summary.sightings = try database.transaction { () throws(StoreError) in
            try insertSightings(batch.sightings.map { ($0.indicator, $0.time, $0.source, "") })
        }
        return summary
    }

    /// Binds an entry's columns to `insert` one by one (no array of values made per entry),
    /// borrowing the entry where it lies. `tags`: its tags as JSON, when already encoded.
    private func bindEntry(_ entry: borrowing IntelEntry, tags: String?, to insert: SQLiteStatement) {
        insert.bind(entry.report, at: 1)
        insert.bind(Int64(entry.indicator.kind.rawValue), at: 2)
        insert.bind(entry.indicator.value, at: 3)
        insert.bind(entry.sourceType, at: 4)
        insert.bind(tags ?? JSONString.array(entry.tags), at: 5)
        if let first = entry.firstSeen { insert.bind(first.microseconds, at: 6) }
        if let last = entry.lastSeen { insert.bind(last.microseconds, at: 7) }
        insert.bind(Int64(entry.forDetection ? 1 : 0), at: 8)
        insert.bind(entry.comment, at: 9)
        if let confidence = entry.confidence { insert.bind(confidence, at: 10) }
        if let until = entry.validUntil { insert.bind(until.microseconds, at: 11) }
    }

    /// Records sightings (indicator, time, who saw it, the event id or ""); a sighting already
    /// recorded is not counted twice. Call inside the caller's transaction.
    public func insertSightings(_ sightings: [(Indicator, Timestamp, String, String)]) throws(StoreError) -> Int {
        guard !sightings.isEmpty else { return 0 }
        let insert = try database.prepare("INSERT OR IGNORE INTO intel_sightings(kind, value, ts, source, event) VALUES (?, ?, ?, ?, ?)")
        var added = 0
        // In key order: consecutive rows land on the same B-tree pages.
        let ordered = sightings.sorted { ($0.0.kind.rawValue, $0.0.value, $0.1.microseconds) < ($1.0.kind.rawValue, $1.0.value, $1.1.microseconds) }
        for (indicator, time, source, event) in ordered {
            try insert.bind([.integer(Int64(indicator.kind.rawValue)), .text(indicator.value), .integer(time.microseconds),
                             .text(source), .text(event)])
            _ = try insert.step()
            insert.reset()
            added += database.changes
        }
        return added
    }

    /// Sightings the log holds before `logSightings` merges it into the indexed table.
    public static let sightingLogLimit = 262_144

    /// Records the sightings of events stored for the first time (each names its event, so
    /// none repeats an earlier one) by appending them to an unindexed log, and merges the log
    /// into the indexed table once it holds `limit` rows. Call inside the transaction that
    /// stores the events.
    ///
    /// Why a log: the indexed table is keyed by indicator, so a commit's sightings of
    /// thousands of indicators landed on as many pages, each written out whole (16 KB) at
    /// every commit — an ingest matched against a million indicators wrote twice the bytes
    /// of one without and slowed by a third. Appended rows fill pages one after another; a
    /// merge sorts them and writes each page of the indexed table it touches once. Readers
    /// read both tables (`sightingTables`); the log stays small enough to scan.
    public func logSightings(_ sightings: [(Indicator, Timestamp, String, String)], limit: Int = sightingLogLimit) throws(StoreError) {
        guard !sightings.isEmpty else { return }
        let append = try database.prepare("INSERT INTO intel_sightings_log(kind, value, ts, source, event) VALUES (?, ?, ?, ?, ?)")
        for (indicator, time, source, event) in sightings {
            append.bind(Int64(indicator.kind.rawValue), at: 1)
            append.bind(indicator.value, at: 2)
            append.bind(time.microseconds, at: 3)
            append.bind(source, at: 4)
            append.bind(event, at: 5)
            _ = try append.step()
            append.reset()
        }
        if try loggedSightingCount() >= limit { try mergeSightingLog() }
    }

    /// Rows in the sighting log. Rows are only appended and all deleted at once, so their
    /// rowids run without gaps: two index lookups, not a scan.
    public func loggedSightingCount() throws(StoreError) -> Int {
        guard hasSightingLog else { return 0 }
        let span = try database.prepare("SELECT max(rowid) - min(rowid) + 1 FROM intel_sightings_log")
        return try span.step() && !span.isNull(0) ? Int(span.int64(0)) : 0
    }

    /// Moves the logged sightings into the indexed table (in key order; one already there is
    /// not stored twice) and empties the log. Call inside a transaction.
    public func mergeSightingLog() throws(StoreError) {
        guard hasSightingLog else { return }
        try database.execute("""
            INSERT OR IGNORE INTO intel_sightings(kind, value, ts, source, event)
                SELECT kind, value, ts, source, event FROM intel_sightings_log ORDER BY kind, value, ts, source, event;
            DELETE FROM intel_sightings_log;
            """)
    }

    /// Whether the database has the sighting log (a store written before it existed, opened
    /// read-only, has not).
    var hasSightingLog: Bool {
        Self.has(table: "intel_sightings_log", in: database)
    }

    /// The tables sightings are in: the indexed one, and the log when there is one.
    var sightingTables: [String] {
        hasSightingLog ? ["intel_sightings", "intel_sightings_log"] : ["intel_sightings"]
    }

    /// Every indicator the store holds (for matching telemetry against).
    public func indicators() throws(StoreError) -> Set<Indicator> {
        var out = Set<Indicator>()
        guard Self.exists(in: database) else { return out }
        let query = try database.prepare("SELECT DISTINCT kind, value FROM intel_entries")
        while try query.step() {
            guard let kind = IndicatorKind(rawValue: UInt8(clamping: query.int64(0))), let value = query.text(1) else { continue }
            out.insert(Indicator(kind, value))
        }
        return out
    }
}
