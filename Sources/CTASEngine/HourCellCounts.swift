import CTASCore
import H3

/// Events per cell within one span (the risk board keeps one per hour of event time), in
/// little memory: counted cells are sealed into two sorted arrays (12 bytes a cell, however
/// many events it had), and only the cells counted since the last seal live in a dictionary,
/// which is sealed when it reaches `recentLimit` cells.
///
/// Why: a day of a busy feed touches tens of thousands of resolution-5 cells every hour and
/// over a million in the day; kept as 24 dictionaries of cell → count (30–40 bytes a cell
/// each) they were the largest part of a 10M-event ingest's peak memory.
struct HourCellCounts: Sendable {
    /// Sealed cells, ascending, each once.
    private var cells: [UInt64] = []
    /// `counts[i]` is the number of events in `cells[i]`.
    private var counts: [UInt32] = []
    /// Cells counted since the last seal.
    private var recent: [UInt64: UInt32] = [:]
    /// Cells the dictionary holds before they are sealed.
    let recentLimit: Int

    init(recentLimit: Int = 8_192) {
        self.recentLimit = max(1, recentLimit)
    }

    /// Counts one event in `cell`.
    mutating func add(_ cell: H3Index) {
        recent[cell.rawValue, default: 0].addSaturating(1)
        if recent.count >= recentLimit { seal() }
    }

    /// Merges the recent cells into the sorted arrays.
    mutating func seal() {
        guard !recent.isEmpty else { return }
        let fresh = recent.sorted { $0.key < $1.key }
        recent = [:]
        var mergedCells: [UInt64] = []
        var mergedCounts: [UInt32] = []
        mergedCells.reserveCapacity(cells.count + fresh.count)
        mergedCounts.reserveCapacity(cells.count + fresh.count)
        var i = 0, j = 0
        while i < cells.count || j < fresh.count {
            if j == fresh.count || (i < cells.count && cells[i] < fresh[j].key) {
                mergedCells.append(cells[i]); mergedCounts.append(counts[i]); i += 1
            } else if i == cells.count || fresh[j].key < cells[i] {
                mergedCells.append(fresh[j].key); mergedCounts.append(fresh[j].value); j += 1
            } else {
                var sum = counts[i]
                sum.addSaturating(fresh[j].value)
                mergedCells.append(cells[i]); mergedCounts.append(sum); i += 1; j += 1
            }
        }
        cells = mergedCells
        counts = mergedCounts
    }

    /// The events per cell of all `spans` together, as sorted columns (each span sealed
    /// first, then merged: memory is the result's 12 bytes a cell, no dictionary).
    static func merged(_ spans: [HourCellCounts]) -> SortedCellCounts {
        let sealed = spans.map { span -> HourCellCounts in
            var span = span
            span.seal()
            return span
        }
        var position = [Int](repeating: 0, count: sealed.count)
        var cells: [UInt64] = []
        var counts: [UInt32] = []
        cells.reserveCapacity(sealed.map(\.cells.count).max() ?? 0)
        counts.reserveCapacity(cells.capacity)
        while true {
            var smallest: UInt64?
            for (s, span) in sealed.enumerated() where position[s] < span.cells.count {
                let cell = span.cells[position[s]]
                if smallest.map({ cell < $0 }) ?? true { smallest = cell }
            }
            guard let cell = smallest else { break }
            var total: UInt32 = 0
            for (s, span) in sealed.enumerated() where position[s] < span.cells.count && span.cells[position[s]] == cell {
                total.addSaturating(span.counts[position[s]])
                position[s] += 1
            }
            cells.append(cell)
            counts.append(total)
        }
        return SortedCellCounts(cells: cells, counts: counts)
    }
}

private extension UInt32 {
    /// Adds, stopping at the largest value instead of trapping.
    mutating func addSaturating(_ other: UInt32) {
        let (sum, overflow) = addingReportingOverflow(other)
        self = overflow ? .max : sum
    }
}
