import H3

/// Counts per cell as two sorted columns (12 bytes a cell), for analyses over very many
/// cells where a dictionary would cost several times as much: the engine's day of hot-spot
/// counts reaches a million and more resolution-5 cells. Looked up by binary search.
public struct SortedCellCounts: Sendable, Equatable {
    /// Cells, ascending, each once.
    public private(set) var cells: [UInt64]
    /// `counts[i]` belongs to `cells[i]`.
    public private(set) var counts: [UInt32]

    /// Takes the columns as given when they are already sorted without repeats (the merge
    /// that builds them makes them so); otherwise sorts them and adds up repeated cells.
    public init(cells: [UInt64], counts: [UInt32]) {
        let n = min(cells.count, counts.count)
        var ordered = true
        for i in 1..<max(1, n) where cells[i - 1] >= cells[i] { ordered = false; break }
        if ordered {
            // Taken as they are when whole (no copy of a day's columns).
            self.cells = n == cells.count ? cells : Array(cells.prefix(n))
            self.counts = n == counts.count ? counts : Array(counts.prefix(n))
            return
        }
        var merged: [UInt64: UInt32] = [:]
        for i in 0..<n { merged[cells[i]] = Self.saturatingSum(merged[cells[i], default: 0], counts[i]) }
        let pairs = merged.sorted { $0.key < $1.key }
        self.cells = pairs.map(\.key)
        self.counts = pairs.map(\.value)
    }

    /// No cells.
    public init() {
        cells = []
        counts = []
    }

    /// The counts of all `parts` together: one k-way merge of their columns, so memory is
    /// the result's 12 bytes a cell and nothing is hashed. A count that would pass
    /// `UInt32.max` stays there.
    public static func merged(_ parts: [SortedCellCounts]) -> SortedCellCounts {
        var position = [Int](repeating: 0, count: parts.count)
        var cells: [UInt64] = []
        var counts: [UInt32] = []
        cells.reserveCapacity(parts.map(\.cells.count).max() ?? 0)
        counts.reserveCapacity(cells.capacity)
        while true {
            var smallest: UInt64?
            for (p, part) in parts.enumerated() where position[p] < part.cells.count {
                let cell = part.cells[position[p]]
                if smallest.map({ cell < $0 }) ?? true { smallest = cell }
            }
            guard let cell = smallest else { break }
            var total: UInt32 = 0
            for (p, part) in parts.enumerated() where position[p] < part.cells.count && part.cells[position[p]] == cell {
                total = saturatingSum(total, part.counts[position[p]])
                position[p] += 1
            }
            cells.append(cell)
            counts.append(total)
        }
        var result = SortedCellCounts()
        result.cells = cells
        result.counts = counts
        return result
    }

    /// `a + b`, or `UInt32.max` where that would overflow (counts of outside events never trap).
    static func saturatingSum(_ a: UInt32, _ b: UInt32) -> UInt32 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    /// Cells counted.
    public var count: Int { cells.count }

    /// The count of `cell` (nil when it has none).
    public func count(of cell: H3Index) -> UInt32? {
        var low = 0, high = cells.count
        while low < high {
            let mid = (low + high) / 2
            if cells[mid] < cell.rawValue { low = mid + 1 } else { high = mid }
        }
        return low < cells.count && cells[low] == cell.rawValue ? counts[low] : nil
    }
}
