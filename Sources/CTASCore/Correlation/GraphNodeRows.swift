/// Stored nodes (indicators with their ids), column by column, for
/// `CorrelationGraph.restoreNodes`: a load restores hundreds of thousands before its first
/// commit, and one call per few thousand keeps the per-node cost to copying (one call per
/// node checked every array it grew for exclusive, unshared access).
public struct GraphNodeRows: Sendable {
    public private(set) var count = 0
    private(set) var ids: [CorrelationGraph.NodeID] = []
    private(set) var kinds: [UInt8] = []
    /// Every value's bytes, back to back; `valueEnds[r]` ends row r's.
    private(set) var valueBytes: [UInt8] = []
    private(set) var valueEnds: [UInt32] = []

    public init(capacity: Int = 4096) {
        ids.reserveCapacity(capacity)
        kinds.reserveCapacity(capacity)
        valueEnds.reserveCapacity(capacity)
    }

    /// Adds a node: its id, kind and value as UTF-8 bytes.
    public mutating func append(id: CorrelationGraph.NodeID, kind: IndicatorKind, value: UnsafeRawBufferPointer) {
        ids.append(id)
        kinds.append(kind.rawValue)
        valueBytes.append(contentsOf: value)
        valueEnds.append(UInt32(truncatingIfNeeded: valueBytes.count))
        count += 1
    }

    /// Empties the batch, keeping its storage.
    public mutating func removeAll() {
        count = 0
        ids.removeAll(keepingCapacity: true)
        kinds.removeAll(keepingCapacity: true)
        valueBytes.removeAll(keepingCapacity: true)
        valueEnds.removeAll(keepingCapacity: true)
    }
}
