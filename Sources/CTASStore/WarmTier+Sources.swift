import CTASCore

/// The names of the sources the store has events from (schema 8): a query for a source none
/// of them is answers at once, instead of reading every stored event to find none. Rows are
/// only added, in the transaction that stores a source's first event; retention leaves them
/// (a name listed whose events are gone only costs that query its scan).
extension WarmTier {
    static func migrateSources(_ db: SQLiteDatabase) throws(StoreError) {
        try db.execute("""
            CREATE TABLE IF NOT EXISTS event_sources(source TEXT PRIMARY KEY) WITHOUT ROWID;
            INSERT OR IGNORE INTO event_sources(source) SELECT DISTINCT source FROM events WHERE source IS NOT NULL;
            """)
    }

    /// The source names stored, read at open.
    static func readSources(_ db: SQLiteDatabase) throws(StoreError) -> Set<[UInt8]> {
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
    private(set) var known: Set<[UInt8]>
    private(set) var added: [[UInt8]] = []
    private var last: [UInt8]?

    init(known: Set<[UInt8]>) { self.known = known }

    /// Whether `name` is new to the store (and not yet added by this commit).
    mutating func isNew(_ name: UnsafeRawBufferPointer) -> Bool {
        if let last, last.count == name.count, last.withUnsafeBytes({ $0.elementsEqual(name) }) { return false }
        let bytes = Array(name)
        last = bytes
        guard !known.contains(bytes), !added.contains(bytes) else { return false }
        added.append(bytes)
        return true
    }

    /// The commit went through: its names are stored.
    mutating func committed() {
        known.formUnion(added)
        added.removeAll()
        last = nil
    }

    /// The commit was rolled back: its names are not stored.
    mutating func rolledBack() {
        added.removeAll()
        last = nil
    }
}
