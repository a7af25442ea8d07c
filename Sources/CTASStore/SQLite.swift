import CSQLite

/// A storage failure, naming the file and what was being done. Cases, not text: callers
/// decide by case (a console says nothing of `noStoredEvents`), and the words are made at the
/// edge (`description`).
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// SQLite refused: the database, what was being done, SQLite's message.
    case sqlite(path: String, doing: String, reason: String)
    /// The data directory holds no events yet (no database, or no schema committed).
    case noStoredEvents(path: String)
    /// The database was written by a newer CTAS.
    case schemaTooNew(path: String, found: Int64, supported: Int64)
    /// A stored row cannot be read back as what it should be.
    case corrupt(path: String, detail: String)
    /// A write was asked of a tier opened for reading.
    case readOnly(path: String)
    /// A file operation failed (the dead-letter file, the data directory).
    case file(path: String, doing: String, reason: String)
    /// A path that should be a directory is something else.
    case notADirectory(path: String)
    /// A rules file line that cannot be read: where, and what was expected.
    case rules(origin: String, line: Int, problem: String)
    /// A routing condition that cannot be read (the rules parser adds where it was).
    case condition(String)

    public var description: String {
        switch self {
        case .sqlite(let path, let doing, let reason): "\(path): \(doing): \(reason)"
        case .noStoredEvents(let path): "\(path): no stored events yet"
        case .schemaTooNew(let path, let found, let supported):
            "\(path): schema version \(found) is newer than this ctas understands (\(supported)); upgrade ctas"
        case .corrupt(let path, let detail): "\(path): \(detail)"
        case .readOnly(let path): "\(path): the graph tier is open read-only"
        case .file(let path, let doing, let reason): "\(path): \(doing): \(reason)"
        case .notADirectory(let path): "\(path): exists and is not a directory; expected a data directory"
        case .rules(let origin, let line, let problem): "\(origin):\(line): \(problem)"
        case .condition(let problem): problem
        }
    }

    /// The description (kept for callers that only print).
    public var message: String { description }
}

/// One SQLite connection. Not thread-safe: each owner (an actor, a command) has its own.
public final class SQLiteDatabase {
    let handle: OpaquePointer
    public let path: String
    /// The write-ahead log's length as commits report it, once `takeOverCheckpoints` ran.
    var logWatch: WriteAheadLogWatch?

    /// Done once, before the first connection initializes SQLite: CTAS never asks SQLite for
    /// its memory statistics, and keeping them took a process-wide lock around every one of
    /// SQLite's allocations (a writer, its readers and the graph's loader all contended).
    private static let configured: Int32 = cs_disable_memory_statistics()

    /// Opens (creating when `readOnly` is false) the database at `path`.
    public init(path: String, readOnly: Bool = false) throws(StoreError) {
        _ = Self.configured
        self.path = path
        var db: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let reason = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw .sqlite(path: path, doing: "cannot open database", reason: reason)
        }
        handle = db
        sqlite3_busy_timeout(db, 5000)
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        // A connection closed with statements still open lives on until they are finalized:
        // its hook must not outlive the watch it points to.
        if logWatch != nil { sqlite3_wal_hook(handle, nil, nil) }
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws(StoreError) {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let reason = error.map { String(cString: $0) } ?? lastError
            sqlite3_free(error)
            throw .sqlite(path: path, doing: "in \(sql.prefix(80))", reason: reason)
        }
    }

    public func prepare(_ sql: String) throws(StoreError) -> SQLiteStatement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            throw .sqlite(path: path, doing: "cannot prepare \(sql.prefix(120))", reason: lastError)
        }
        return SQLiteStatement(stmt, database: self)
    }

    /// Rows changed by the last INSERT/UPDATE/DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    var lastError: String { String(cString: sqlite3_errmsg(handle)) }

    /// Whether `table` has a column named `column`.
    public func columnExists(_ column: String, in table: String) throws(StoreError) -> Bool {
        let s = try prepare("SELECT 1 FROM pragma_table_info(?) WHERE name = ?")
        s.bind(table, at: 1)
        s.bind(column, at: 2)
        return try s.step()
    }

    /// The first column of the first row of a query, as an integer (nil when no row or NULL).
    public func scalar(_ sql: String, _ arguments: [SQLiteValue] = []) throws(StoreError) -> Int64? {
        let stmt = try prepare(sql)
        try stmt.bind(arguments)
        guard try stmt.step() else { return nil }
        return stmt.isNull(0) ? nil : stmt.int64(0)
    }

    /// Reads the blob in `column` of `table`'s row `rowid` in pieces of at most `piece` bytes,
    /// handed to `body` in order, the whole never held at once (a query's column copied a
    /// large blob whole into fresh memory first). `start` is told the blob's size first.
    /// Stops early when `body` returns false; returns whether it read to the end.
    public func readBlob(table: String, column: String, rowid: Int64, piece: Int = 1 << 18, start: (Int) -> Void = { _ in },
                         _ body: (UnsafeRawBufferPointer) -> Bool) throws(StoreError) -> Bool {
        var blob: OpaquePointer?
        guard sqlite3_blob_open(handle, "main", table, column, rowid, 0, &blob) == SQLITE_OK, let blob else {
            throw .sqlite(path: path, doing: "opening the \(table).\(column) blob of row \(rowid)", reason: String(cString: sqlite3_errmsg(handle)))
        }
        defer { sqlite3_blob_close(blob) }
        let total = Int(sqlite3_blob_bytes(blob))
        start(total)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(1, Swift.min(piece, total)), alignment: 16)
        defer { buffer.deallocate() }
        var offset = 0
        while offset < total {
            let n = Swift.min(buffer.count, total - offset)
            guard let base = buffer.baseAddress, sqlite3_blob_read(blob, base, Int32(n), Int32(offset)) == SQLITE_OK else {
                throw .sqlite(path: path, doing: "reading the \(table).\(column) blob of row \(rowid)", reason: String(cString: sqlite3_errmsg(handle)))
            }
            guard body(UnsafeRawBufferPointer(rebasing: buffer[..<n])) else { return false }
            offset += n
        }
        return true
    }

    /// Runs `body` in a read transaction, so that all its statements see the database as it
    /// stood at its first read (a writer's commit meanwhile is not half seen); inside a
    /// transaction already open, in that one.
    public func reading<R>(_ body: () throws(StoreError) -> R) throws(StoreError) -> R {
        guard sqlite3_get_autocommit(handle) != 0 else { return try body() }
        return try run(body, beginning: "BEGIN")
    }

    /// Whether a transaction is open on this connection.
    public var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in a transaction, committing when it returns and rolling back if it throws.
    public func transaction<R>(_ body: () throws(StoreError) -> R) throws(StoreError) -> R {
        try run(body, beginning: "BEGIN IMMEDIATE")
    }

    /// `body` between `begin` and COMMIT, rolled back if it throws.
    private func run<R>(_ body: () throws(StoreError) -> R, beginning begin: String) throws(StoreError) -> R {
        try execute(begin)
        do throws(StoreError) {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}

/// A value bound to or read from a statement.
public enum SQLiteValue: Sendable, Equatable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case null
}

/// A prepared statement; reset and reused for every row of a batch.
public final class SQLiteStatement {
    let handle: OpaquePointer
    unowned let database: SQLiteDatabase

    init(_ handle: OpaquePointer, database: SQLiteDatabase) {
        self.handle = handle
        self.database = database
    }

    deinit { sqlite3_finalize(handle) }

    @inline(__always) public func bind(_ value: Int64, at index: Int32) { sqlite3_bind_int64(handle, index, value) }
    @inline(__always) public func bind(_ value: Double, at index: Int32) { sqlite3_bind_double(handle, index, value) }
    @inline(__always) public func bindNull(at index: Int32) { sqlite3_bind_null(handle, index) }

    @inline(__always)
    public func bind(_ value: String?, at index: Int32) {
        guard var value else { sqlite3_bind_null(handle, index); return }
        value.withUTF8 { bytes in bind(bytes: bytes, at: index) }
    }

    @inline(__always)
    public func bind(bytes: UnsafeBufferPointer<UInt8>, at index: Int32) {
        if let base = bytes.baseAddress, bytes.count > 0 {
            let text = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
            sqlite3_bind_text(handle, index, text, Int32(bytes.count), cs_transient())
        } else {
            sqlite3_bind_text(handle, index, "", 0, cs_static())
        }
    }

    /// Binds a blob that stays valid until the statement is stepped and reset (no copy).
    public func bindStatic(blob: UnsafeRawBufferPointer, at index: Int32) {
        sqlite3_bind_blob(handle, index, blob.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(clamping: blob.count), cs_static())
    }

    /// Binds a blob (copied).
    public func bind(blob: [UInt8], at index: Int32) {
        _ = blob.withUnsafeBytes { raw in
            sqlite3_bind_blob(handle, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(raw.count), cs_transient())
        }
    }

    /// The bytes of a blob column, valid until the next step or reset.
    public func blob(_ column: Int32) -> UnsafeRawBufferPointer {
        let n = Int(sqlite3_column_bytes(handle, column))
        guard let p = sqlite3_column_blob(handle, column), n > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: p, count: n)
    }

    /// Binds text that stays valid until the statement is stepped and reset (no copy).
    @inline(__always)
    public func bindStatic(_ base: UnsafePointer<UInt8>, count: Int, at index: Int32) {
        let text = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
        sqlite3_bind_text(handle, index, text, Int32(count), cs_static())
    }

    public func bind(_ values: [SQLiteValue]) throws(StoreError) {
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            switch value {
            case .integer(let v): bind(v, at: index)
            case .real(let v): bind(v, at: index)
            case .text(let v): bind(v, at: index)
            case .null: bindNull(at: index)
            }
        }
    }

    /// Steps once: true when a row is available, false when done.
    @discardableResult
    public func step() throws(StoreError) -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let message = database.lastError
        sqlite3_reset(handle)
        throw .sqlite(path: database.path, doing: "step", reason: message)
    }

    /// Resets for the next row and clears bindings.
    @inline(__always)
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Resets for the next run keeping the bindings, so a statement run once per key binds
    /// only the key again (values bound as text or blobs were copied, or are static).
    @inline(__always)
    public func rewind() {
        sqlite3_reset(handle)
    }

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    public func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }

    /// The UTF-8 bytes of a text column without making a String, valid until the next step
    /// or reset (for hashing a million values without a million allocations).
    public func textBytes(_ column: Int32) -> UnsafeRawBufferPointer {
        // The pointer first, then its length (SQLite's order: the length is of the converted text).
        guard let p = sqlite3_column_text(handle, column) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        let n = Int(sqlite3_column_bytes(handle, column))
        return UnsafeRawBufferPointer(start: p, count: n)
    }

    public func text(_ column: Int32) -> String? {
        guard let p = sqlite3_column_text(handle, column) else { return nil }
        let n = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }
}
