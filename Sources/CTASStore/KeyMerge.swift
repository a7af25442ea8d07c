/// A merge of the warm tier's recent key levels into the merged ones, under way: how far
/// each level has moved, in key order.
///
/// A merge moves one slice of each level per step, a step after each commit
/// (`WarmTier.mergeKeysIfDue`), or smaller pieces in the writer's idle moments (the
/// engine's store stage, `continueKeyMerge(levels:keys:)`), so no commit waits for a whole
/// merge: at a million stored events a whole merge held the writer 100–280 ms, which was the
/// write stage's slowest 2% of commits in a replay paced at 51k events/s. Keys stored during
/// a merge behind a level's cursor wait in the recent level for the next merge; readers and
/// the uniqueness check ask both levels, so a key is found wherever a step left it.
struct KeyMerge {
    /// One level: the recent table, the merged one, its columns and the leading ones that
    /// order it, and the kind of each key column.
    struct Level: Sendable {
        var recent: String
        var merged: String
        var columns: String
        var key: [String]
        var kinds: [KeyValue.Kind]

        static let ids = Level(recent: "recent_ids", merged: "event_ids", columns: "id, seq", key: ["id"], kinds: [.text])
        static let flows = Level(recent: "recent_flows", merged: "event_flows", columns: "flow, seq", key: ["flow", "seq"],
                                 kinds: [.text, .integer])
        static let cells = Level(recent: "recent_cells", merged: "event_cells", columns: "bucket, cell, ts, seq",
                                 key: ["bucket", "cell", "ts", "seq"], kinds: [.integer, .integer, .integer, .integer])
        static let all = [ids, flows, cells]
    }

    /// A key column's value as SQLite stored it (text compared as its bytes).
    enum KeyValue: Equatable, Sendable {
        case text([UInt8])
        case integer(Int64)

        enum Kind: Sendable { case text, integer }
    }

    /// Keys a step moves from each level.
    var perSlice: Int64
    /// Per level, the last key moved (nil: none yet) and whether the level is through.
    var cursors: [[KeyValue]?] = Array(repeating: nil, count: Level.all.count)
    var finished: [Bool] = Array(repeating: false, count: Level.all.count)

    var isDone: Bool { finished.allSatisfy { $0 } }
}

extension WarmTier {
    /// A merge statement, prepared once per connection: each level's few statements (with
    /// and without a cursor) come back at every step, a step after every commit. Reset
    /// before it is handed out, so one left by a failed step binds afresh.
    func mergeStatement(_ sql: String) throws(StoreError) -> SQLiteStatement {
        if let kept = mergeStatements[sql] {
            kept.reset()
            return kept
        }
        let statement = try database.prepare(sql)
        mergeStatements[sql] = statement
        return statement
    }

    /// Moves the next slice of `level` after `cursor`: up to `perSlice` keys, or all that
    /// remain. `beforeMoving` sees the range's condition and binds its arguments (the ids go
    /// into the filter first). Returns the keys moved, the new cursor and whether the level
    /// is through.
    func moveSlice(_ level: KeyMerge.Level, after cursor: [KeyMerge.KeyValue]?, perSlice: Int64,
                   beforeMoving: (_ range: String, _ bind: (SQLiteStatement) -> Void) throws(StoreError) -> Void)
        throws(StoreError) -> (moved: Int, cursor: [KeyMerge.KeyValue]?, through: Bool) {
        let tuple = "(" + level.key.joined(separator: ", ") + ")"
        let marks = "(" + Array(repeating: "?", count: level.key.count).joined(separator: ", ") + ")"
        let order = level.key.joined(separator: ", ")
        let descending = level.key.map { $0 + " DESC" }.joined(separator: ", ")
        let after = cursor == nil ? nil : "\(tuple) > \(marks)"
        let whereAfter = after.map { " WHERE " + $0 } ?? ""
        func bind(_ values: [KeyMerge.KeyValue], to s: SQLiteStatement, from first: Int32) -> Int32 {
            var index = first
            for value in values {
                switch value {
                case .text(let bytes): bytes.withUnsafeBufferPointer { s.bind(bytes: $0, at: index) }
                case .integer(let n): s.bind(n, at: index)
                }
                index += 1
            }
            return index
        }
        func read(_ s: SQLiteStatement) -> [KeyMerge.KeyValue] {
            level.kinds.enumerated().map { i, kind in
                kind == .integer ? .integer(s.int64(Int32(i))) : .text([UInt8](s.textBytes(Int32(i))))
            }
        }
        // The bound: the perSlice-th key after the cursor, else the last one there is.
        let boundary = try mergeStatement("SELECT \(order) FROM \(level.recent)\(whereAfter) ORDER BY \(order) LIMIT 1 OFFSET ?")
        boundary.bind(max(0, perSlice - 1), at: bind(cursor ?? [], to: boundary, from: 1))
        var bound: [KeyMerge.KeyValue]?
        var through = false
        if try boundary.step() { bound = read(boundary) }
        boundary.reset()
        if bound == nil {
            through = true
            let last = try mergeStatement("SELECT \(order) FROM \(level.recent)\(whereAfter) ORDER BY \(descending) LIMIT 1")
            _ = bind(cursor ?? [], to: last, from: 1)
            if try last.step() { bound = read(last) }
            last.reset()
        }
        guard let bound else { return (0, cursor, true) }
        let range = (after.map { [$0] } ?? []) + ["\(tuple) <= \(marks)"]
        let condition = range.joined(separator: " AND ")
        let bindRange = { (s: SQLiteStatement) in _ = bind(bound, to: s, from: bind(cursor ?? [], to: s, from: 1)) }
        try beforeMoving(condition, bindRange)
        let move = try mergeStatement("INSERT INTO \(level.merged)(\(level.columns)) SELECT \(level.columns) FROM \(level.recent) "
                                         + "WHERE \(condition) ORDER BY \(order)")
        bindRange(move)
        try move.step()
        let moved = database.changes
        move.reset()
        let drop = try mergeStatement("DELETE FROM \(level.recent) WHERE \(condition)")
        bindRange(drop)
        try drop.step()
        drop.reset()
        return (moved, bound, through)
    }
}
