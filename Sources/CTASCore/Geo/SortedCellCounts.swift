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
            self.cells = Array(cells.prefix(n))
            self.counts = Array(counts.prefix(n))
            return
        }
        var merged: [UInt64: UInt32] = [:]
        for i in 0..<n {
            let (sum, overflow) = merged[cells[i], default: 0].addingReportingOverflow(counts[i])
            merged[cells[i]] = overflow ? .max : sum
        }
        let pairs = merged.sorted { $0.key < $1.key }
        self.cells = pairs.map(\.key)
        self.counts = pairs.map(\.value)
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
