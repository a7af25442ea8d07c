/// The correlation graph in memory: events and indicators as a bipartite graph (an event
/// *has* indicators); two events are neighbors when they share an indicator. Edges are
/// stored once per (event, indicator), never event to event, so a value shared by n events
/// costs n edges, not n².
///
/// Compact by construction (a million events take some 100 MB): indicator values and event
/// ids live in byte arenas indexed by open-addressing tables, events and indicators in
/// parallel arrays, and an indicator's first event inline (most values occur once).
/// Not thread-safe: one owner (the graph tier) mutates and queries it.
public final class CorrelationGraph {
    public static let defaultOvercorrelationThreshold = 20

    /// Dense indicator id (the graph tier stores it as the node's row id minus one).
    public typealias NodeID = UInt32
    /// Dense event slot, in the order events were added.
    public typealias EventSlot = UInt32

    public var warninglist: Warninglist {
        didSet {
            warninglistVerdicts = []
            warninglistSections = []
        }
    }
    /// Events older than this are past retention: never shown or followed.
    public var retentionCutoff: Timestamp?

    // Indicator nodes.
    var nodeKind: [UInt8] = []
    private var nodeValueStart: [UInt32] = [0]
    private var nodeValueBytes: [UInt8] = []
    var nodeFirstEvent: [UInt32] = []
    var nodeMore: [UInt32] = []
    var overflow: [[UInt32]] = []
    private var nodeIndex = HashIndex()
    /// Warninglist verdicts by node, computed on first need: 0 not asked yet, 1 not listed,
    /// else 2 + the index of its section in `warninglistSections`. An array, not a
    /// dictionary: a cluster query asks about every node of its window each time.
    private var warninglistVerdicts: [UInt16] = []
    private var warninglistSections: [String] = []

    // Events.
    var eventTime: [Int64] = []
    private(set) var eventSeverity: [UInt8] = []
    private var eventType: [UInt16] = []
    private var types: [String] = []
    private var typeIndex: [String: UInt16] = [:]
    private var eventIDStart: [UInt32] = [0]
    private var eventIDBytes: [UInt8] = []
    var edgeStart: [UInt32] = [0]
    var edges: [NodeID] = []
    private var eventIndex = HashIndex()

    /// Events holding a node that this graph does not hold, per node: a graph read for one
    /// question (`StoredGraphReader`) holds only the events it may visit, and counts the rest
    /// of a value's events, so that over-correlation and the counts shown are the whole
    /// store's. Empty for a graph that holds every event.
    public var eventsNotHeld: [NodeID: Int] = [:]

    /// Kept between neighbor queries (see `SearchBuffers`).
    var searchBuffers: SearchBuffers?

    /// The oldest event time held: when it is within retention, queries skip the time check.
    var oldestEventTime = Int64.max


    private static let none = UInt32.max
    /// No event (an empty posting slot).
    static let noEvent = UInt32.max
    private static let tombstone: UInt8 = 0

    public init(warninglist: Warninglist = .builtIn()) {
        self.warninglist = warninglist
    }

    public var nodeCount: Int { nodeKind.count }
    public var eventCount: Int { eventTime.count }
    public var edgeCount: Int { edges.count }

    /// Approximate bytes held.
    public var memoryBytes: Int { nodeKind.count * 13 + nodeValueBytes.count + nodeIndex.bytes + eventMemoryBytes }

    /// Approximate bytes the events take: their fields, edges and postings.
    public var eventMemoryBytes: Int {
        overflow.count * 48 + edges.count * 4 + eventTime.count * 19 + eventIDBytes.count + edges.count * 4 + eventIndex.bytes
    }

    // MARK: Indicators

    /// The node of `indicator`, if the graph has it.
    public func node(of indicator: Indicator) -> NodeID? {
        var value = indicator.value
        let kind = indicator.kind.rawValue
        return value.withUTF8 { bytes in findNode(kind: kind, bytes: bytes) }
    }

    private func findNode(kind: UInt8, bytes: UnsafeBufferPointer<UInt8>) -> NodeID? {
        let hash = Self.hash(kind: kind, bytes)
        return nodeIndex.find(hash: hash) { id in
            guard nodeKind[Int(id)] == kind else { return false }
            let start = Int(nodeValueStart[Int(id)])
            let end = Int(nodeValueStart[Int(id) + 1])
            guard end - start == bytes.count else { return false }
            return nodeValueBytes.withUnsafeBufferPointer { arena in Self.equal(arena, start, bytes) }
        }
    }

    /// The node of `indicator`, created when new (`created` says which).
    public func intern(_ indicator: Indicator) -> (node: NodeID, created: Bool) {
        if let existing = node(of: indicator) { return (existing, false) }
        return (appendNode(indicator), true)
    }

    /// Restores a node with a known id while loading; ids not restored become tombstones.
    public func restoreNode(_ id: NodeID, _ indicator: Indicator) {
        var rows = GraphNodeRows(capacity: 1)
        var value = indicator.value
        value.withUTF8 { rows.append(id: id, kind: indicator.kind, value: UnsafeRawBufferPointer($0)) }
        restoreNodes(rows)
    }

    /// Restores stored nodes as `restoreNode` would one by one (ids ascending, gaps becoming
    /// tombstones). The arrays are worked on as locals and put back, as `addEvents` does.
    public func restoreNodes(_ rows: GraphNodeRows) {
        guard rows.count > 0 else { return }
        var kind: [UInt8] = [], starts: [UInt32] = [], bytes: [UInt8] = [], first: [UInt32] = [], more: [UInt32] = []
        var index = HashIndex()
        /// Takes the arrays out of the graph, and puts them back when called again.
        func exchange() {
            swap(&kind, &nodeKind)
            swap(&starts, &nodeValueStart)
            swap(&bytes, &nodeValueBytes)
            swap(&first, &nodeFirstEvent)
            swap(&more, &nodeMore)
            swap(&index, &nodeIndex)
        }
        exchange()
        index.reserve(Int(rows.ids[rows.count - 1]) + 1)
        rows.valueBytes.withUnsafeBufferPointer { values in
            var start = 0
            for r in 0..<rows.count {
                let id = Int(rows.ids[r])
                precondition(id >= kind.count, "nodes must be restored in id order")
                while kind.count < id {
                    kind.append(Self.tombstone)
                    starts.append(UInt32(bytes.count))
                    first.append(Self.none)
                    more.append(Self.none)
                }
                let end = Int(rows.valueEnds[r])
                let value = UnsafeBufferPointer(rebasing: values[start..<end])
                start = end
                bytes.append(contentsOf: value)
                index.insert(hash: Self.hash(kind: rows.kinds[r], value), id: NodeID(id))
                kind.append(rows.kinds[r])
                starts.append(UInt32(bytes.count))
                first.append(Self.none)
                more.append(Self.none)
            }
        }
        exchange()
    }

    private func appendNode(_ indicator: Indicator) -> NodeID {
        let id = NodeID(nodeKind.count)
        var value = indicator.value
        let kind = indicator.kind.rawValue
        value.withUTF8 { bytes in
            nodeValueBytes.append(contentsOf: bytes)
            nodeIndex.insert(hash: Self.hash(kind: kind, bytes), id: id)
        }
        nodeKind.append(kind)
        nodeValueStart.append(UInt32(nodeValueBytes.count))
        nodeFirstEvent.append(Self.none)
        nodeMore.append(Self.none)
        return id
    }

    public func indicator(_ node: NodeID) -> Indicator {
        let i = Int(node)
        let value = nodeValueBytes.withUnsafeBufferPointer { arena in
            String(decoding: UnsafeBufferPointer(rebasing: arena[Int(nodeValueStart[i])..<Int(nodeValueStart[i + 1])]), as: UTF8.self)
        }
        return Indicator(IndicatorKind(rawValue: nodeKind[i]) ?? .other, value)
    }

    /// Events holding `node` (past-retention ones included; `eventsNotHeld` ones too).
    public func eventCount(of node: NodeID) -> Int {
        let i = Int(node)
        let notHeld = eventsNotHeld.isEmpty ? 0 : eventsNotHeld[node] ?? 0
        guard nodeFirstEvent[i] != Self.none else { return notHeld }
        return 1 + (nodeMore[i] == Self.none ? 0 : overflow[Int(nodeMore[i])].count) + notHeld
    }

    /// Nodes that no event holds (left by retention), for the tier to delete.
    public func unreferencedNodes() -> [NodeID] {
        var out: [NodeID] = []
        for i in nodeKind.indices where nodeKind[i] != Self.tombstone && nodeFirstEvent[i] == Self.none {
            out.append(NodeID(i))
        }
        return out
    }

    /// Forgets nodes no event holds (their ids stay reserved): after the tier deleted them.
    public func removeNodes(_ nodes: [NodeID]) {
        guard !nodes.isEmpty else { return }
        for node in nodes where nodeFirstEvent[Int(node)] == Self.none { nodeKind[Int(node)] = Self.tombstone }
        var index = HashIndex(capacity: nodeKind.count)
        nodeValueBytes.withUnsafeBufferPointer { arena in
            for i in nodeKind.indices where nodeKind[i] != Self.tombstone {
                let bytes = UnsafeBufferPointer(rebasing: arena[Int(nodeValueStart[i])..<Int(nodeValueStart[i + 1])])
                index.insert(hash: Self.hash(kind: nodeKind[i], bytes), id: NodeID(i))
            }
        }
        nodeIndex = index
    }

    /// Whether the node's value is warninglisted (its section not looked up once known).
    func isWarninglisted(_ node: NodeID) -> Bool {
        let i = Int(node)
        if i < warninglistVerdicts.count, warninglistVerdicts[i] != 0 { return warninglistVerdicts[i] != 1 }
        return warninglistSection(node) != nil
    }

    func warninglistSection(_ node: NodeID) -> String? {
        let i = Int(node)
        if i < warninglistVerdicts.count {
            let verdict = Int(warninglistVerdicts[i])
            if verdict == 1 { return nil }
            if verdict >= 2 { return warninglistSections[verdict - 2] }
        } else {
            warninglistVerdicts.append(contentsOf: repeatElement(0, count: i + 1 - warninglistVerdicts.count))
        }
        let section = warninglist.match(indicator(node))?.section
        if let section {
            let index = warninglistSections.firstIndex(of: section) ?? warninglistSections.count
            if index == warninglistSections.count { warninglistSections.append(section) }
            // (A list of more than 65,533 sections is asked again each time: never seen.)
            if index < Int(UInt16.max) - 2 { warninglistVerdicts[i] = UInt16(index + 2) }
        } else {
            warninglistVerdicts[i] = 1
        }
        return section
    }

    public func describe(_ node: NodeID, threshold: Int) -> GraphIndicator {
        let count = eventCount(of: node)
        return GraphIndicator(indicator: indicator(node), events: count, overcorrelated: count > threshold,
                              warninglisted: warninglistSection(node))
    }

    @inline(__always)
    private func forEachEvent(of node: NodeID, _ body: (EventSlot) -> Bool) {
        let i = Int(node)
        let first = nodeFirstEvent[i]
        guard first != Self.none else { return }
        guard body(first) else { return }
        let more = nodeMore[i]
        guard more != Self.none else { return }
        overflow[Int(more)].withUnsafeBufferPointer { list in
            for slot in list where !body(slot) { return }
        }
    }

    // MARK: Events

    /// Adds an event holding `nodes`; returns its slot. The caller adds each event once
    /// (the graph tier only adds events the warm tier accepted as new). One event is a batch
    /// of one: `addEvents` is the only place events and postings are written.
    @discardableResult
    public func addEvent(id: String, time: Timestamp, type: String, severity: Severity?, nodes: [NodeID]) -> EventSlot {
        let slot = EventSlot(eventTime.count)
        var rows = GraphEventRows(capacity: 1)
        rows.append(id: id, time: time, type: type, severity: severity, nodes: nodes)
        addEvents(rows)
        return slot
    }

    /// The graph's number for an event type (the last one for every type past 65,535).
    private func typeID(_ type: String) -> UInt16 {
        if let t = typeIndex[type] { return t }
        let t = UInt16(min(types.count, Int(UInt16.max)))
        if types.count < Int(UInt16.max) {
            types.append(type)
            typeIndex[type] = t
        }
        return t
    }

    /// Makes room for nodes up to `count` in all (a load knows the highest stored id; growing
    /// a batch at a time would copy the arrays at every batch).
    public func reserve(nodes count: Int) {
        nodeIndex.reserve(count)
        nodeKind.reserveCapacity(count)
        nodeValueStart.reserveCapacity(count + 1)
        nodeFirstEvent.reserveCapacity(count)
        nodeMore.reserveCapacity(count)
    }

    /// Makes room for `count` more events (a load knows how many are coming).
    public func reserve(events count: Int) {
        eventIndex.reserve(eventTime.count + count)
        eventTime.reserveCapacity(eventTime.count + count)
        eventSeverity.reserveCapacity(eventSeverity.count + count)
        eventType.reserveCapacity(eventType.count + count)
        eventIDStart.reserveCapacity(eventIDStart.count + count)
        edgeStart.reserveCapacity(edgeStart.count + count)
    }

    /// Adds `rows` in order, as `addEvent` would one by one (the nodes must exist).
    public func addEvents(_ rows: GraphEventRows) {
        guard rows.count > 0 else { return }
        // The postings below are written through unchecked pointers.
        precondition(rows.nodes.allSatisfy { Int($0) < nodeFirstEvent.count }, "addEvents: a node the graph does not have")
        let first = eventTime.count
        let types = rows.typeNames.map { typeID($0) }
        // The arrays are worked on as locals and put back: every access to a class's stored
        // array is checked for exclusive access, and each append for an unshared buffer.
        var index = HashIndex()
        swap(&index, &eventIndex)
        index.reserve(first + rows.count)
        rows.idBytes.withUnsafeBufferPointer { ids in
            var start = 0
            for r in 0..<rows.count {
                let end = Int(rows.idEnds[r])
                index.insert(hash: Self.hash(kind: 0, UnsafeBufferPointer(rebasing: ids[start..<end])), id: EventSlot(first + r))
                start = end
            }
        }
        swap(&index, &eventIndex)
        let idBase = UInt32(truncatingIfNeeded: eventIDBytes.count)
        eventIDBytes.append(contentsOf: rows.idBytes)
        eventIDStart.append(contentsOf: rows.idEnds.lazy.map { $0 &+ idBase })
        eventTime.append(contentsOf: rows.times)
        if let oldest = rows.times.min(), oldest < oldestEventTime { oldestEventTime = oldest }
        eventSeverity.append(contentsOf: rows.severities)
        eventType.append(contentsOf: rows.typeOfRow.lazy.map { types[Int($0)] })
        let edgeBase = UInt32(truncatingIfNeeded: edges.count)
        edges.append(contentsOf: rows.nodes)
        edgeStart.append(contentsOf: rows.nodeEnds.lazy.map { $0 &+ edgeBase })
        var firstEvent: [UInt32] = [], more: [UInt32] = [], lists: [[UInt32]] = []
        swap(&firstEvent, &nodeFirstEvent)
        swap(&more, &nodeMore)
        swap(&lists, &overflow)
        firstEvent.withUnsafeMutableBufferPointer { firstEvent in
            more.withUnsafeMutableBufferPointer { more in
                rows.nodes.withUnsafeBufferPointer { nodes in
                    var start = 0
                    for r in 0..<rows.count {
                        let slot = EventSlot(first + r)
                        let end = Int(rows.nodeEnds[r])
                        for k in start..<end {
                            let i = Int(nodes[k])
                            if firstEvent[i] == Self.none {
                                firstEvent[i] = slot
                            } else if more[i] == Self.none {
                                more[i] = UInt32(lists.count)
                                lists.append([slot])
                            } else {
                                lists[Int(more[i])].append(slot)
                            }
                        }
                        start = end
                    }
                }
            }
        }
        swap(&firstEvent, &nodeFirstEvent)
        swap(&more, &nodeMore)
        swap(&lists, &overflow)
    }

    /// The slot of the event with id `id`.
    public func slot(ofEvent id: String) -> EventSlot? {
        var id = id
        return id.withUTF8 { bytes in
            eventIndex.find(hash: Self.hash(kind: 0, bytes)) { slot in
                let start = Int(eventIDStart[Int(slot)])
                let end = Int(eventIDStart[Int(slot) + 1])
                guard end - start == bytes.count else { return false }
                return eventIDBytes.withUnsafeBufferPointer { arena in Self.equal(arena, start, bytes) }
            }
        }
    }

    public func event(_ slot: EventSlot) -> GraphEvent {
        let i = Int(slot)
        let id = eventIDBytes.withUnsafeBufferPointer { arena in
            String(decoding: UnsafeBufferPointer(rebasing: arena[Int(eventIDStart[i])..<Int(eventIDStart[i + 1])]), as: UTF8.self)
        }
        let severity = eventSeverity[i]
        return GraphEvent(id: id, time: Timestamp(microseconds: eventTime[i]), type: types[Int(eventType[i])],
                          severity: severity == 0 ? nil : Severity(Int(severity)),
                          indicatorCount: Int(edgeStart[i + 1] - edgeStart[i]))
    }

    /// An event's severity, without building the event (no id string to make).
    func severity(ofEvent slot: EventSlot) -> Severity? {
        let value = eventSeverity[Int(slot)]
        return value == 0 ? nil : Severity(Int(value))
    }

    /// An event's type as a small code (one per distinct type), and a code's type name.
    func typeCode(ofEvent slot: EventSlot) -> UInt16 { eventType[Int(slot)] }
    func typeName(ofCode code: UInt16) -> String { types[Int(code)] }

    /// The indicators of an event, in the order they were added.
    public func nodes(ofEvent slot: EventSlot) -> [NodeID] {
        Array(edges[Int(edgeStart[Int(slot)])..<Int(edgeStart[Int(slot) + 1])])
    }

    /// Whether an event is within retention.
    @inline(__always)
    public func isLive(_ slot: EventSlot) -> Bool {
        guard let cutoff = retentionCutoff else { return true }
        return eventTime[Int(slot)] >= cutoff.microseconds
    }

    // MARK: Undo

    /// A point to roll back to when a commit that added nodes and events fails.
    public struct Mark: Sendable {
        var nodes: Int
        var nodeBytes: Int
        var events: Int
        var eventBytes: Int
        var edges: Int
        var overflowLists: Int
    }

    public func mark() -> Mark {
        Mark(nodes: nodeKind.count, nodeBytes: nodeValueBytes.count, events: eventTime.count, eventBytes: eventIDBytes.count,
             edges: edges.count, overflowLists: overflow.count)
    }

    /// Removes every node and event added since `mark`.
    public func rollback(to mark: Mark) {
        guard eventTime.count > mark.events || nodeKind.count > mark.nodes else { return }
        // Undo postings newest first: each removed event is the last entry of its nodes' lists.
        var slot = eventTime.count - 1
        while slot >= mark.events {
            for e in stride(from: Int(edgeStart[slot + 1]) - 1, through: Int(edgeStart[slot]), by: -1) {
                let i = Int(edges[e])
                if nodeMore[i] != Self.none, let last = overflow[Int(nodeMore[i])].last, last == UInt32(slot) {
                    overflow[Int(nodeMore[i])].removeLast()
                    if overflow[Int(nodeMore[i])].isEmpty && Int(nodeMore[i]) >= mark.overflowLists { nodeMore[i] = Self.none }
                } else if nodeFirstEvent[i] == UInt32(slot) {
                    nodeFirstEvent[i] = Self.none
                }
            }
            slot -= 1
        }
        overflow.removeSubrange(mark.overflowLists...)
        eventTime.removeSubrange(mark.events...)
        oldestEventTime = eventTime.min() ?? Int64.max
        eventSeverity.removeSubrange(mark.events...)
        eventType.removeSubrange(mark.events...)
        eventIDStart.removeSubrange((mark.events + 1)...)
        eventIDBytes.removeSubrange(mark.eventBytes...)
        edgeStart.removeSubrange((mark.events + 1)...)
        edges.removeSubrange(mark.edges...)
        eventIndex.removeIDs(from: UInt32(mark.events))
        nodeKind.removeSubrange(mark.nodes...)
        nodeValueStart.removeSubrange((mark.nodes + 1)...)
        nodeValueBytes.removeSubrange(mark.nodeBytes...)
        nodeFirstEvent.removeSubrange(mark.nodes...)
        nodeMore.removeSubrange(mark.nodes...)
        nodeIndex.removeIDs(from: UInt32(mark.nodes))
        if warninglistVerdicts.count > mark.nodes { warninglistVerdicts.removeSubrange(mark.nodes...) }
    }

    // MARK: Memory budget

    /// The time of the oldest event held (nil when none is).
    public var oldestHeldTime: Timestamp? { eventTime.isEmpty ? nil : Timestamp(microseconds: oldestEventTime) }

    /// Forgets the `count` oldest events held (their rows stay in the database): events,
    /// edges and postings are rebuilt for the rest, whose slots move down by `count`. Nodes
    /// stay (a value's id never changes). Not while a commit is open: marks taken before
    /// do not survive it.
    public func dropOldest(_ count: Int) {
        let k = min(max(0, count), eventCount)
        guard k > 0 else { return }
        let idBase = Int(eventIDStart[k])
        let edgeBase = Int(edgeStart[k])
        eventTime.removeSubrange(0..<k)
        eventSeverity.removeSubrange(0..<k)
        eventType.removeSubrange(0..<k)
        eventIDStart = eventIDStart[k...].map { $0 - UInt32(idBase) }
        eventIDBytes.removeSubrange(0..<idBase)
        edgeStart = edgeStart[k...].map { $0 - UInt32(edgeBase) }
        edges.removeSubrange(0..<edgeBase)
        oldestEventTime = eventTime.min() ?? Int64.max
        var index = HashIndex(capacity: eventTime.count)
        eventIDBytes.withUnsafeBufferPointer { arena in
            for slot in eventTime.indices {
                let bytes = UnsafeBufferPointer(rebasing: arena[Int(eventIDStart[slot])..<Int(eventIDStart[slot + 1])])
                index.insert(hash: Self.hash(kind: 0, bytes), id: EventSlot(slot))
            }
        }
        eventIndex = index
        // Postings from scratch, in slot order (oldest first, as `addEvent` keeps them).
        for i in nodeFirstEvent.indices {
            nodeFirstEvent[i] = Self.none
            nodeMore[i] = Self.none
        }
        overflow = []
        for slot in eventTime.indices {
            for e in Int(edgeStart[slot])..<Int(edgeStart[slot + 1]) {
                let i = Int(edges[e])
                if nodeFirstEvent[i] == Self.none {
                    nodeFirstEvent[i] = EventSlot(slot)
                } else if nodeMore[i] == Self.none {
                    nodeMore[i] = UInt32(overflow.count)
                    overflow.append([EventSlot(slot)])
                } else {
                    overflow[Int(nodeMore[i])].append(EventSlot(slot))
                }
            }
        }
        searchBuffers = nil
    }

    // MARK: Hashing

    @inline(__always)
    private static func equal(_ arena: UnsafeBufferPointer<UInt8>, _ start: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for k in 0..<bytes.count where arena[start + k] != bytes[k] { return false }
        return true
    }

    @inline(__always)
    static func hash(kind: UInt8, _ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(kind)
        h = h &* 0x0000_0100_0000_01B3
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        // FNV's low bits mix poorly for short keys; fold the high half in.
        return h ^ (h >> 29)
    }

    @inline(__always)
    func edgeRange(_ slot: EventSlot) -> Range<Int> { Int(edgeStart[Int(slot)])..<Int(edgeStart[Int(slot) + 1]) }

    @inline(__always)
    func edge(_ index: Int) -> NodeID { edges[index] }

    @inline(__always)
    func time(_ slot: EventSlot) -> Int64 { eventTime[Int(slot)] }

    /// Calls `body` with each event holding `node`, oldest first, until it returns false.
    public func eventsOf(_ node: NodeID, _ body: (EventSlot) -> Bool) { forEachEvent(of: node, body) }
}
