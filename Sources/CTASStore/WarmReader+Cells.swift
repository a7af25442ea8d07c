import CTASCore
import H3

/// Events by H3 cell. The index is (ts / bucket, cell, ts): ten-minute buckets of event
/// time first, so each commit's index entries land in the newest bucket's few pages instead
/// of all over a cell-ordered index (which measured 35% off ingest). A cell query probes
/// each bucket of the time span in order, a range scan of the cell's resolution-15
/// descendants within it.
extension WarmReader {
    /// `cell BETWEEN …`: the cell's resolution-15 descendants (an impossible range for an
    /// invalid cell, so nothing matches).
    static func cellClause(_ cell: H3Index, _ clauses: inout [String], _ args: inout [SQLiteValue]) {
        let range = GeoCell.storedRange(under: cell)
        clauses.append(range == nil ? "0" : "cell BETWEEN ? AND ?")
        if let range { args += [.integer(range.lowerBound), .integer(range.upperBound)] }
    }

    /// Walks the buckets that hold located events within [since, until), newest or oldest
    /// first, one index seek per bucket (so a few outliers decades apart cost nothing),
    /// until `body` returns false.
    func forEachBucket(since: Timestamp?, until: Timestamp?, newestFirst: Bool,
                       _ body: (Int64) throws(StoreError) -> Bool) throws(StoreError) {
        let width = WarmTier.cellBucketMicros
        let expression = "ts / \(width)"
        let low = since.map { $0.microseconds / width } ?? .min
        let high = until.map { ($0.microseconds - 1) / width } ?? .max
        guard low <= high else { return }
        let seek = try database.prepare(newestFirst
            ? "SELECT \(expression) FROM events WHERE \(expression) <= ? AND \(expression) >= ? AND cell IS NOT NULL ORDER BY \(expression) DESC LIMIT 1"
            : "SELECT \(expression) FROM events WHERE \(expression) >= ? AND \(expression) <= ? AND cell IS NOT NULL ORDER BY \(expression) LIMIT 1")
        var bound = newestFirst ? high : low
        while true {
            seek.reset()
            try seek.bind(newestFirst ? [.integer(bound), .integer(low)] : [.integer(bound), .integer(high)])
            guard try seek.step() else { return }
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
        var (clauses, args) = self.clauses(q)
        Self.cellClause(cell, &clauses, &args)
        let order = q.newestFirst ? " ORDER BY ts DESC, seq DESC" : " ORDER BY ts, seq"
        let s = try database.prepare("SELECT \(columns) FROM events WHERE ts / \(WarmTier.cellBucketMicros) = ? AND "
                                     + clauses.joined(separator: " AND ") + order + " LIMIT ?")
        var found = 0
        guard q.limit > 0 else { return }
        try forEachBucket(since: q.since, until: q.until, newestFirst: q.newestFirst) { (bucket) throws(StoreError) -> Bool in
            s.reset()
            try s.bind([.integer(bucket)] + args + [.integer(Int64(q.limit - found))])
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
        var clauses: [String] = []
        var args: [SQLiteValue] = []
        Self.cellClause(cell, &clauses, &args)
        if let since { clauses.append("ts >= ?"); args.append(.integer(since.microseconds)) }
        if let until { clauses.append("ts < ?"); args.append(.integer(until.microseconds)) }
        let filter = "ts / \(WarmTier.cellBucketMicros) = ? AND " + clauses.joined(separator: " AND ")
        let count = try database.prepare("SELECT count(*) FROM events WHERE " + filter)
        let rows = try database.prepare("SELECT type, source FROM events WHERE " + filter + " ORDER BY ts DESC LIMIT ?")
        var summary = CellSummary()
        var types: [String: Int] = [:]
        var sources: [String: Int] = [:]
        try forEachBucket(since: since, until: until, newestFirst: true) { (bucket) throws(StoreError) -> Bool in
            count.reset()
            try count.bind([.integer(bucket)] + args)
            if try count.step() { summary.count += Int(count.int64(0)) }
            guard summary.sampled < sample else { return true }
            rows.reset()
            try rows.bind([.integer(bucket)] + args + [.integer(Int64(sample - summary.sampled))])
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
