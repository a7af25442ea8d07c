/// Events, column by column, for `CorrelationGraph.addEvents`: a load adds millions of stored
/// events and a commit its new ones, and one call per batch keeps the per-event cost to
/// copying (one call per event checked every array it grew for exclusive, unshared access:
/// half the load).
public struct GraphEventRows: Sendable {
    public private(set) var count = 0
    /// Every event's id bytes, back to back; `idEnds[r]` ends row r's.
    private(set) var idBytes: [UInt8] = []
    private(set) var idEnds: [UInt32] = []
    private(set) var times: [Int64] = []
    /// 0: unrated.
    private(set) var severities: [UInt8] = []
    /// Per row, its type's index in `typeNames`.
    private(set) var typeOfRow: [UInt16] = []
    private(set) var typeNames: [String] = []
    private var typeNameBytes: [[UInt8]] = []
    private var lastType = -1
    /// Every event's nodes, back to back; `nodeEnds[r]` ends row r's.
    private(set) var nodes: [CorrelationGraph.NodeID] = []
    private(set) var nodeEnds: [UInt32] = []

    /// Types told apart per batch at most (a batch with more is cut short by `isFull`): each
    /// row finds its type by a walk of the batch's types.
    public static let typeCapacity = 256

    public init(capacity: Int = 4096) {
        idEnds.reserveCapacity(capacity)
        times.reserveCapacity(capacity)
        severities.reserveCapacity(capacity)
        typeOfRow.reserveCapacity(capacity)
        nodeEnds.reserveCapacity(capacity)
    }

    /// Whether the batch should be added before more rows come (`rows` of them, or its types).
    public func isFull(rows: Int) -> Bool { count >= rows || typeNames.count >= Self.typeCapacity }

    /// Adds a row: the event's id and type as UTF-8 bytes, its time, severity and nodes.
    public mutating func append(id: UnsafeRawBufferPointer, time: Timestamp, type: UnsafeRawBufferPointer, severity: Severity?,
                                nodes list: [CorrelationGraph.NodeID]) {
        idBytes.append(contentsOf: id)
        idEnds.append(UInt32(truncatingIfNeeded: idBytes.count))
        times.append(time.microseconds)
        severities.append(UInt8(severity?.value ?? 0))
        typeOfRow.append(UInt16(typeIndex(type)))
        nodes.append(contentsOf: list)
        nodeEnds.append(UInt32(truncatingIfNeeded: nodes.count))
        count += 1
    }

    /// Adds a row from an event's fields as strings (a live commit).
    public mutating func append(id: String, time: Timestamp, type: String, severity: Severity?, nodes list: [CorrelationGraph.NodeID]) {
        var id = id, type = type
        id.withUTF8 { idBytes in
            type.withUTF8 { typeBytes in
                append(id: UnsafeRawBufferPointer(idBytes), time: time, type: UnsafeRawBufferPointer(typeBytes), severity: severity, nodes: list)
            }
        }
    }

    /// Empties the batch, keeping its storage.
    public mutating func removeAll() {
        count = 0
        idBytes.removeAll(keepingCapacity: true)
        idEnds.removeAll(keepingCapacity: true)
        times.removeAll(keepingCapacity: true)
        severities.removeAll(keepingCapacity: true)
        typeOfRow.removeAll(keepingCapacity: true)
        typeNames.removeAll(keepingCapacity: true)
        typeNameBytes.removeAll(keepingCapacity: true)
        lastType = -1
        nodes.removeAll(keepingCapacity: true)
        nodeEnds.removeAll(keepingCapacity: true)
    }

    /// The index of `type` in `typeNames`, added when new (rows of one type mostly come together).
    private mutating func typeIndex(_ type: UnsafeRawBufferPointer) -> Int {
        if lastType >= 0, typeNameBytes[lastType].elementsEqual(type) { return lastType }
        if let known = typeNameBytes.firstIndex(where: { $0.elementsEqual(type) }) {
            lastType = known
            return known
        }
        typeNameBytes.append(Array(type))
        typeNames.append(String(decoding: type, as: UTF8.self))
        lastType = typeNames.count - 1
        return lastType
    }
}
