import CTASCore

/// A reference for benchmarks: the same rows inserted through one prepared statement in
/// 10,000-row transactions, with nothing else going on. Measured in the same run as CTAS's
/// own ingest, it says what share of SQLite's own speed the pipeline reaches.
public final class SQLiteReference {
    private let database: SQLiteDatabase
    private let insert: SQLiteStatement
    private var scratch: [UInt8] = []
    public private(set) var rows = 0
    public private(set) var nanoseconds: UInt64 = 0

    /// `indexes`: a unique id and a time index, as the warm tier has.
    public init(path: String, indexes: Bool) throws(StoreError) {
        database = try SQLiteDatabase(path: path)
        try database.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16000")
        try database.execute("""
            CREATE TABLE IF NOT EXISTS events(seq INTEGER PRIMARY KEY, id TEXT NOT NULL\(indexes ? " UNIQUE" : ""), ts INTEGER NOT NULL,
              type TEXT NOT NULL, severity INTEGER, source TEXT, lat REAL, lon REAL, entity TEXT, priority INTEGER,
              indicators TEXT, description TEXT, tags TEXT, ingested INTEGER NOT NULL)
            """)
        if indexes { try database.execute("CREATE INDEX IF NOT EXISTS events_ts ON events(ts)") }
        insert = try database.prepare("""
            INSERT INTO events(id, ts, type, severity, source, lat, lon, entity, priority, indicators, description, tags, ingested)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
            """)
    }

    /// Inserts `events` in one transaction, adding the time taken to `nanoseconds`.
    public func insert(_ events: [Event], clock: () -> UInt64) throws(StoreError) {
        let started = clock()
        try database.transaction { () throws(StoreError) in
            for e in events {
                let s = insert
                s.bind(e.id, at: 1)
                s.bind(e.timestamp.microseconds, at: 2)
                s.bind(e.type, at: 3)
                if let v = e.severity { s.bind(Int64(v.value), at: 4) }
                s.bind(e.source, at: 5)
                if let p = e.location { s.bind(p.latitude, at: 6); s.bind(p.longitude, at: 7) }
                s.bind(e.entity, at: 8)
                if let p = e.priority { s.bind(Int64(p.rawValue), at: 9) }
                if !e.indicators.isEmpty {
                    scratch.removeAll(keepingCapacity: true)
                    JSONString.appendArray(e.indicators, to: &scratch)
                    scratch.withUnsafeBufferPointer { s.bind(bytes: $0, at: 10) }
                }
                s.bind(e.description, at: 11)
                if !e.tags.isEmpty {
                    scratch.removeAll(keepingCapacity: true)
                    JSONString.appendArray(e.tags, to: &scratch)
                    scratch.withUnsafeBufferPointer { s.bind(bytes: $0, at: 12) }
                }
                s.bind(Int64(0), at: 13)
                try s.step()
                s.reset()
            }
        }
        nanoseconds += clock() - started
        rows += events.count
    }

    public var rowsPerSecond: Double { nanoseconds == 0 ? 0 : Double(rows) / (Double(nanoseconds) / 1e9) }
}
