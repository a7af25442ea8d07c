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
    ///
    /// Each bucket's keys (time, seq) are read from the cell index alone and ordered here;
    /// rows are then read one by one, in that order, only until the limit is reached. Asking
    /// SQLite for `seq IN (…) ORDER BY ts LIMIT n` read and sorted every row of the bucket
    /// whole (a busy region's newest 500 read 2,300 rows with their original records). That
    /// query still answers a bucket whose keys would not fit `cellKeysHeld` (a dense feed's
    /// ten minutes in one city, read with other filters or a large limit): SQLite's sorter
    /// spills to disk where an array would not.
    func forEachEvent(in cell: H3Index, matching q: EventQuery, _ body: (Event) throws(StoreError) -> Void) throws(StoreError) {
        guard q.limit > 0, let range = cellRange(cell, since: q.since, until: q.until) else { return }
        let (clauses, args) = self.clauses(q)
        var found = 0
        var sorted: SQLiteStatement?
        /// One bucket by SQLite's own sort (and the `events_cell` index before schema 7).
        func sortedBySQLite(_ bucket: Int64) throws(StoreError) {
            if sorted == nil {
                let order = q.newestFirst ? " ORDER BY ts DESC, seq DESC" : " ORDER BY ts, seq"
                sorted = try database.prepare("SELECT \(columns) FROM events WHERE " + ([cellTerm(range)] + clauses).joined(separator: " AND ") + order + " LIMIT ?")
            }
            guard let s = sorted else { return }
            s.reset()
            // A filter keeps some rows of those read: the limit is then counted here.
            try s.bind(cellArguments(range, bucket: bucket) + args + [.integer(q.filter == nil ? Int64(q.limit - found) : Int64.max)])
            while found < q.limit, try s.step() {
                let event = Self.event(from: s)
                guard q.keeps(event) else { continue }
                found += 1
                try body(event)
            }
        }
        guard celled else {
            try forEachBucket(since: q.since, until: q.until, newestFirst: q.newestFirst) { (bucket) throws(StoreError) -> Bool in
                try sortedBySQLite(bucket)
                return found < q.limit
            }
            return
        }
        let keys = try database.prepare(cellKeysQuery(range))
        let row = try database.prepare("SELECT \(columns) FROM events WHERE " + (["seq = ?"] + clauses).joined(separator: " AND "))
        try row.bind([.integer(0)] + args)   // the seq is bound again for each row; the rest stays bound
        var bucketKeys: [CellKey] = []
        try forEachBucket(since: q.since, until: q.until, newestFirst: q.newestFirst) { (bucket) throws(StoreError) -> Bool in
            // With no other filter every key read is a row returned: only the first the limit
            // still takes are kept. A filter may refuse rows, so then the bucket's keys are all
            // kept, up to `cellKeysHeld`.
            let needed = q.limit - found
            let best = clauses.isEmpty && q.filter == nil && needed <= cellKeysHeld ? needed : nil
            guard try readCellKeys(keys, range, bucket: bucket, newestFirst: q.newestFirst, best: best, into: &bucketKeys) != nil else {
                try sortedBySQLite(bucket)
                return found < q.limit
            }
            for key in bucketKeys {
                row.rewind()
                row.bind(key.seq, at: 1)
                guard try row.step() else { continue }
                let event = Self.event(from: row)
                guard q.keeps(event) else { continue }
                found += 1
                try body(event)
                if found >= q.limit { return false }
            }
            return true
        }
    }

    /// An event's place in a cell's time order: its time, then its seq.
    struct CellKey: Comparable {
        var ts: Int64
        var seq: Int64

        static func < (a: CellKey, b: CellKey) -> Bool { a.ts != b.ts ? a.ts < b.ts : a.seq < b.seq }
    }

    /// The (time, seq) of one bucket's rows of `range`, both levels, from the index alone
    /// (bound with `cellArguments`).
    func cellKeysQuery(_ range: CellRange) -> String {
        "SELECT ts, seq FROM event_cells WHERE \(range.condition) UNION ALL SELECT ts, seq FROM recent_cells WHERE \(range.condition)"
    }

    /// Reads one bucket's keys (`cellKeysQuery`) into `keys` in time order, newest first when
    /// asked, and returns how many the bucket holds. With `best`, only the first `best` of
    /// that order are kept, the rest dropped as they come (memory stays bounded however many
    /// the bucket holds); without it every key is kept, and nil is returned (keys emptied)
    /// once there are more than `cellKeysHeld`.
    func readCellKeys(_ statement: SQLiteStatement, _ range: CellRange, bucket: Int64, newestFirst: Bool, best: Int?,
                      into keys: inout [CellKey]) throws(StoreError) -> Int? {
        keys.removeAll(keepingCapacity: true)
        statement.reset()
        try statement.bind(cellArguments(range, bucket: bucket))
        func order() { if newestFirst { keys.sort(by: >) } else { keys.sort() } }
        // Kept keys are sorted and cut to `best` whenever they reach twice that: each key is
        // sorted a few times at most.
        let compactAt = best.map { max(2 * $0, cellKeysCompactedFrom) } ?? Int.max
        var total = 0
        while try statement.step() {
            total += 1
            keys.append(CellKey(ts: statement.int64(0), seq: statement.int64(1)))
            if keys.count >= compactAt, let best {
                order()
                keys.removeLast(keys.count - best)
            } else if best == nil, keys.count > cellKeysHeld {
                keys.removeAll()
                return nil
            }
        }
        order()
        if let best, keys.count > best { keys.removeLast(keys.count - best) }
        return total
    }

    /// What a cell holds since `since`: its event count (exact, from the index alone) and
    /// the most frequent types and sources among its newest `sample` events (most first, at
    /// most `top` each), so a cell of any size answers in milliseconds.
    public func cellSummary(_ cell: H3Index, since: Timestamp?, until: Timestamp? = nil, top: Int = 5, sample: Int = 2_000) throws(StoreError) -> CellSummary {
        var summary = CellSummary()
        guard let range = cellRange(cell, since: since, until: until) else { return summary }
        let count = try database.prepare(cellCount(range))
        var types: [String: Int] = [:]
        var sources: [String: Int] = [:]
        func tally(_ statement: SQLiteStatement) {
            summary.sampled += 1
            if let t = statement.text(0) { types[t, default: 0] += 1 }
            if let s = statement.text(1) { sources[s, default: 0] += 1 }
        }
        if celled {
            // The sampled buckets' keys give their counts too; the rest are counted by the index.
            let keys = try database.prepare(cellKeysQuery(range))
            let row = try database.prepare("SELECT type, source FROM events WHERE seq = ?")
            var bucketKeys: [CellKey] = []
            try forEachBucket(since: since, until: until, newestFirst: true) { (bucket) throws(StoreError) -> Bool in
                guard summary.sampled < sample else {
                    count.reset()
                    try count.bind(cellArguments(range, bucket: bucket))
                    if try count.step() { summary.count += Int(count.int64(0)) }
                    return true
                }
                // The newest keys the sample still takes, read in seq order: neighbouring rows
                // share pages (the tally does not depend on the order).
                summary.count += try readCellKeys(keys, range, bucket: bucket, newestFirst: true, best: sample - summary.sampled, into: &bucketKeys) ?? 0
                let seqs = bucketKeys.map(\.seq).sorted()
                for seq in seqs {
                    row.rewind()
                    row.bind(seq, at: 1)
                    if try row.step() { tally(row) }
                }
                return true
            }
        } else {
            let rows = try database.prepare("SELECT type, source FROM events WHERE " + cellTerm(range) + " ORDER BY ts DESC LIMIT ?")
            try forEachBucket(since: since, until: until, newestFirst: true) { (bucket) throws(StoreError) -> Bool in
                let arguments = cellArguments(range, bucket: bucket)
                count.reset()
                try count.bind(arguments)
                if try count.step() { summary.count += Int(count.int64(0)) }
                guard summary.sampled < sample else { return true }
                rows.reset()
                try rows.bind(arguments + [.integer(Int64(sample - summary.sampled))])
                while try rows.step() { tally(rows) }
                return true
            }
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
