import CTASCore

/// Answers neighbour questions from the stored graph without loading it (`ctas graph
/// neighbors`, `ctas export --neighbors`).
///
/// Loading the whole graph to answer one question took 9.7 s and 541 MB at ten million
/// stored events. This reader reads only the event rows the question may visit: the focus,
/// then, hop by hop, every stored row holding a value the last hop reached (a scan of
/// `graph_events` per hop, narrowed by SQLite when few values are asked for). Those rows make
/// a small `CorrelationGraph`, with each value's events beyond them counted
/// (`eventsNotHeld`), so its `neighbors` answer is the whole graph's: the same events, order,
/// counts, over-correlated and warninglisted values.
///
/// A value seen in more events than the over-correlation threshold is only counted, not
/// held (the search does not follow it), unless the question follows over-correlated values.
public final class StoredGraphReader {
    public let database: SQLiteDatabase
    public let warninglist: Warninglist
    public let retention: Duration
    /// Scans of `graph_events` made, and rows they read into memory, by the last question.
    public private(set) var scans = 0
    public private(set) var rowsHeld = 0

    /// A stored event row.
    struct Row {
        var slot: Int64
        var id: [UInt8]
        var time: Int64
        var type: [UInt8]
        var severity: Severity?
        var nodes: [CorrelationGraph.NodeID]
    }

    /// Opens the warm database at `path` read-only (the friendly "no stored events yet" error
    /// when there is none).
    public init(path: String, warninglist: Warninglist, retention: Duration) throws(StoreError) {
        _ = try WarmReader(path: path)
        database = try SQLiteDatabase(path: path, readOnly: true)
        self.warninglist = warninglist
        self.retention = retention
    }

    /// What `text` names in the stored graph: an event id, else an indicator value (any
    /// written form: defanged, upper case…). Nil when the graph holds neither.
    public func resolve(_ text: String) throws(StoreError) -> GraphFocus? {
        guard GraphTier.exists(in: database) else { return nil }
        if let row = try row(id: text) {
            resolved = (.event(text), row, nil)
            return .event(text)
        }
        for indicator in IndicatorExtractor().indicators(listed: text) {
            if let node = try node(of: indicator) {
                resolved = (.indicator(indicator), nil, node)
                return .indicator(indicator)
            }
        }
        return nil
    }

    /// What `resolve` found last: each is a scan of a whole table, not asked again by
    /// `neighbors` for the same focus.
    private var resolved: (focus: GraphFocus, row: Row?, node: CorrelationGraph.NodeID?)?

    /// The neighborhood of `query.focus`, as the whole graph in memory would answer it; nil
    /// when the stored graph does not hold the focus.
    public func neighbors(_ query: NeighborQuery) throws(StoreError) -> Neighborhood? {
        scans = 0
        rowsHeld = 0
        guard GraphTier.exists(in: database) else { return nil }
        let threshold = query.includeOvercorrelated ? Int.max : query.overcorrelationThreshold
        var held: [Int64: Row] = [:]
        var counts: [CorrelationGraph.NodeID: Int] = [:]
        var values: [CorrelationGraph.NodeID: Indicator] = [:]
        var scanned = Set<CorrelationGraph.NodeID>()
        var next: [CorrelationGraph.NodeID]
        var alwaysFollowed: CorrelationGraph.NodeID?
        switch query.focus {
        case .event(let id):
            var focus = resolved?.focus == query.focus ? resolved?.row : nil
            if focus == nil { focus = try row(id: id) }
            guard let focus else { return nil }
            held[focus.slot] = focus
            next = focus.nodes
        case .indicator(let indicator):
            var found = resolved?.focus == query.focus ? resolved?.node : nil
            if found == nil { found = try node(of: indicator) }
            guard let node = found else { return nil }
            values[node] = indicator
            alwaysFollowed = node
            next = [node]
        }
        // The search steps over the values of events up to `hops - 1` away: each needs its
        // whole count, and its events when it may be followed. One scan per hop finds them.
        for _ in 0..<query.hops {
            var wanted: [CorrelationGraph.NodeID: Int] = [:]
            for node in next where !scanned.contains(node) {
                scanned.insert(node)
                let indicator = try value(of: node, cache: &values)
                // Warninglisted values are never followed (the focus indicator always is).
                let keep = node == alwaysFollowed ? Int.max : warninglist.match(indicator) != nil ? 0 : threshold
                wanted[node] = keep
            }
            guard !wanted.isEmpty else { break }
            let found = try scan(for: wanted, counts: &counts, held: &held)
            next = found.flatMap(\.nodes)
        }
        // The small graph: held rows in stored order (the search's order is the slots'),
        // with every value they hold.
        let graph = CorrelationGraph(warninglist: warninglist)
        if let reference = try RetentionClock.reference(in: database) { graph.retentionCutoff = reference - retention }
        var local: [CorrelationGraph.NodeID: CorrelationGraph.NodeID] = [:]
        var rows = GraphEventRows()
        var nodes: [CorrelationGraph.NodeID] = []
        for slot in held.keys.sorted() {
            guard let row = held[slot] else { continue }
            nodes.removeAll(keepingCapacity: true)
            for stored in row.nodes {
                if let known = local[stored] {
                    nodes.append(known)
                } else {
                    let made = graph.intern(try value(of: stored, cache: &values)).node
                    local[stored] = made
                    nodes.append(made)
                }
            }
            row.id.withUnsafeBytes { id in
                row.type.withUnsafeBytes { type in
                    rows.append(id: id, time: Timestamp(microseconds: row.time), type: type, severity: row.severity, nodes: nodes)
                }
            }
            if rows.isFull(rows: 4096) {
                graph.addEvents(rows)
                rows.removeAll()
            }
        }
        graph.addEvents(rows)
        rowsHeld = held.count
        for (stored, total) in counts {
            guard let node = local[stored] else {
                // A value none of the held rows holds (over-correlated or warninglisted, met
                // only as a count): the graph needs it to name it.
                let made = graph.intern(try value(of: stored, cache: &values)).node
                local[stored] = made
                graph.eventsNotHeld[made] = total
                continue
            }
            let notHeld = total - graph.eventCount(of: node)
            if notHeld > 0 { graph.eventsNotHeld[node] = notHeld }
        }
        return graph.neighbors(query)
    }

    // MARK: Reading

    /// One scan of `graph_events` for the rows holding any of `wanted`: each wanted value's
    /// rows are counted (`counts`), and held (`held`) while the count is within the value's
    /// keep limit. Returns the rows newly held. Few values are narrowed by SQLite (`instr` on
    /// their varint bytes; every candidate is decoded to rule out bytes that only look alike).
    private func scan(for wanted: [CorrelationGraph.NodeID: Int], counts: inout [CorrelationGraph.NodeID: Int],
                      held: inout [Int64: Row]) throws(StoreError) -> [Row] {
        scans += 1
        let patterns = wanted.count <= Self.narrowedValues ? wanted.keys.sorted() : []
        var sql = "SELECT slot, nodes FROM graph_events"
        if !patterns.isEmpty {
            sql += " WHERE " + patterns.indices.map { "instr(nodes, ?\($0 + 1)) > 0" }.joined(separator: " OR ")
        }
        let statement = try database.prepare(sql)
        for (i, node) in patterns.enumerated() {
            var bytes: [UInt8] = []
            GraphTier.encode([node], into: &bytes)
            statement.bind(blob: bytes, at: Int32(i + 1))
        }
        // A bit per wanted value answers most rows' values without a dictionary lookup.
        let highest = Int(wanted.keys.max() ?? 0)
        var bits = [UInt64](repeating: 0, count: highest < 1 << 26 ? highest / 64 + 1 : 0)
        for node in wanted.keys where Int(node) / 64 < bits.count { bits[Int(node) / 64] |= 1 << UInt64(node % 64) }
        let allInBits = highest < 1 << 26
        // Rows held for a value the search may follow; each with the wanted values it holds.
        var candidates: [(slot: Int64, nodes: [CorrelationGraph.NodeID])] = []
        var hits: [CorrelationGraph.NodeID] = []
        while try statement.step() {
            hits.removeAll(keepingCapacity: true)
            let valid = GraphTier.forEachNode(in: statement.blob(1)) { node in
                if allInBits {
                    if Int(node) / 64 < bits.count, bits[Int(node) / 64] & (1 << UInt64(node % 64)) != 0 { hits.append(node) }
                } else if wanted[node] != nil {
                    hits.append(node)
                }
            }
            guard valid else {
                throw .corrupt(path: database.path, detail: "graph_events row \(statement.int64(0)): node list is corrupt")
            }
            guard !hits.isEmpty else { continue }
            var keep = false
            for node in hits {
                let count = (counts[node] ?? 0) + 1
                counts[node] = count
                if count <= wanted[node] ?? 0 { keep = true }
            }
            let slot = statement.int64(0)
            if keep && held[slot] == nil { candidates.append((slot, hits)) }
        }
        // Only rows holding a value within its limit once every row is counted: a row held
        // for a value that turned out over-correlated would never be reached through it.
        let found = candidates.filter { candidate in candidate.nodes.contains { (counts[$0] ?? 0) <= wanted[$0] ?? 0 } }.map(\.slot)
        var rows: [Row] = []
        rows.reserveCapacity(found.count)
        for slot in found {
            guard let row = try row(slot: slot) else { continue }
            held[slot] = row
            rows.append(row)
        }
        return rows
    }

    /// Values asked for in one scan at most before the scan decodes every row itself (each
    /// value is a test of every row in SQLite).
    static let narrowedValues = 24

    private func row(id: String) throws(StoreError) -> Row? {
        let statement = try database.prepare("SELECT slot, id, ts, type, severity, nodes FROM graph_events WHERE id = ? LIMIT 1")
        statement.bind(id, at: 1)
        return try statement.step() ? try row(from: statement) : nil
    }

    private func row(slot: Int64) throws(StoreError) -> Row? {
        let statement = try prepared(&rowBySlot, "SELECT slot, id, ts, type, severity, nodes FROM graph_events WHERE slot = ?")
        statement.bind(slot, at: 1)
        defer { statement.reset() }
        return try statement.step() ? try row(from: statement) : nil
    }

    private var rowBySlot: SQLiteStatement?

    private func row(from statement: SQLiteStatement) throws(StoreError) -> Row {
        var nodes: [CorrelationGraph.NodeID] = []
        let slot = statement.int64(0)
        guard GraphTier.decode(statement.blob(5), into: &nodes) else {
            throw .corrupt(path: database.path, detail: "graph_events row \(slot): node list is corrupt")
        }
        return Row(slot: slot, id: Array(statement.textBytes(1)), time: statement.int64(2), type: Array(statement.textBytes(3)),
                   severity: statement.isNull(4) ? nil : Severity(Int(statement.int64(4))), nodes: nodes)
    }

    /// The stored node of `indicator` (the value as stored: canonical form).
    private func node(of indicator: Indicator) throws(StoreError) -> CorrelationGraph.NodeID? {
        let statement = try database.prepare("SELECT id FROM graph_nodes WHERE kind = ? AND value = ? LIMIT 1")
        statement.bind(Int64(indicator.kind.rawValue), at: 1)
        statement.bind(indicator.value, at: 2)
        guard try statement.step() else { return nil }
        let id = statement.int64(0)
        guard id >= 1, id <= Int64(UInt32.max) else {
            throw .corrupt(path: database.path, detail: "graph_nodes row \(id): expected a positive id")
        }
        return CorrelationGraph.NodeID(id - 1)
    }

    /// The value a stored node id names.
    private func value(of node: CorrelationGraph.NodeID, cache: inout [CorrelationGraph.NodeID: Indicator]) throws(StoreError) -> Indicator {
        if let known = cache[node] { return known }
        let statement = try prepared(&valueByID, "SELECT kind, value FROM graph_nodes WHERE id = ?")
        statement.bind(Int64(node) + 1, at: 1)
        defer { statement.reset() }
        guard try statement.step(), let kind = IndicatorKind(rawValue: UInt8(clamping: statement.int64(0))), let value = statement.text(1) else {
            throw .corrupt(path: database.path, detail: "graph_events holds node \(Int64(node) + 1), which graph_nodes does not have")
        }
        let indicator = Indicator(kind, value)
        cache[node] = indicator
        return indicator
    }

    private var valueByID: SQLiteStatement?

    /// The statement kept in `slot`, prepared from `sql` on first use (asked once per row held).
    private func prepared(_ slot: inout SQLiteStatement?, _ sql: String) throws(StoreError) -> SQLiteStatement {
        if let statement = slot { return statement }
        let statement = try database.prepare(sql)
        slot = statement
        return statement
    }
}
