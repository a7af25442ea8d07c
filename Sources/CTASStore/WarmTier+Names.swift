import CTASCore

/// A list the store keeps of the distinct values of one `events` column: the names of the
/// sources (schema 8) and the types (schema 9) it has events of. A query for a source or a
/// type that none of them is answers at once, instead of reading every stored event to find
/// none, and an analyst who named none of them is shown what there is. Rows are only added,
/// in the transaction that stores a value's first event; retention leaves them (a value
/// listed whose events are gone only costs that query its scan).
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

/// The values of a list (`NameList`) one commit stores first: added to the table in the
/// commit's transaction, and to the tier's known values only once that transaction has
/// committed (a rolled-back value known in memory would hide its events from every later
/// query).
struct NewNames {
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
