import CTASCore
import H3

/// What to fetch from stored events; every filter is optional and they combine with AND.
public struct EventQuery: Sendable, Equatable {
    public var id: String?
    public var types: [String] = []
    public var since: Timestamp?
    public var until: Timestamp?
    public var source: String?
    public var entity: String?
    public var minimumSeverity: Int?
    /// Events whose risk score (given at acceptance) is at least this; events stored before
    /// scores existed have none and are left out.
    public var minimumRisk: Int?
    /// Events of one flow (EVE `flow_id`, Zeek `uid`).
    public var flow: String?
    /// Events placed in this country (ISO code).
    public var country: String?
    /// Events whose place came from this autonomous system.
    public var asn: UInt32?
    /// Events located in this H3 cell (any resolution; finer cells included).
    public var cell: H3Index?
    /// Events the console's filter language keeps (`desc:"ET SCAN" -src:lab sev>=3`), applied
    /// to each row read; the limit counts the events it keeps.
    public var filter: EventFilter?
    public var limit: Int = 100
    public var newestFirst = false

    public init() {}

    /// Whether the filter (if any) keeps `event`.
    func keeps(_ event: Event) -> Bool { filter?.matches(event) ?? true }
}

/// What a cell holds: how many events, and which types and sources most.
public struct CellSummary: Sendable, Equatable {
    public struct Count: Sendable, Equatable {
        public var value: String
        public var count: Int

        public init(value: String, count: Int) {
            self.value = value
            self.count = count
        }
    }
    public var count = 0
    /// How many of the newest events the top types and sources were counted over.
    public var sampled = 0
    public var types: [Count] = []
    public var sources: [Count] = []

    public init() {}
}

/// A read-only view of the warm tier for queries; WAL lets it read while a writer commits.
public final class WarmReader {
    public let database: SQLiteDatabase

    /// Opens the warm database of a data directory; a clear error when none exists yet (no
    /// file, or a file whose schema was never committed: a first run killed while starting).
    public init(path: String) throws(StoreError) {
        let none = StoreError.noStoredEvents(path: path)
        var info = stat()
        guard stat(path, &info) == 0 else { throw none }
        database = try SQLiteDatabase(path: path, readOnly: true)
        guard try database.scalar("PRAGMA user_version") ?? 0 > 0 else { throw none }
        columns = Self.baseColumns + (try database.columnExists("risk", in: "events") ? ", risk, risk_parts" : ", NULL, NULL")
        keyed = try database.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'recent_ids'") ?? 0 > 0
        celled = try database.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'recent_cells'") ?? 0 > 0
        listsSources = try database.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'event_sources'") ?? 0 > 0
        listsTypes = try database.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'event_types'") ?? 0 > 0
    }

    /// Whether `path` holds a warm tier with its schema set up.
    public static func exists(at path: String) -> Bool {
        (try? WarmReader(path: path)) != nil
    }

    /// The columns an event is read from; a database from before risk scores (read-only, so
    /// never migrated) reads them as NULL.
    let columns: String
    /// Whether ids and flows are kept in key tables (schema 6 on); a database from before
    /// (read-only, so never migrated) is searched on its columns.
    let keyed: Bool
    /// Whether cells are kept in cell tables (schema 7 on); a database from before is searched
    /// through its `events_cell` index.
    let celled: Bool
    /// Whether the store has a list of its sources' names (schema 8 on); a database from
    /// before (read-only, so never migrated) is searched on its column. Whether the list is
    /// still kept (not dropped past its limit) is read with the names, in the same read
    /// transaction: a reader can live longer than the list (the console's).
    let listsSources: Bool
    /// Whether the store has a list of its events' types (schema 9 on), read the same way.
    let listsTypes: Bool
    /// Keys one bucket's read of a cell holds at most (16 MB; see `forEachEvent(in:matching:)`),
    /// and the fewest kept keys that are sorted and cut (small in tests, to reach both paths).
    var cellKeysHeld = 1 << 20
    var cellKeysCompactedFrom = 4_096
    static let baseColumns = "id, ts, type, severity, source, lat, lon, entity, priority, indicators, description, tags, original, flow, country, asn, geo_origin"
    /// Columns before `seq` when a query appends it.
    static let columnCount: Int32 = 19

    public func events(_ q: EventQuery) throws(StoreError) -> [Event] {
        var out: [Event] = []
        try forEachEvent(q) { out.append($0) }
        return out
    }

    /// Hands the events of `q` to `body` one at a time, in order, as SQLite reads them: memory
    /// stays flat however many rows match (`ctas query events` streams millions this way).
    public func forEachEvent(_ q: EventQuery, _ body: (Event) throws(StoreError) -> Void) throws(StoreError) {
        if let source = q.source, try !mayHold(source: source) { return }
        if !q.types.isEmpty, try !mayHold(anyTypeOf: q.types) { return }
        if let cell = q.cell {
            try forEachEvent(in: cell, matching: q, body)
            return
        }
        var (clauses, args) = self.clauses(q)
        var sql = "SELECT \(columns) FROM events"
        if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
        sql += q.newestFirst ? " ORDER BY ts DESC, seq DESC" : " ORDER BY ts, seq"
        // A filter keeps some rows of those read: the limit is then counted here.
        if q.filter == nil {
            sql += " LIMIT ?"
            args.append(.integer(Int64(max(0, q.limit))))
        }
        let s = try database.prepare(sql)
        try s.bind(args)
        var kept = 0
        while kept < q.limit, try s.step() {
            let event = Self.event(from: s)
            guard q.keeps(event) else { continue }
            kept += 1
            try body(event)
        }
    }

    /// The WHERE terms of `q` other than its cell (which needs a bucketed scan).
    func clauses(_ q: EventQuery) -> ([String], [SQLiteValue]) {
        var clauses: [String] = []
        var args: [SQLiteValue] = []
        if let id = q.id { idClause([id], &clauses, &args) }
        if !q.types.isEmpty {
            clauses.append("type IN (\(Array(repeating: "?", count: q.types.count).joined(separator: ",")))")
            args += q.types.map { .text($0) }
        }
        if let since = q.since { clauses.append("ts >= ?"); args.append(.integer(since.microseconds)) }
        if let until = q.until { clauses.append("ts < ?"); args.append(.integer(until.microseconds)) }
        if let source = q.source {
            // A sensor's name matches its logs too: `zeek` matches `zeek/dns`.
            let match = WarmTier.sourceMatch(source)
            clauses.append(match.term)
            args += match.args
        }
        if let entity = q.entity { clauses.append("entity = ?"); args.append(.text(entity)) }
        if let minimum = q.minimumSeverity { clauses.append("severity >= ?"); args.append(.integer(Int64(minimum))) }
        if let minimum = q.minimumRisk { clauses.append("risk >= ?"); args.append(.integer(Int64(minimum))) }
        if let flow = q.flow {
            clauses.append(keyed ? WarmTier.flowMatch : "flow = ?")
            args += Array(repeating: .text(flow), count: keyed ? 2 : 1)
        }
        if let country = q.country { clauses.append("country = ?"); args.append(.text(country.uppercased())) }
        if let asn = q.asn { clauses.append("asn = ?"); args.append(.integer(Int64(asn))) }
        return (clauses, args)
    }

    /// The term keeping events whose id is among `ids`.
    func idClause(_ ids: [String], _ clauses: inout [String], _ args: inout [SQLiteValue]) {
        let texts = ids.map { SQLiteValue.text($0) }
        if keyed {
            clauses.append(WarmTier.idMatch(count: ids.count))
            args += texts + texts
        } else {
            clauses.append("id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ",")))")
            args += texts
        }
    }

    /// The events among `ids` that match `q` (its id field ignored), ordered and limited as
    /// `q` says. Ids are looked up in chunks, so any number may be given.
    ///
    /// The matches are ordered by their time and seq alone, and only the `limit` kept are read
    /// whole: an indicator held by a million events is answered without decoding a million.
    public func events(ids: [String], matching q: EventQuery) throws(StoreError) -> [Event] {
        if let source = q.source, try !mayHold(source: source) { return [] }
        if !q.types.isEmpty, try !mayHold(anyTypeOf: q.types) { return [] }
        var keys: [(seq: Int64, time: Int64)] = []
        var chunkQuery = q
        chunkQuery.id = nil
        var start = 0
        while start < ids.count {
            let chunk = Array(ids[start..<min(ids.count, start + 500)])
            start += chunk.count
            var (clauses, args) = self.clauses(chunkQuery)
            idClause(chunk, &clauses, &args)
            if let cell = q.cell { Self.cellClause(cell, &clauses, &args) }
            let s = try database.prepare("SELECT seq, ts FROM events WHERE " + clauses.joined(separator: " AND "))
            try s.bind(args)
            while try s.step() { keys.append((s.int64(0), s.int64(1))) }
        }
        keys.sort { a, b in
            if a.time != b.time { return q.newestFirst ? a.time > b.time : a.time < b.time }
            return q.newestFirst ? a.seq > b.seq : a.seq < b.seq
        }
        // With a filter, rows are read in order a chunk at a time until the limit is kept.
        let chosen = q.filter == nil ? Array(keys.prefix(max(0, q.limit)).map(\.seq)) : keys.map(\.seq)
        var out: [Event] = []
        start = 0
        while start < chosen.count && out.count < q.limit {
            let chunk = chosen[start..<min(chosen.count, start + 500)]
            start += chunk.count
            var bySeq: [Int64: Event] = [:]
            let s = try database.prepare("SELECT \(columns), seq FROM events WHERE seq IN (\(Array(repeating: "?", count: chunk.count).joined(separator: ",")))")
            try s.bind(chunk.map { .integer($0) })
            while try s.step() { bySeq[s.int64(Self.columnCount)] = Self.event(from: s) }
            for seq in chunk {
                guard let event = bySeq[seq], q.keeps(event) else { continue }
                out.append(event)
                if out.count >= q.limit { break }
            }
        }
        return out
    }

    /// Every stored event's cell (0: no location), time and severity, in storage order (only
    /// those in `since..<until` and up to `throughSeq` when given), for building a geo index.
    /// `stop` is asked before each row: true ends the scan there. Returns the last seq read.
    @discardableResult
    public func scanCells(since: Timestamp? = nil, until: Timestamp? = nil, throughSeq: Int64? = nil,
                          stoppingWhen stop: () -> Bool = { false },
                          _ body: (_ cell: UInt64, _ time: Timestamp, _ severity: Int?) -> Void) throws(StoreError) -> Int64 {
        let (filter, args) = Self.spanFilter(since: since, until: until, throughSeq: throughSeq)
        let s = try database.prepare("SELECT cell, ts, severity, seq FROM events\(filter) ORDER BY seq")
        try s.bind(args)
        var last: Int64 = 0
        while !stop(), try s.step() {
            let cell = s.isNull(0) ? 0 : UInt64(bitPattern: s.int64(0))
            body(cell, Timestamp(microseconds: s.int64(1)), s.isNull(2) ? nil : Int(s.int64(2)))
            last = s.int64(3)
        }
        return last
    }

    /// ` WHERE …` keeping rows in `since..<until` and up to `throughSeq` (each optional), with
    /// its arguments; empty when nothing is given.
    static func spanFilter(since: Timestamp?, until: Timestamp?, throughSeq: Int64?) -> (String, [SQLiteValue]) {
        var clauses: [String] = []
        var args: [SQLiteValue] = []
        if let since { clauses.append("ts >= ?"); args.append(.integer(since.microseconds)) }
        if let until { clauses.append("ts < ?"); args.append(.integer(until.microseconds)) }
        if let throughSeq { clauses.append("seq <= ?"); args.append(.integer(throughSeq)) }
        return (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "), args)
    }

    /// Every stored event's time and severity within `since..<until` (either open), in time
    /// order (the time index's), for a timeline.
    public func scanTimes(since: Timestamp? = nil, until: Timestamp? = nil,
                          _ body: (_ time: Timestamp, _ severity: Int?) -> Void) throws(StoreError) {
        let (filter, args) = Self.spanFilter(since: since, until: until, throughSeq: nil)
        let s = try database.prepare("SELECT ts, severity FROM events INDEXED BY events_ts\(filter) ORDER BY ts")
        try s.bind(args)
        while try s.step() {
            body(Timestamp(microseconds: s.int64(0)), s.isNull(1) ? nil : Int(s.int64(1)))
        }
    }

    /// Every stored event with an entity from `since` on (and up to `throughSeq` when given),
    /// in time order: its time, type, entity, country, AS number and the indicator list as its
    /// stored JSON text (valid only during `body`): the behaviour monitor's history.
    public func scanActivity(since: Timestamp?, throughSeq: Int64?,
                             _ body: (_ time: Timestamp, _ type: String, _ entity: String, _ country: String?, _ asn: UInt32?,
                                      _ indicators: UnsafeRawBufferPointer) -> Void) throws(StoreError) {
        let (filter, args) = Self.spanFilter(since: since, until: nil, throughSeq: throughSeq)
        let s = try database.prepare("SELECT ts, type, entity, country, asn, indicators FROM events INDEXED BY events_ts\(filter) ORDER BY ts")
        try s.bind(args)
        while try s.step() {
            guard let entity = s.text(2), !entity.isEmpty else { continue }
            body(Timestamp(microseconds: s.int64(0)), s.text(1) ?? "", entity, s.text(3),
                 s.isNull(4) ? nil : UInt32(clamping: s.int64(4)), s.textBytes(5))
        }
    }

    /// Every stored event with an entity after `afterSeq` and up to `throughSeq`, in storage
    /// order (the order a live run saw them): what `scanActivity(since:throughSeq:)` gives,
    /// for a behaviour monitor saved at `afterSeq` to catch up.
    public func scanActivity(afterSeq: Int64, throughSeq: Int64,
                             _ body: (_ time: Timestamp, _ type: String, _ entity: String, _ country: String?, _ asn: UInt32?,
                                      _ indicators: UnsafeRawBufferPointer) -> Void) throws(StoreError) {
        let s = try database.prepare("SELECT ts, type, entity, country, asn, indicators FROM events WHERE seq > ? AND seq <= ? ORDER BY seq")
        try s.bind([.integer(afterSeq), .integer(throughSeq)])
        while try s.step() {
            guard let entity = s.text(2), !entity.isEmpty else { continue }
            body(Timestamp(microseconds: s.int64(0)), s.text(1) ?? "", entity, s.text(3),
                 s.isNull(4) ? nil : UInt32(clamping: s.int64(4)), s.textBytes(5))
        }
    }

    /// The id of the event stored as `seq` (nil when there is none: never stored, or gone by
    /// retention).
    public func id(atSeq seq: Int64) throws(StoreError) -> String? {
        let s = try database.prepare("SELECT id FROM events WHERE seq = ?")
        try s.bind([.integer(seq)])
        return try s.step() ? s.text(0) : nil
    }

    /// What a behaviour scan needs of each stored event in `since..<until` (either open), in
    /// time order then storage order (as `forEachEvent` gives them), without making events:
    /// time, entity, type, country, AS number, and the indicator list as its stored JSON text
    /// (valid only during `body`).
    public func scanBehaviour(since: Timestamp?, until: Timestamp?,
                              _ body: (_ time: Timestamp, _ entity: String?, _ type: String, _ country: String?, _ asn: UInt32?,
                                       _ indicators: UnsafeRawBufferPointer) -> Void) throws(StoreError) {
        let (filter, args) = Self.spanFilter(since: since, until: until, throughSeq: nil)
        let s = try database.prepare("SELECT ts, entity, type, country, asn, indicators FROM events\(filter) ORDER BY ts, seq")
        try s.bind(args)
        while try s.step() {
            body(Timestamp(microseconds: s.int64(0)), s.text(1), s.text(2) ?? "", s.text(3),
                 s.isNull(4) ? nil : UInt32(clamping: s.int64(4)), s.textBytes(5))
        }
    }

    /// The time of the `rank`-th newest stored event (1: the newest); nil when fewer are stored.
    public func time(ofNewest rank: Int) throws(StoreError) -> Timestamp? {
        guard rank >= 1 else { return nil }
        let s = try database.prepare("SELECT ts FROM events INDEXED BY events_ts ORDER BY ts DESC LIMIT 1 OFFSET ?")
        try s.bind([.integer(Int64(rank - 1))])
        guard try s.step() else { return nil }
        return Timestamp(microseconds: s.int64(0))
    }

    /// The oldest stored event time (nil when empty).
    public func oldest() throws(StoreError) -> Timestamp? {
        let s = try database.prepare("SELECT min(ts) FROM events")
        guard try s.step(), !s.isNull(0) else { return nil }
        return Timestamp(microseconds: s.int64(0))
    }

    /// The newest stored event time and the highest seq (nil when empty).
    ///
    /// Two queries: SQLite answers a lone `max()` from one end of an index, but a query with
    /// two aggregates scans the whole time index (2.4 s at ten million events, every start).
    public func newest() throws(StoreError) -> (time: Timestamp, seq: Int64)? {
        guard let time = try database.scalar("SELECT max(ts) FROM events"),
              let seq = try database.scalar("SELECT max(seq) FROM events") else { return nil }
        return (Timestamp(microseconds: time), seq)
    }

    /// Whether any stored event may come from `source` (itself or one of its logs): false only
    /// when the store keeps its sources' names and none matches, answered from that short list.
    public func mayHold(source: String) throws(StoreError) -> Bool {
        guard listsSources else { return true }
        return try database.reading { () throws(StoreError) -> Bool in
            guard try WarmTier.isKept(.sources, database) else { return true }
            let match = WarmTier.sourceMatch(source)
            let s = try database.prepare("SELECT 1 FROM event_sources WHERE \(match.term) LIMIT 1")
            try s.bind(match.args)
            return try s.step()
        }
    }

    /// The names of the stored sources, sorted (nil when the store does not keep them): what
    /// an analyst who named none of them can choose from.
    public func sourceNames(limit: Int = 50) throws(StoreError) -> [String]? {
        guard listsSources else { return nil }
        return try names(.sources, limit: limit)
    }

    /// Whether any stored event may have one of `types` (exactly): false only when the store
    /// keeps its types and none of them is listed.
    public func mayHold(anyTypeOf types: [String]) throws(StoreError) -> Bool {
        guard listsTypes, !types.isEmpty else { return true }
        return try database.reading { () throws(StoreError) -> Bool in
            guard try WarmTier.isKept(.types, database) else { return true }
            let s = try database.prepare("SELECT 1 FROM event_types WHERE type IN (\(Array(repeating: "?", count: types.count).joined(separator: ","))) LIMIT 1")
            try s.bind(types.map { .text($0) })
            return try s.step()
        }
    }

    /// The stored events' types, sorted (nil when the store does not keep them).
    public func typeNames(limit: Int = 50) throws(StoreError) -> [String]? {
        guard listsTypes else { return nil }
        return try names(.types, limit: limit)
    }

    /// A list's first `limit` values in order, read with whether it is kept in one read
    /// transaction (nil once dropped).
    private func names(_ list: NameList, limit: Int) throws(StoreError) -> [String]? {
        try database.reading { () throws(StoreError) -> [String]? in
            guard try WarmTier.isKept(list, database) else { return nil }
            let s = try database.prepare("SELECT \(list.column) FROM \(list.table) ORDER BY \(list.column) LIMIT ?")
            s.bind(Int64(max(0, limit)), at: 1)
            var names: [String] = []
            while try s.step() { names.append(s.text(0) ?? "") }
            return names
        }
    }

    public func count() throws(StoreError) -> Int { Int(try database.scalar("SELECT count(*) FROM events") ?? 0) }

    /// Stored events newest first (by arrival), from just before `beforeSeq`, keeping those
    /// `predicate` accepts, until `limit` are found or `scanLimit` rows were read. Returns
    /// them with the sequence number to continue from (nil at the oldest).
    public func scanNewest(before beforeSeq: Int64?, limit: Int, scanLimit: Int = 200_000,
                           where predicate: (Event) -> Bool) throws(StoreError) -> (events: [Event], next: Int64?) {
        let sql = beforeSeq == nil
            ? "SELECT \(columns), seq FROM events ORDER BY seq DESC"
            : "SELECT \(columns), seq FROM events WHERE seq < ? ORDER BY seq DESC"
        let s = try database.prepare(sql)
        if let beforeSeq { s.bind(beforeSeq, at: 1) }
        var out: [Event] = []
        var scanned = 0
        var lastSeq: Int64?
        while out.count < limit, scanned < scanLimit, try s.step() {
            scanned += 1
            lastSeq = s.int64(Self.columnCount)
            let event = Self.event(from: s)
            if predicate(event) { out.append(event) }
        }
        let exhausted = out.count < limit && scanned < scanLimit
        return (out, exhausted ? nil : lastSeq)
    }

    /// All stored ids, in insertion order (tests and audits).
    public func allIDs() throws(StoreError) -> [String] {
        let s = try database.prepare("SELECT id FROM events ORDER BY seq")
        var out: [String] = []
        while try s.step() { out.append(s.text(0) ?? "") }
        return out
    }

    static func event(from s: SQLiteStatement) -> Event {
        let location: GeoPoint? = s.isNull(5) || s.isNull(6) ? nil : GeoPoint(latitude: s.double(5), longitude: s.double(6))
        return Event(
            id: s.text(0) ?? "", timestamp: Timestamp(microseconds: s.int64(1)), type: s.text(2) ?? "",
            severity: s.isNull(3) ? nil : Severity(Int(s.int64(3))), source: s.text(4), location: location,
            entity: s.text(7), priority: s.isNull(8) ? nil : Priority(rawValue: Int(s.int64(8))),
            indicators: s.text(9).flatMap(JSONString.decodeArray) ?? [],
            description: s.text(10), tags: s.text(11).flatMap(JSONString.decodeArray) ?? [],
            details: Event.Details(original: s.text(12), flow: s.text(13), country: s.text(14),
                                   asn: s.isNull(15) ? nil : UInt32(clamping: s.int64(15)), geoOrigin: s.text(16)),
            risk: s.isNull(17) ? nil : RiskScore(total: s.int64(17), packedParts: s.int64(18)))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
