import CTASCore
import H3

/// Events by H3 cell, through (ten-minute bucket of event time, resolution-15 cell, time,
/// seq): a cell of any resolution is a range of its resolution-15 descendants, scanned
/// bucket by bucket, one index seek per bucket. The rows are kept in two levels,
/// `event_cells` and `recent_cells` (see `WarmTier+Cells`), and every question here asks
/// both; a read-only database from before schema 7 is asked through its `events_cell` index.
extension WarmReader {
    /// `cell BETWEEN …` on `events`: the cell's resolution-15 descendants (an impossible range
    /// for an invalid cell, so nothing matches).
    static func cellClause(_ cell: H3Index, _ clauses: inout [String], _ args: inout [SQLiteValue]) {
        let range = GeoCell.storedRange(under: cell)
        clauses.append(range == nil ? "0" : "cell BETWEEN ? AND ?")
        if let range { args += [.integer(range.lowerBound), .integer(range.upperBound)] }
    }

    /// One bucket's rows of a cell within [since, until): the condition on a level table (or,
    /// before schema 7, on `events`) and its arguments for a bucket. Nil for an invalid cell.
    struct CellRange {
        let condition: String
        let arguments: (Int64) -> [SQLiteValue]
    }

    func cellRange(_ cell: H3Index, since: Timestamp?, until: Timestamp?) -> CellRange? {
        guard let range = GeoCell.storedRange(under: cell) else { return nil }
        var condition = celled ? "bucket = ? AND cell BETWEEN ? AND ?" : "ts / \(WarmTier.cellBucketMicros) = ? AND cell BETWEEN ? AND ?"
        var times: [SQLiteValue] = []
        if let since { condition += " AND ts >= ?"; times.append(.integer(since.microseconds)) }
        if let until { condition += " AND ts < ?"; times.append(.integer(until.microseconds)) }
        return CellRange(condition: condition) { [.integer($0), .integer(range.lowerBound), .integer(range.upperBound)] + times }
    }

    /// The term on `events` keeping one bucket's rows of `range` (bound with `cellArguments`).
    func cellTerm(_ range: CellRange) -> String {
        celled ? "seq IN (SELECT seq FROM event_cells WHERE \(range.condition) UNION ALL SELECT seq FROM recent_cells WHERE \(range.condition))"
               : range.condition
    }

    /// How many events one bucket's rows of `range` hold, from the index alone (bound with
    /// `cellArguments`).
    func cellCount(_ range: CellRange) -> String {
        celled
            ? "SELECT (SELECT count(*) FROM event_cells WHERE \(range.condition)) + (SELECT count(*) FROM recent_cells WHERE \(range.condition))"
            : "SELECT count(*) FROM events WHERE \(range.condition)"
    }

    /// The arguments of `cellTerm` and `cellCount` for one bucket: the range's, once per level.
    func cellArguments(_ range: CellRange, bucket: Int64) -> [SQLiteValue] {
        let once = range.arguments(bucket)
        return celled ? once + once : once
    }

    /// Walks the buckets that hold located events within [since, until), newest or oldest
    /// first, one index seek per bucket (so a few outliers decades apart cost nothing),
    /// until `body` returns false.
    func forEachBucket(since: Timestamp?, until: Timestamp?, newestFirst: Bool,
                       _ body: (Int64) throws(StoreError) -> Bool) throws(StoreError) {
        let width = WarmTier.cellBucketMicros
        let low = since.map { $0.microseconds / width } ?? .min
        let high = until.map { ($0.microseconds - 1) / width } ?? .max
        guard low <= high else { return }
        let seek: SQLiteStatement
        // The nearest bucket from `bound` on (downwards when newest first), up to the far end.
        func toward(_ key: String) -> String {
            newestFirst ? "\(key) <= ? AND \(key) >= ? ORDER BY \(key) DESC LIMIT 1" : "\(key) >= ? AND \(key) <= ? ORDER BY \(key) LIMIT 1"
        }
        if celled {
            let nearest = { (table: String) in "SELECT * FROM (SELECT bucket FROM \(table) WHERE \(toward("bucket")))" }
            seek = try database.prepare("SELECT \(newestFirst ? "max" : "min")(bucket) FROM (\(nearest("event_cells")) UNION ALL \(nearest("recent_cells")))")
        } else {
            let expression = "ts / \(width)"
            seek = try database.prepare("SELECT \(expression) FROM events WHERE cell IS NOT NULL AND \(toward(expression))")
        }
        var bound = newestFirst ? high : low
        let far = newestFirst ? low : high
        while true {
            seek.reset()
            try seek.bind(celled ? [.integer(bound), .integer(far), .integer(bound), .integer(far)] : [.integer(bound), .integer(far)])
            guard try seek.step(), !seek.isNull(0) else { return }
            let bucket = seek.int64(0)
            guard try body(bucket) else { return }
            if newestFirst {
                guard bucket > low, bucket > .min else { return }
                bound = bucket - 1
            } else {
                guard bucket < high, bucket < .max else { return }
                bound = bucket + 1
            }
        }
    }

    /// The events of `q` located in `cell` (any resolution; descendants included), bucket by
    /// bucket in time order until `q.limit` are found.
    func forEachEvent(in cell: H3Index, matching q: EventQuery, _ body: (Event) throws(StoreError) -> Void) throws(StoreError) {
        guard q.limit > 0, let range = cellRange(cell, since: q.since, until: q.until) else { return }
        let (clauses, args) = self.clauses(q)
        let order = q.newestFirst ? " ORDER BY ts DESC, seq DESC" : " ORDER BY ts, seq"
        let s = try database.prepare("SELECT \(columns) FROM events WHERE " + ([cellTerm(range)] + clauses).joined(separator: " AND ") + order + " LIMIT ?")
        var found = 0
        try forEachBucket(since: q.since, until: q.until, newestFirst: q.newestFirst) { (bucket) throws(StoreError) -> Bool in
            s.reset()
            try s.bind(cellArguments(range, bucket: bucket) + args + [.integer(Int64(q.limit - found))])
            while try s.step() {
                found += 1
                try body(Self.event(from: s))
            }
            return found < q.limit
        }
    }

    /// What a cell holds since `since`: its event count (exact, from the index alone) and
    /// the most frequent types and sources among its newest `sample` events (most first, at
    /// most `top` each), so a cell of any size answers in milliseconds.
    public func cellSummary(_ cell: H3Index, since: Timestamp?, until: Timestamp? = nil, top: Int = 5, sample: Int = 2_000) throws(StoreError) -> CellSummary {
        var summary = CellSummary()
        guard let range = cellRange(cell, since: since, until: until) else { return summary }
        let count = try database.prepare(cellCount(range))
        let rows = try database.prepare("SELECT type, source FROM events WHERE " + cellTerm(range) + " ORDER BY ts DESC LIMIT ?")
        var types: [String: Int] = [:]
        var sources: [String: Int] = [:]
        try forEachBucket(since: since, until: until, newestFirst: true) { (bucket) throws(StoreError) -> Bool in
            let arguments = cellArguments(range, bucket: bucket)
            count.reset()
            try count.bind(arguments)
            if try count.step() { summary.count += Int(count.int64(0)) }
            guard summary.sampled < sample else { return true }
            rows.reset()
            try rows.bind(arguments + [.integer(Int64(sample - summary.sampled))])
            while try rows.step() {
                summary.sampled += 1
                if let t = rows.text(0) { types[t, default: 0] += 1 }
                if let s = rows.text(1) { sources[s, default: 0] += 1 }
            }
            return true
        }
        func ranked(_ counts: [String: Int]) -> [CellSummary.Count] {
            counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(max(0, top))
                .map { CellSummary.Count(value: $0.key, count: $0.value) }
        }
        summary.types = ranked(types)
        summary.sources = ranked(sources)
        return summary
    }
}
