import CTASCore

/// The graph tier: correlation nodes (indicators) and event nodes with their edges, stored in
/// the warm database so that one transaction commits events and their graph together (the
/// durability contract of the warm tier), and held whole in memory (`CorrelationGraph`)
/// for neighbor queries.
///
/// Tables (append-mostly, so writes stay sequential):
/// - `graph_nodes(id, kind, value)`: one row per distinct indicator; `id` is the in-memory
///   node id plus one, assigned by the writer.
/// - `graph_events(slot, id, ts, type, severity, nodes)`: one row per event placed in the
///   graph tier; `nodes` lists its indicators' ids (LEB128 varints). Event rows outlive the
///   warm tier's copy (one year by default against 30 days).
/// Indicator → events postings are not stored: they are rebuilt in memory on load.
///
/// A writer that asks the graph no questions (`ctas ingest`) opens it without holding events
/// (`holdingEvents: false`): it keeps only the nodes, to give each value its id, and writes
/// event rows as usual, so its memory does not grow with the stored history (a store of ten
/// million events held some 800 MB of graph). The console and replays hold the newest
/// events within a memory budget (`memoryBudget`, the rules' `[graph] memory`); the
/// command-line readers hold every stored event.
public final class GraphTier {
    public let graph: CorrelationGraph
    public let database: SQLiteDatabase
    public let retention: Duration
    private let readOnly: Bool
    /// Whether the graph in memory holds the events (else only the nodes).
    public let holdsEvents: Bool
    /// The most memory the events held may take (nil: no limit; nodes are not counted: a
    /// value keeps its id for as long as it is stored). Beyond it the oldest events leave
    /// memory — a quarter of those held at a time — and stay stored.
    public let memoryBudget: Int?
    /// Event rows stored but not held in memory (the budget, or a writer holding none).
    public var notHeld: Int { holdsEvents ? max(0, storedEvents - graph.eventCount) : storedEvents }
    /// Event rows stored (counted in the `meta` table, updated in each writing transaction).
    public private(set) var storedEvents = 0
    private var setCount: SQLiteStatement?
    static let countKey = "graph_events"
    /// The `meta` key of the highest node id ever stored (ids are never reused nor compacted):
    /// a node row past it is damage, refused before the load makes room for every id below it.
    static let highestNodeKey = "graph_nodes_highest"
    private var setHighestNode: SQLiteStatement?
    private var insertNode: SQLiteStatement?
    private var insertEvent: SQLiteStatement?
    public private(set) var loaded = false
    /// Event rows `load()` read (under a budget, only the newest that can fit).
    public private(set) var rowsRead = 0
    /// Newest event time in the graph.
    public private(set) var newestEventTime: Timestamp?

    /// Opens the graph tier of `database` (which the warm tier has migrated). Cheap: the
    /// graph is read by `load()`.
    public init(database: SQLiteDatabase, warninglist: Warninglist, retention: Duration, readOnly: Bool = false,
                holdingEvents: Bool = true, memoryBudget: Int? = nil) throws(StoreError) {
        self.database = database
        self.retention = retention
        self.readOnly = readOnly
        holdsEvents = holdingEvents
        self.memoryBudget = memoryBudget
        graph = CorrelationGraph(warninglist: warninglist)
        if !readOnly {
            insertNode = try database.prepare("INSERT INTO graph_nodes(id, kind, value) VALUES (?, ?, ?)")
            insertEvent = try database.prepare("INSERT INTO graph_events(id, ts, type, severity, nodes) VALUES (?, ?, ?, ?, ?)")
            setCount = try database.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('\(Self.countKey)', ?)")
            setHighestNode = try database.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('\(Self.highestNodeKey)', ?)")
        }
    }

    /// Whether the database has the graph tables (a read-only open of an older database may not).
    public static func exists(in database: SQLiteDatabase) -> Bool {
        ((try? database.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'graph_events'")) ?? 0) == 1
    }

    /// Reads the stored graph into memory. A writer also deletes nodes that no stored event
    /// holds any more (left behind by retention).
    public func load() throws(StoreError) {
        try beginLoad()
        while try !loadMoreEvents(limit: Int.max) {}
    }

    /// Where a load begun by `beginLoad` has got to, while event rows are still to read.
    private struct EventLoad {
        /// The next stored slot to read, and the last one stored when the load began (rows
        /// past it are this run's, written while the load went on).
        var nextSlot: Int64
        let lastSlot: Int64
        /// Nodes stored when the load began: every stored row holds only those.
        let nodeCount: Int
        /// This run's events, written while the stored ones were read: added after them.
        var deferred: [GraphEventRows] = []
        /// Whether every stored row is read (no budget cut the oldest), and whether anything
        /// was written or purged meanwhile: a load that reads them all, undisturbed, counts
        /// them, which mends a stored count that went wrong.
        let readsAll: Bool
        var disturbed = false
    }

    private var eventLoad: EventLoad?

    /// Whether stored event rows are still being read (`loadMoreEvents`). Meanwhile commits
    /// work as usual, the events they write join the graph once the stored ones have, and
    /// questions to the graph should wait: it holds only part of the stored events.
    public var eventsLoading: Bool { eventLoad != nil }

    /// Starts loading: reads the nodes, the stored count and the newest time, which is all a
    /// commit needs, and leaves the event rows to `loadMoreEvents` (a writer can commit
    /// between its steps: a console on ten million events waited three seconds for them
    /// before its first commit).
    public func beginLoad() throws(StoreError) {
        guard !loaded, eventLoad == nil else { return }
        guard Self.exists(in: database) else {
            loaded = true
            return
        }
        // Nodes go to the graph a batch at a time, as event rows do, into room made once (up
        // to the highest id, no more than `reservedRowsLimit`: the id comes from the file).
        // A store that says how high its ids went (every writer since it was kept) refuses a
        // row past it: restored in id order, one damaged id would make room for billions.
        let ceiling = try database.scalar("SELECT value FROM meta WHERE key = '\(Self.highestNodeKey)'")
        if let highest = try database.scalar("SELECT max(id) FROM graph_nodes"), highest > 0 {
            if let ceiling, highest > ceiling {
                throw .corrupt(path: database.path, detail: "graph_nodes row \(highest): expected an id of at most \(ceiling), the highest ever stored")
            }
            graph.reserve(nodes: Int(min(highest, Int64(Self.reservedRowsLimit))))
        }
        let nodes = try database.prepare("SELECT id, kind, value FROM graph_nodes ORDER BY id")
        var batch = GraphNodeRows()
        while try nodes.step() {
            let id = nodes.int64(0)
            guard id >= 1, id <= Int64(UInt32.max), let kind = IndicatorKind(rawValue: UInt8(clamping: nodes.int64(1))) else {
                throw .corrupt(path: database.path, detail: "graph_nodes row \(id): expected a positive id and a known kind")
            }
            let value = nodes.textBytes(2)
            if value.allSatisfy({ $0 < 0x80 }) {
                batch.append(id: CorrelationGraph.NodeID(id - 1), kind: kind, value: value)
            } else {
                // As a string reads it (invalid UTF-8 repaired), so lookups by value find it.
                var text = String(decoding: value, as: UTF8.self)
                text.withUTF8 { batch.append(id: CorrelationGraph.NodeID(id - 1), kind: kind, value: UnsafeRawBufferPointer($0)) }
            }
            if batch.count == 4096 {
                graph.restoreNodes(batch)
                batch.removeAll()
            }
        }
        graph.restoreNodes(batch)
        storedEvents = Int(try database.scalar("SELECT value FROM meta WHERE key = '\(Self.countKey)'") ?? -1)
        if storedEvents < 0 {
            // Counted once, by the first reader since the count was kept.
            storedEvents = Int(try database.scalar("SELECT count(*) FROM graph_events") ?? 0)
            if let setCount { try database.transaction { () throws(StoreError) in try writeCount(setCount) } }
        }
        newestEventTime = try database.scalar("SELECT max(ts) FROM graph_events").map { Timestamp(microseconds: $0) }
        try updateCutoff()
        guard holdsEvents, let lastSlot = try database.scalar("SELECT max(slot) FROM graph_events") else {
            loaded = true
            return
        }
        // Under a budget, only the newest rows that can fit are read (the rest would be read to
        // be dropped: a console on ten million events read 6.8M rows to keep half).
        var firstSlot: Int64?
        if let memoryBudget { firstSlot = try firstSlotFitting(budget: memoryBudget, stored: storedEvents) }
        if let expected = try expectedRows(from: firstSlot, counted: storedEvents) { graph.reserve(events: expected) }
        eventLoad = EventLoad(nextSlot: firstSlot ?? Int64.min, lastSlot: lastSlot, nodeCount: graph.nodeCount, readsAll: firstSlot == nil)
    }

    /// Reads up to `limit` more stored event rows into the graph; returns true once the load
    /// is done: every stored row read, this run's events added after them, and (for a
    /// writer holding every stored event) nodes no event holds deleted.
    public func loadMoreEvents(limit: Int) throws(StoreError) -> Bool {
        guard var load = eventLoad else { return true }
        let events = try database.prepare("SELECT slot, id, ts, type, severity, nodes FROM graph_events WHERE slot >= ? AND slot <= ? ORDER BY slot LIMIT ?")
        events.bind(load.nextSlot, at: 1)
        events.bind(load.lastSlot, at: 2)
        events.bind(Int64(min(limit, Int(Int64.max))), at: 3)
        var ids: [CorrelationGraph.NodeID] = []
        // Rows go to the graph a batch at a time (one call per event was half the load).
        var rows = GraphEventRows()
        func add() {
            graph.addEvents(rows)
            rowsRead += rows.count
            rows.removeAll()
            if rowsRead & 0xFFFF < 4096 { trimToBudget() }
        }
        var read = 0
        while try events.step() {
            ids.removeAll(keepingCapacity: true)
            guard Self.decode(events.blob(5), into: &ids), ids.allSatisfy({ Int($0) < load.nodeCount }) else {
                throw .corrupt(path: database.path, detail: "graph_events row for \(events.text(1) ?? "?"): node list is corrupt")
            }
            rows.append(id: events.textBytes(1), time: Timestamp(microseconds: events.int64(2)), type: events.textBytes(3),
                        severity: events.isNull(4) ? nil : Severity(Int(events.int64(4))), nodes: ids)
            if rows.isFull(rows: 4096) { add() }
            read += 1
            load.nextSlot = events.int64(0) &+ 1
        }
        add()
        guard read >= limit else {
            try finishLoad(load)
            return true
        }
        eventLoad = load
        return false
    }

    /// Gives up a load that failed or was never finished (the writer is stopping): the graph
    /// stays as read, this run's events are added after what was, and nothing is deleted.
    public func abandonLoad() {
        loaded = true
        guard let load = eventLoad else { return }
        eventLoad = nil
        for rows in load.deferred { graph.addEvents(rows) }
    }

    /// The stored rows are in: this run's events follow them.
    private func finishLoad(_ load: EventLoad) throws(StoreError) {
        eventLoad = nil
        loaded = true
        for rows in load.deferred { graph.addEvents(rows) }
        if load.readsAll, !load.disturbed, storedEvents != rowsRead {
            storedEvents = rowsRead
            if let setCount { try database.transaction { () throws(StoreError) in try writeCount(setCount) } }
        }
        trimToBudget()
        try updateCutoff()
        // Nodes no stored event holds: only known when every stored event is held.
        if !readOnly, notHeld == 0 {
            let orphans = graph.unreferencedNodes()
            if !orphans.isEmpty {
                try database.transaction { () throws(StoreError) in
                    let delete = try database.prepare("DELETE FROM graph_nodes WHERE id = ?")
                    for node in orphans {
                        delete.bind(Int64(node) + 1, at: 1)
                        try delete.step()
                        delete.reset()
                    }
                }
                graph.removeNodes(orphans)
            }
        }
    }

    /// How many rows a load will read, when the store can say cheaply: from `firstSlot` (else
    /// the oldest slot) to the newest, and no more than the stored count (`counted`, when
    /// known) or `reservedRowsLimit`. Slots and count come from the file: a damaged one must
    /// not make the load set aside memory for rows that are not there.
    private func expectedRows(from firstSlot: Int64?, counted: Int) throws(StoreError) -> Int? {
        var oldest = firstSlot
        if oldest == nil { oldest = try database.scalar("SELECT min(slot) FROM graph_events") }
        guard let last = try database.scalar("SELECT max(slot) FROM graph_events"), let first = oldest else { return nil }
        let (span, overflow) = last.subtractingReportingOverflow(first)
        guard !overflow, span >= 0 else { return nil }
        var rows = Int(min(span, Int64(Self.reservedRowsLimit) - 1)) + 1
        if counted >= 0 { rows = min(rows, counted) }
        return rows
    }

    /// Rows a load makes room for at most before reading (more still load, growing as they come).
    static let reservedRowsLimit = 1 << 23

    /// The first slot of the newest stored rows that fit `budget` once held, or nil when all
    /// of them may (or the estimate cannot be made). Bytes per event are estimated from the
    /// newest 4,096 rows as `CorrelationGraph.eventMemoryBytes` counts them (time, severity,
    /// type and slot index, the id, four bytes an edge each way), and a quarter is added, so
    /// the rows read fit and `trimToBudget` rarely drops any.
    private func firstSlotFitting(budget: Int, stored: Int) throws(StoreError) -> Int64? {
        let sample = try database.prepare("SELECT length(CAST(id AS BLOB)), nodes FROM graph_events ORDER BY slot DESC LIMIT 4096")
        var rows = 0, bytes = 0
        while try sample.step() {
            let edges = sample.blob(1).reduce(0) { $0 + ($1 & 0x80 == 0 ? 1 : 0) }
            bytes += 19 + 16 + Int(sample.int64(0)) + 8 * edges
            rows += 1
        }
        guard rows > 0 else { return nil }
        let perEvent = max(1, bytes / rows * 5 / 4)
        let fitting = budget / perEvent
        guard fitting < stored else { return nil }
        let first = try database.prepare("SELECT slot FROM graph_events ORDER BY slot DESC LIMIT 1 OFFSET ?")
        first.bind(Int64(fitting), at: 1)
        return try first.step() ? first.int64(0) : nil
    }

    /// One event to record: its fields and its indicators.
    public struct Entry: Sendable {
        public var event: Event
        public var indicators: [Indicator]

        public init(event: Event, indicators: [Indicator]) {
            self.event = event
            self.indicators = indicators
        }
    }

    /// Lets the oldest events held leave memory until what is held fits the budget. Call
    /// between commits (never with a mark outstanding).
    public func trimToBudget() {
        guard let memoryBudget else { return }
        while graph.eventMemoryBytes > memoryBudget, graph.eventCount > 0 {
            let drop = max(1, graph.eventCount / 4)
            graph.dropOldest(drop)
        }
    }

    /// A point to roll the memory side back to when a commit that wrote to the graph fails.
    public struct Mark: Sendable {
        var graph: CorrelationGraph.Mark
        var storedEvents: Int
        var deferred: Int
    }

    public func mark() -> Mark { Mark(graph: graph.mark(), storedEvents: storedEvents, deferred: eventLoad?.deferred.count ?? 0) }

    /// Undoes in memory what was written since `mark` (the database transaction rolled back).
    public func rollback(to mark: Mark) {
        graph.rollback(to: mark.graph)
        storedEvents = mark.storedEvents
        if let count = eventLoad?.deferred.count, count > mark.deferred { eventLoad?.deferred.removeLast(count - mark.deferred) }
    }

    private func writeCount(_ statement: SQLiteStatement, _ count: Int? = nil) throws(StoreError) {
        statement.bind(Int64(count ?? storedEvents), at: 1)
        try statement.step()
        statement.reset()
    }

    /// Records events in memory (when it holds them) and in the database. Call inside the
    /// warm tier's commit transaction, with only the events it stored as new; if that
    /// transaction fails, undo the memory side with `rollback(to:)` from a mark taken before.
    public func write(_ entries: [Entry]) throws(StoreError) {
        guard let insertNode, let insertEvent, let setCount, let setHighestNode else { throw .readOnly(path: database.path) }
        var ids: [CorrelationGraph.NodeID] = []
        var highestCreated: Int64?
        var blob: [UInt8] = []
        // The events held go to the graph as one batch (a batch past `typeCapacity` types in two).
        var rows = GraphEventRows(capacity: holdsEvents ? entries.count : 0)
        for entry in entries {
            ids.removeAll(keepingCapacity: true)
            for indicator in entry.indicators {
                let (node, created) = graph.intern(indicator)
                if created {
                    insertNode.bind(Int64(node) + 1, at: 1)
                    insertNode.bind(Int64(indicator.kind.rawValue), at: 2)
                    insertNode.bind(indicator.value, at: 3)
                    try insertNode.step()
                    insertNode.reset()
                    highestCreated = max(highestCreated ?? 0, Int64(node) + 1)
                }
                ids.append(node)
            }
            let e = entry.event
            if holdsEvents {
                if rows.isFull(rows: Int.max) {
                    add(rows)
                    rows.removeAll()
                }
                rows.append(id: e.id, time: e.timestamp, type: e.type, severity: e.severity, nodes: ids)
            }
            if newestEventTime.map({ e.timestamp > $0 }) ?? true { newestEventTime = e.timestamp }
            blob.removeAll(keepingCapacity: true)
            Self.encode(ids, into: &blob)
            insertEvent.bind(e.id, at: 1)
            insertEvent.bind(e.timestamp.microseconds, at: 2)
            insertEvent.bind(e.type, at: 3)
            if let severity = e.severity { insertEvent.bind(Int64(severity.value), at: 4) }
            insertEvent.bind(blob: blob, at: 5)
            try insertEvent.step()
            insertEvent.reset()
        }
        add(rows)
        if let highestCreated {
            setHighestNode.bind(highestCreated, at: 1)
            try setHighestNode.step()
            setHighestNode.reset()
        }
        guard !entries.isEmpty else { return }
        eventLoad?.disturbed = true
        storedEvents += entries.count
        try writeCount(setCount)
    }

    /// A commit's events join the graph, or wait for the stored ones while they load.
    private func add(_ rows: GraphEventRows) {
        guard rows.count > 0 else { return }
        if eventLoad != nil { eventLoad?.deferred.append(rows) } else { graph.addEvents(rows) }
    }

    /// Deletes event rows past retention (in chunks); returns how many. The memory side
    /// hides them at once and frees them at the next load.
    @discardableResult
    public func purge(storedEvents: Int? = nil, now: Timestamp = .now(), chunk: Int = 20_000) throws(StoreError) -> Int {
        try updateCutoff(storedEvents: storedEvents, now: now)
        guard let cutoff = graph.retentionCutoff, !readOnly else { return 0 }
        let delete = try database.prepare("DELETE FROM graph_events WHERE slot IN (SELECT slot FROM graph_events WHERE ts < ? LIMIT ?)")
        var total = 0
        while true {
            // Each chunk and the count it changes commit together.
            let n = try database.transaction { () throws(StoreError) -> Int in
                delete.bind(cutoff.microseconds, at: 1)
                delete.bind(Int64(chunk), at: 2)
                try delete.step()
                delete.reset()
                let n = database.changes
                if n > 0, let setCount { try writeCount(setCount, max(0, self.storedEvents - n)) }
                return n
            }
            self.storedEvents = max(0, self.storedEvents - n)
            if n > 0 { eventLoad?.disturbed = true }
            total += n
            if n < chunk { break }
        }
        return total
    }

    /// Measures retention against the warm tier's retention clock (the graph shares its
    /// database), so a future-dated event hides nothing.
    private func updateCutoff(storedEvents: Int? = nil, now: Timestamp = .now()) throws(StoreError) {
        guard let reference = try RetentionClock.reference(in: database, storedEvents: storedEvents, now: now) else { return }
        graph.retentionCutoff = reference - retention
    }

    /// What `text` names in the graph: an event id, else an indicator value (any written
    /// form: defanged, upper case…). Nil when the graph holds neither.
    public func resolve(_ text: String) -> GraphFocus? {
        if graph.slot(ofEvent: text) != nil { return .event(text) }
        for indicator in IndicatorExtractor().indicators(listed: text) where graph.node(of: indicator) != nil {
            return .indicator(indicator)
        }
        return nil
    }

    /// Opens the graph of a data directory's warm database read-only and loads it.
    public static func openForReading(path: String, warninglist: Warninglist, retention: Duration) throws(StoreError) -> GraphTier {
        _ = try WarmReader(path: path)  // the friendly "no stored events yet" error
        let database = try SQLiteDatabase(path: path, readOnly: true)
        let tier = try GraphTier(database: database, warninglist: warninglist, retention: retention, readOnly: true)
        try tier.load()
        return tier
    }

    /// Ids of the events holding `indicator` (within retention), oldest first.
    public func eventIDs(holding indicator: Indicator) -> [String] {
        guard let node = graph.node(of: indicator) else { return [] }
        var out: [String] = []
        graph.eventsOf(node) { slot in
            if graph.isLive(slot) { out.append(graph.event(slot).id) }
            return true
        }
        return out
    }

    /// The first of `candidates` the stored graph has a node for, and the ids of the stored
    /// events holding it within the graph's retention (oldest first), read straight from
    /// `database` without loading the graph: the node by its value, the events by a scan of
    /// their node lists that SQLite narrows with `instr` (a list holding the node holds its
    /// varint bytes; each match is decoded to rule out bytes that only look alike). Nil when
    /// no candidate has a node. Loading the whole graph to answer this took 9.5–18.5 s and
    /// 540–850 MB at ten million stored events.
    public static func storedEventIDs(holding candidates: [Indicator], in database: SQLiteDatabase,
                                      retention: Duration) throws(StoreError) -> (indicator: Indicator, ids: [String])? {
        guard exists(in: database) else { return nil }
        let lookup = try database.prepare("SELECT id FROM graph_nodes WHERE kind = ? AND value = ? LIMIT 1")
        var found: (Indicator, CorrelationGraph.NodeID)?
        for candidate in candidates {
            lookup.bind(Int64(candidate.kind.rawValue), at: 1)
            lookup.bind(candidate.value, at: 2)
            let hit = try lookup.step() ? lookup.int64(0) : nil
            lookup.reset()
            if let hit, hit >= 1, hit <= Int64(UInt32.max) {
                found = (candidate, CorrelationGraph.NodeID(hit - 1))
                break
            }
        }
        guard let (indicator, node) = found else { return nil }
        let cutoff = try RetentionClock.reference(in: database).map { ($0 - retention).microseconds } ?? Int64.min
        var pattern: [UInt8] = []
        encode([node], into: &pattern)
        let scan = try database.prepare("SELECT id, ts, nodes FROM graph_events WHERE instr(nodes, ?) > 0 ORDER BY slot")
        scan.bind(blob: pattern, at: 1)
        var ids: [String] = []
        var nodes: [CorrelationGraph.NodeID] = []
        while try scan.step() {
            nodes.removeAll(keepingCapacity: true)
            guard decode(scan.blob(2), into: &nodes) else {
                throw .corrupt(path: database.path, detail: "graph_events row for \(scan.text(0) ?? "?"): node list is corrupt")
            }
            guard scan.int64(1) >= cutoff, nodes.contains(node), let id = scan.text(0) else { continue }
            ids.append(id)
        }
        return (indicator, ids)
    }

    /// The neighborhood of a query, or nil when the graph does not hold the focus.
    public func neighbors(_ query: NeighborQuery) -> Neighborhood? { graph.neighbors(query) }

    /// The strongest groups of recent linked events (see `CorrelationGraph.clusters`).
    public func clusters(_ query: ClusterQuery) -> [EventCluster] { graph.clusters(query) }

    // MARK: Node lists

    static func encode(_ ids: [CorrelationGraph.NodeID], into out: inout [UInt8]) {
        for id in ids {
            var v = id
            while v >= 0x80 {
                out.append(UInt8(v & 0x7F) | 0x80)
                v >>= 7
            }
            out.append(UInt8(v))
        }
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, into ids: inout [CorrelationGraph.NodeID]) -> Bool {
        forEachNode(in: bytes) { ids.append($0) }
    }

    /// Calls `body` with each node id of a stored node list, in order; false when the list is
    /// damaged (an id past 32 bits, a varint cut off), and `body` may have seen part of it.
    @inline(__always)
    static func forEachNode(in bytes: UnsafeRawBufferPointer, _ body: (CorrelationGraph.NodeID) -> Void) -> Bool {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        for b in bytes {
            value |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 {
                guard value <= UInt64(UInt32.max) else { return false }
                body(CorrelationGraph.NodeID(value))
                value = 0
                shift = 0
            } else {
                shift += 7
                if shift > 35 { return false }
            }
        }
        return shift == 0
    }
}
