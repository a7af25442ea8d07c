import CTASCore

/// A list the store keeps of the distinct values of one `events` column: the names of the
/// sources (schema 8) and the types (schema 9) it has events of, each with how many stored
/// events have it (schema 10). A query for a source or a type that none of them is answers at
/// once, instead of reading every stored event to find none, and an analyst who named none
/// of them is shown what there is.
///
/// The counts change in the transactions that store and purge events: a commit adds its new
/// events per value, and retention takes its purged events off and removes the values left
/// with none, so the list never names a value whose events are all gone.
///
/// A feed that names a source per host (or a type per event) would make a list as long as
/// the store: past its limit the list is dropped for good (`meta` says so, in the same
/// transaction) and every query on that column scans, as before the list.
struct NameList: Sendable, Equatable {
    /// The table (`event_sources`) and the `events` column it lists (`source`).
    let table: String
    let column: String
    /// The `meta` key saying the list was dropped.
    let droppedKey: String

    static let sources = NameList(table: "event_sources", column: "source", droppedKey: "event_sources_dropped")
    static let types = NameList(table: "event_types", column: "type", droppedKey: "event_types_dropped")
}

extension WarmTier {
    /// Source names kept at most (a SOC's sensors and their logs are tens to thousands).
    public static let defaultSourceNameLimit = 10_000
    /// Types kept at most (alert categories, Zeek logs and notices: tens to hundreds).
    public static let defaultTypeNameLimit = 10_000

    /// The schema-10 step: each kept list made again with its values' event counts, from one
    /// pass over the stored events (values whose events were purged are left out).
    static func migrateNameCounts(_ db: SQLiteDatabase) throws(StoreError) {
        try db.execute("CREATE TEMP TABLE name_counts AS SELECT source, type, count(*) AS n FROM events GROUP BY source, type")
        for list in [NameList.sources, .types] {
            let kept = try isKept(list, db)
            try db.execute("""
                DROP TABLE IF EXISTS \(list.table);
                CREATE TABLE \(list.table)(\(list.column) TEXT PRIMARY KEY, events INTEGER NOT NULL) WITHOUT ROWID;
                """)
            if kept {
                try db.execute("""
                    INSERT INTO \(list.table)(\(list.column), events)
                      SELECT \(list.column), sum(n) FROM temp.name_counts WHERE \(list.column) IS NOT NULL GROUP BY \(list.column);
                    """)
            }
        }
        try db.execute("DROP TABLE temp.name_counts")
    }

    /// The statement adding a commit's events to a value's count (the value listed if new).
    static func countStatement(_ list: NameList, _ db: SQLiteDatabase) throws(StoreError) -> SQLiteStatement {
        try db.prepare("""
            INSERT INTO \(list.table)(\(list.column), events) VALUES (?, ?)
              ON CONFLICT(\(list.column)) DO UPDATE SET events = events + excluded.events
            """)
    }

    /// Takes the events of `temp.purging` (its `column` names each one's value) off the list's
    /// counts, in the purge's transaction; returns the values left with none, which are
    /// removed.
    static func takeOffPurged(_ list: NameList, _ db: SQLiteDatabase) throws(StoreError) -> [[UInt8]] {
        try db.execute("""
            UPDATE \(list.table) SET events = events - gone.n
              FROM (SELECT \(list.column) AS value, count(*) AS n FROM temp.purging WHERE \(list.column) IS NOT NULL GROUP BY \(list.column)) AS gone
              WHERE \(list.table).\(list.column) = gone.value
            """)
        let emptied = try db.prepare("DELETE FROM \(list.table) WHERE events <= 0 RETURNING \(list.column)")
        var removed: [[UInt8]] = []
        while try emptied.step() { removed.append(Array(emptied.textBytes(0))) }
        emptied.reset()
        return removed
    }

    /// Makes the list's table and fills it from the stored events (a migration step).
    static func migrate(_ list: NameList, _ db: SQLiteDatabase, limit: Int) throws(StoreError) {
        try db.execute("""
            CREATE TABLE IF NOT EXISTS \(list.table)(\(list.column) TEXT PRIMARY KEY) WITHOUT ROWID;
            INSERT OR IGNORE INTO \(list.table)(\(list.column)) SELECT DISTINCT \(list.column) FROM events WHERE \(list.column) IS NOT NULL;
            """)
        if try db.scalar("SELECT count(*) FROM \(list.table)") ?? 0 > Int64(limit) { try drop(list, db) }
    }

    /// Gives the list up: every query on its column scans from now on.
    static func drop(_ list: NameList, _ db: SQLiteDatabase) throws(StoreError) {
        try db.execute("DELETE FROM \(list.table); INSERT OR REPLACE INTO meta(key, value) VALUES ('\(list.droppedKey)', 1);")
    }

    /// Whether the list is kept (not dropped past its limit).
    static func isKept(_ list: NameList, _ db: SQLiteDatabase) throws(StoreError) -> Bool {
        try db.scalar("SELECT count(*) FROM meta WHERE key = '\(list.droppedKey)'") ?? 0 == 0
    }

    /// The values listed, read at open (nil: the list was dropped).
    static func readNames(_ list: NameList, _ db: SQLiteDatabase) throws(StoreError) -> Set<[UInt8]>? {
        guard try isKept(list, db) else { return nil }
        var names: Set<[UInt8]> = []
        let s = try db.prepare("SELECT \(list.column) FROM \(list.table)")
        while try s.step() { names.insert(Array(s.textBytes(0))) }
        return names
    }

    /// The WHERE term a source filter is: the name itself, or a log of it (`zeek` matches
    /// `zeek/dns`), with its three arguments.
    static func sourceMatch(_ source: String) -> (term: String, args: [SQLiteValue]) {
        ("(source = ? OR substr(source, 1, length(?)) = ?)", [.text(source), .text(source + "/"), .text(source + "/")])
    }
}

/// The values of a list (`NameList`) one commit stores and how many of its new events have
/// each: added to the table's counts in the commit's transaction, and to the tier's known
/// values only once that transaction has committed (a rolled-back value known in memory
/// would hide its events from every later query).
struct NewNames {
    /// Nil once the list is dropped (past `limit` names).
    private(set) var known: Set<[UInt8]>?
    /// The commit's values not known before.
    private(set) var added: Set<[UInt8]> = []
    /// The commit's events per value, and the run of the last value (counted when it ends:
    /// events of one value often come together, and the run costs no hashing).
    private var counts: [[UInt8]: Int] = [:]
    private var last: [UInt8]?
    private var run = 0
    /// This commit takes the list past its limit: it drops it.
    private(set) var dropping = false
    let limit: Int

    init(known: Set<[UInt8]>?, limit: Int) {
        self.known = known
        self.limit = limit
    }

    /// Counts `events` new events with value `name`, while the list is kept.
    mutating func record(_ name: UnsafeRawBufferPointer, events: Int) {
        guard let known, !dropping else { return }
        if let last, last.count == name.count, last.withUnsafeBytes({ $0.elementsEqual(name) }) {
            run += events
            return
        }
        endRun()
        let bytes = Array(name)
        if counts[bytes] == nil, !known.contains(bytes), !added.contains(bytes) {
            guard known.count + added.count < limit else {
                dropping = true
                added.removeAll()
                counts.removeAll()
                return
            }
            added.insert(bytes)
        }
        last = bytes
        run = events
    }

    private mutating func endRun() {
        if let last, run > 0 { counts[last, default: 0] += run }
        last = nil
        run = 0
    }

    /// The commit's events per value, to add to the table (none once the list is dropping).
    mutating func tally() -> [(name: [UInt8], events: Int)] {
        endRun()
        guard !dropping else { return [] }
        return counts.map { ($0.key, $0.value) }
    }

    /// The commit went through: its names are stored, or the list is gone.
    mutating func committed() {
        if dropping {
            known = nil
        } else {
            known?.formUnion(added)
        }
        reset()
    }

    /// The commit was rolled back: its names are not stored, the list not dropped.
    mutating func rolledBack() { reset() }

    /// A purge that removed these values (their events all gone) has committed.
    mutating func forget(_ names: [[UInt8]]) {
        for name in names { known?.remove(name) }
    }

    private mutating func reset() {
        dropping = false
        added.removeAll()
        counts.removeAll(keepingCapacity: true)
        last = nil
        run = 0
    }
}
