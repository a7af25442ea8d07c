/// Cells with their counts in about 2–3 bytes a cell, where `SortedCellCounts` takes 12: the
/// cells ascending, each written as a varint of its distance from the one before, the
/// distances divided by the power of two they all share (cells of one resolution differ only
/// in their base cell and digits, so resolution-5 cells are all 2³⁰ apart at least), then the
/// count as a varint.
///
/// Why: the risk board keeps an hour of hot-spot counts per hour of the last day. A dense
/// feed puts tens of thousands of resolution-5 cells in every hour, and as sorted columns
/// those hours were most of what an ingest's memory grew by from one to ten million events.
struct PackedCellCounts: Sendable, Equatable {
    private var bytes: [UInt8] = []
    /// The first cell, written whole.
    private var first: UInt64 = 0
    /// Low bits every distance has as zeros, dropped from each.
    private var shift: UInt64 = 0
    /// Cells held.
    private(set) var count = 0

    init() {}

    /// Packs cells that are ascending and distinct, with their counts.
    init(ascending cells: [UInt64], counts: [UInt32]) {
        let n = min(cells.count, counts.count)
        guard n > 0 else { return }
        first = cells[0]
        var common = UInt64.bitWidth
        for i in 1..<max(1, n) {
            common = min(common, (cells[i] &- cells[i - 1]).trailingZeroBitCount)
        }
        shift = UInt64(common == UInt64.bitWidth ? 0 : common)
        bytes.reserveCapacity(n * 3)
        Self.append(UInt64(counts[0]), to: &bytes)
        for i in 1..<n {
            Self.append((cells[i] &- cells[i - 1]) >> shift, to: &bytes)
            Self.append(UInt64(counts[i]), to: &bytes)
        }
        count = n
    }

    /// Bytes held (the packing's own measure).
    var packedBytes: Int { bytes.count }

    /// Reads the cells back in order.
    struct Cursor {
        private let packed: PackedCellCounts
        private var offset = 0
        private var read = 0
        private var previous: UInt64 = 0

        init(_ packed: PackedCellCounts) { self.packed = packed }

        mutating func next() -> (cell: UInt64, count: UInt32)? {
            guard read < packed.count else { return nil }
            let cell: UInt64
            if read == 0 {
                cell = packed.first
            } else {
                cell = previous &+ (packed.varint(at: &offset) << packed.shift)
            }
            let count = UInt32(truncatingIfNeeded: packed.varint(at: &offset))
            previous = cell
            read += 1
            return (cell, count)
        }
    }

    func makeCursor() -> Cursor { Cursor(self) }

    /// Every cell with its count, ascending.
    var columns: (cells: [UInt64], counts: [UInt32]) {
        var cells: [UInt64] = []
        var counts: [UInt32] = []
        cells.reserveCapacity(count)
        counts.reserveCapacity(count)
        var cursor = makeCursor()
        while let (cell, n) = cursor.next() {
            cells.append(cell)
            counts.append(n)
        }
        return (cells, counts)
    }

    /// The cells of all `parts` together, ascending, counts of a cell in several parts added
    /// (a count that would pass `UInt32.max` stays there): one k-way merge of their cursors.
    static func merged(_ parts: [PackedCellCounts]) -> (cells: [UInt64], counts: [UInt32]) {
        // Two passes, the first only counting: the columns are made at their size, not grown
        // by doubling (a day's merge is the largest thing the board holds, for a moment).
        var size = 0
        mergeEach(parts) { _, _ in size += 1 }
        var cells: [UInt64] = []
        var counts: [UInt32] = []
        cells.reserveCapacity(size)
        counts.reserveCapacity(size)
        mergeEach(parts) { cell, total in
            cells.append(cell)
            counts.append(total)
        }
        return (cells, counts)
    }

    private static func mergeEach(_ parts: [PackedCellCounts], _ body: (UInt64, UInt32) -> Void) {
        var cursors = parts.map { $0.makeCursor() }
        var heads = cursors.indices.map { cursors[$0].next() }
        while true {
            var smallest: UInt64?
            for head in heads {
                if let head, smallest.map({ head.cell < $0 }) ?? true { smallest = head.cell }
            }
            guard let cell = smallest else { break }
            var total: UInt32 = 0
            for p in heads.indices {
                guard let head = heads[p], head.cell == cell else { continue }
                let (sum, overflow) = total.addingReportingOverflow(head.count)
                total = overflow ? .max : sum
                heads[p] = cursors[p].next()
            }
            body(cell, total)
        }
    }

    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    private func varint(at offset: inout Int) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            if shift < 64 { value |= UInt64(byte & 0x7F) << shift }
            if byte < 0x80 { break }
            shift += 7
        }
        return value
    }
}
