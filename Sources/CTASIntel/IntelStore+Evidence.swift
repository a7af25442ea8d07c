import CTASCore
import CTASStore

/// Rows read for the evidence index, folded in runs (see `IntelStore.evidenceIndex`).
private struct PendingFolds {
    private var rows: [(key: UInt64, confidence: Double?, time: Int64?, clock: IntelEvidenceIndex.Clock)] = []
    let run: Int

    init(run: Int) { self.run = run }

    mutating func append(key: UInt64, confidence: Double?, time: Int64?, clock: IntelEvidenceIndex.Clock, into index: inout IntelEvidenceIndex) {
        if rows.capacity == 0 { rows.reserveCapacity(run) }
        rows.append((key, confidence, time, clock))
        if rows.count >= run { flush(into: &index) }
    }

    mutating func flush(into index: inout IntelEvidenceIndex) {
        for row in rows { index.fold(key: row.key, confidence: row.confidence, time: row.time, clock: row.clock) }
        rows.removeAll(keepingCapacity: true)
    }
}

/// The store's side of the evidence index: reading it from the rows, the snapshot `intel
/// import` stores of it, and the generation that says whether the snapshot is current.
extension IntelStore {
    /// Every indicator the store holds with what scores it at `time` — the confidence and
    /// decay clock `list` gives it (last sighting up to `time`, else last seen, else the
    /// newest report date) — for matching telemetry against and weighing the matches in an
    /// event's risk. The entries' part comes from the snapshot `intel import` stores when
    /// it is of the store as it stands (about 0.05 s for a million indicators), else from
    /// the rows (about 0.3 s); the sightings are added from their tables either way.
    public func evidenceIndex(at time: Timestamp = .now()) throws(StoreError) -> IntelEvidenceIndex {
        try evidenceIndex(at: time, foldRun: 65_536)
    }

    /// `evidenceIndex(at:)` folding rows in runs of `foldRun` (small runs in tests);
    /// `snapshot`: whether a stored snapshot may be used.
    func evidenceIndex(at time: Timestamp, foldRun: Int, snapshot: Bool = true) throws(StoreError) -> IntelEvidenceIndex {
        guard Self.exists(in: database) else { return IntelEvidenceIndex() }
        return try database.reading { () throws(StoreError) -> IntelEvidenceIndex in
            let stored = snapshot ? try storedEvidence() : nil
            var index: IntelEvidenceIndex
            if let stored { index = stored } else { index = try entryEvidence(foldRun: foldRun).index }
            // A sighting outranks both (the latest of the indexed table's and the log's).
            for table in sightingTables {
                let sightings = try database.prepare("SELECT kind, value, max(ts) FROM \(table) WHERE ts <= ? GROUP BY kind, value")
                try sightings.bind([.integer(time.microseconds)])
                while try sightings.step() {
                    guard let kind = UInt8(exactly: sightings.int64(0)) else { continue }
                    index.sighted(key: index.fingerprint(kind: kind, bytes: sightings.textBytes(1)), at: sightings.int64(2))
                }
            }
            return index
        }
    }

    /// The count of changes to the store's reports and entries: every import transaction
    /// that adds or replaces a report raises it, so a snapshot made at one value is of the
    /// store as long as it stays.
    public func generation() throws(StoreError) -> Int64 {
        guard Self.has(table: "intel_state", in: database) else { return 0 }
        return try database.scalar("SELECT value FROM intel_state WHERE name = 'generation'") ?? 0
    }

    /// Raises the generation (inside the transaction that changes reports or entries).
    func advanceGeneration() throws(StoreError) {
        try database.execute("""
            INSERT INTO intel_state(name, value) VALUES ('generation', 1)
                ON CONFLICT(name) DO UPDATE SET value = value + 1
            """)
    }

    /// The entries' evidence (no sightings) read from the rows, with the generation they are
    /// of; in one read transaction, so both agree.
    public func entryEvidence(foldRun: Int = 65_536) throws(StoreError) -> (index: IntelEvidenceIndex, generation: Int64) {
        try database.reading { () throws(StoreError) -> (index: IntelEvidenceIndex, generation: Int64) in
            let generation = try generation()
            // Report by report: rows come in key order, no join.
            var reports: [(id: String, date: Int64?)] = []
            let listReports = try database.prepare("SELECT id, date FROM intel_reports")
            while try listReports.step() {
                reports.append((listReports.text(0) ?? "", listReports.isNull(1) ? nil : listReports.int64(1)))
            }
            let total = try database.scalar("SELECT count(*) FROM intel_entries") ?? 0
            var index = IntelEvidenceIndex(expected: Int(clamping: total))
            let entries = try database.prepare("SELECT kind, value, confidence, last_seen FROM intel_entries WHERE report = ?")
            // Folded in runs of rows read first: a fold is one cache miss into a table of tens of
            // megabytes, and the misses of a tight loop overlap, where each one after a row's read
            // waited alone.
            var pending = PendingFolds(run: max(1, foldRun))
            for report in reports {
                try entries.bind([.text(report.id)])
                while try entries.step() {
                    guard let kind = UInt8(exactly: entries.int64(0)), IndicatorKind(rawValue: kind) != nil else { continue }
                    let key = index.fingerprint(kind: kind, bytes: entries.textBytes(1))
                    let confidence = entries.isNull(2) ? nil : entries.double(2)
                    // The last time seen outranks the report dates.
                    if entries.isNull(3) {
                        pending.append(key: key, confidence: confidence, time: report.date, clock: .reportDate, into: &index)
                    } else {
                        pending.append(key: key, confidence: confidence, time: entries.int64(3), clock: .lastSeen, into: &index)
                    }
                }
                entries.reset()
            }
            pending.flush(into: &index)
            return (index, generation)
        }
    }

    /// Stores a snapshot (`IntelEvidenceIndex.snapshot()` of `entryEvidence()`) for
    /// `evidenceIndex` to start from, when the store is still
    /// at the generation it was read at (an import meanwhile makes it stale: nothing stored).
    /// Returns whether it was stored.
    @discardableResult
    public func storeEvidenceSnapshot(_ evidence: (snapshot: [UInt8], generation: Int64)) throws(StoreError) -> Bool {
        try database.transaction { () throws(StoreError) -> Bool in
            guard try generation() == evidence.generation else { return false }
            try database.execute("DELETE FROM intel_evidence")
            let insert = try database.prepare("INSERT INTO intel_evidence(generation, body) VALUES (?, ?)")
            insert.bind(evidence.generation, at: 1)
            insert.bind(blob: evidence.snapshot, at: 2)
            _ = try insert.step()
            return true
        }
    }

    /// Whether a snapshot of the store as it stands is stored.
    public func hasCurrentEvidenceSnapshot() throws(StoreError) -> Bool {
        guard Self.has(table: "intel_evidence", in: database) else { return false }
        let stored = try database.scalar("SELECT generation FROM intel_evidence")
        return try stored == generation()
    }

    /// The stored snapshot's index when it is of the store as it stands, else nil.
    func storedEvidence() throws(StoreError) -> IntelEvidenceIndex? {
        guard Self.has(table: "intel_evidence", in: database) else { return nil }
        let current = try generation()
        let stored = try database.prepare("SELECT generation, rowid FROM intel_evidence")
        guard try stored.step(), stored.int64(0) == current else { return nil }
        // Piece by piece into the index: the whole blob read at once was 25 MB of fresh
        // memory for a million indicators, each page of it zeroed by the kernel first.
        var reader: IntelEvidenceIndex.SnapshotReader?
        guard try database.readBlob(table: "intel_evidence", column: "body", rowid: stored.int64(1),
                                    start: { reader = IntelEvidenceIndex.SnapshotReader(totalBytes: $0) },
                                    { reader?.consume($0) ?? false }) else { return nil }
        return reader?.finish()
    }

    /// Whether the database has `table`.
    static func has(table: String, in database: SQLiteDatabase) -> Bool {
        guard let query = try? database.prepare("SELECT count(*) FROM sqlite_master WHERE name = ?") else { return false }
        query.bind(table, at: 1)
        return ((try? query.step()) ?? false) && query.int64(0) == 1
    }
}
