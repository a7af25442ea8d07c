import H3

/// Events per cell within one span (the risk board keeps one per hour of event time), in
/// little memory: counted cells are sealed into two sorted arrays (12 bytes a cell, however
/// many events it had), and only the cells counted since the last seal live in a dictionary,
/// which is sealed when it reaches `recentLimit` cells.
///
/// Why: a day of a busy feed touches hundreds of thousands of resolution-5 cells every hour;
/// as 24 dictionaries of cell → count those cost over 100 MB in a 10M-event ingest, the
/// largest part of its peak memory. The same counts sealed cost a fifth of that.
struct HourCellCounts: Sendable {
    /// Sealed cells, ascending, each once.
    private var cells: [UInt64] = []
    /// `counts[i]` is the number of events in `cells[i]`.
    private var counts: [UInt32] = []
    /// Cells counted since the last seal.
    private var recent: [UInt64: UInt32] = [:]
    /// Events counted.
    private(set) var total = 0

    /// Cells the dictionary holds before they are sealed.
    let recentLimit: Int

    init(recentLimit: Int = 8_192) {
        self.recentLimit = max(1, recentLimit)
    }

    /// Distinct cells counted.
    var cellCount: Int {
        var n = cells.count
        for cell in recent.keys where !containsSealed(cell) { n += 1 }
        return n
    }

    /// Counts one event in `cell`.
    mutating func add(_ cell: H3Index) {
        recent[cell.rawValue, default: 0].addSaturating(1)
        total += 1
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

    /// Calls `body` with each counted cell and its events (a cell once, with its whole count).
    func forEach(_ body: (H3Index, Int) -> Void) {
        for (i, cell) in cells.enumerated() {
            var n = counts[i]
            if let more = recent[cell] { n.addSaturating(more) }
            body(H3Index(cell), Int(n))
        }
        for (cell, n) in recent where !containsSealed(cell) { body(H3Index(cell), Int(n)) }
    }

    private func containsSealed(_ cell: UInt64) -> Bool {
        var low = 0, high = cells.count
        while low < high {
            let mid = (low + high) / 2
            if cells[mid] < cell { low = mid + 1 } else { high = mid }
        }
        return low < cells.count && cells[low] == cell
    }
}

private extension UInt32 {
    /// Adds, stopping at the largest value instead of trapping.
    mutating func addSaturating(_ other: UInt32) {
        let (sum, overflow) = addingReportingOverflow(other)
        self = overflow ? .max : sum
    }
}
