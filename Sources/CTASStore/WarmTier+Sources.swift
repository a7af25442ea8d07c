import CTASCore

/// The names of the sources the store has events from (schema 8): a query for a source none
/// of them is answers at once, instead of reading every stored event to find none. Rows are
/// only added, in the transaction that stores a source's first event; retention leaves them
/// (a name listed whose events are gone only costs that query its scan).
///
/// A feed that names a source per host or per event would make the list as long as the
/// store: past `sourceNameLimit` names the list is dropped for good (`meta` says so, in the
/// same transaction) and every source query scans, as before the list.
extension WarmTier {
    /// Names kept at most (a SOC's sensors and their logs are tens to thousands).
    public static let defaultSourceNameLimit = 10_000
    /// The `meta` key saying the list was dropped.
    static let sourcesDroppedKey = "event_sources_dropped"

    static func migrateSources(_ db: SQLiteDatabase, limit: Int) throws(StoreError) {
        try db.execute("""
            CREATE TABLE IF NOT EXISTS event_sources(source TEXT PRIMARY KEY) WITHOUT ROWID;
            INSERT OR IGNORE INTO event_sources(source) SELECT DISTINCT source FROM events WHERE source IS NOT NULL;
            """)
        if try db.scalar("SELECT count(*) FROM event_sources") ?? 0 > Int64(limit) { try dropSources(db) }
    }

    /// Gives the list up: every source query scans from now on.
    static func dropSources(_ db: SQLiteDatabase) throws(StoreError) {
        try db.execute("DELETE FROM event_sources; INSERT OR REPLACE INTO meta(key, value) VALUES ('\(sourcesDroppedKey)', 1);")
    }

    /// Whether the list of names is kept (not dropped past its limit).
    static func sourcesKept(_ db: SQLiteDatabase) throws(StoreError) -> Bool {
        try db.scalar("SELECT count(*) FROM meta WHERE key = '\(sourcesDroppedKey)'") ?? 0 == 0
    }

    /// The source names stored, read at open (nil: the list was dropped).
    static func readSources(_ db: SQLiteDatabase) throws(StoreError) -> Set<[UInt8]>? {
        guard try sourcesKept(db) else { return nil }
        var names: Set<[UInt8]> = []
        let s = try db.prepare("SELECT source FROM event_sources")
        while try s.step() { names.insert(Array(s.textBytes(0))) }
        return names
    }

    /// The WHERE term a source filter is: the name itself, or a log of it (`zeek` matches
    /// `zeek/dns`), with its three arguments.
    static func sourceMatch(_ source: String) -> (term: String, args: [SQLiteValue]) {
        ("(source = ? OR substr(source, 1, length(?)) = ?)", [.text(source), .text(source + "/"), .text(source + "/")])
    }
}

/// The sources one commit stores first: added to the table in the commit's transaction, and
/// to the tier's known names only once that transaction has committed (a rolled-back name
/// known in memory would hide its events from every later query).
struct SourceNames {
    /// Nil once the list is dropped (past `limit` names).
    private(set) var known: Set<[UInt8]>?
    private(set) var added: Set<[UInt8]> = []
    /// This commit takes the list past its limit: it drops it.
    private(set) var dropping = false
    private var last: [UInt8]?
    let limit: Int

    init(known: Set<[UInt8]>?, limit: Int) {
        self.known = known
        self.limit = limit
    }

    /// Whether `name` is new to the store (and not yet added by this commit), while the list
    /// is kept.
    mutating func isNew(_ name: UnsafeRawBufferPointer) -> Bool {
        guard let known, !dropping else { return false }
        if let last, last.count == name.count, last.withUnsafeBytes({ $0.elementsEqual(name) }) { return false }
        let bytes = Array(name)
        last = bytes
        guard !known.contains(bytes), !added.contains(bytes) else { return false }
        guard known.count + added.count < limit else {
            dropping = true
            added.removeAll()
            return false
        }
        added.insert(bytes)
        return true
    }

    /// The commit went through: its names are stored, or the list is gone.
    mutating func committed() {
        if dropping {
            known = nil
        } else {
            known?.formUnion(added)
        }
        dropping = false
        added.removeAll()
        last = nil
    }

    /// The commit was rolled back: its names are not stored, the list not dropped.
    mutating func rolledBack() {
        dropping = false
        added.removeAll()
        last = nil
    }
}
