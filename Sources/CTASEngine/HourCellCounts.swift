import CTASCore
import H3

/// Events per cell within one span (the risk board keeps one per hour of event time), in
/// little memory: counted cells are sealed into a packed run (`PackedCellCounts`, 2–3 bytes a
/// cell, however many events it had), and only the cells counted since the last seal live in
/// a dictionary, which is sealed when it reaches `recentLimit` cells.
///
/// Why: a day of a busy feed touches tens of thousands of resolution-5 cells every hour and
/// over a million in the day; kept as 24 dictionaries of cell → count (30–40 bytes a cell
/// each) they were the largest part of a 10M-event ingest's peak memory, and as 24 pairs of
/// sorted columns (12 bytes a cell) still what it grew by from one to ten million events.
struct HourCellCounts: Sendable {
    /// Sealed cells with their counts.
    private var sealed = PackedCellCounts()
    /// Cells counted since the last seal.
    private var recent: [UInt64: UInt32] = [:]
    /// Cells the dictionary holds before they are sealed.
    let recentLimit: Int

    init(recentLimit: Int = 8_192) {
        self.recentLimit = max(1, recentLimit)
    }

    /// Counts one event in `cell` (a count at `UInt32.max` stays there).
    mutating func add(_ cell: H3Index) {
        let count = recent[cell.rawValue, default: 0]
        recent[cell.rawValue] = count == .max ? count : count + 1
        if recent.count >= recentLimit { seal() }
    }

    /// Merges the recent cells into the sorted columns.
    mutating func seal() {
        guard !recent.isEmpty else { return }
        let fresh = recent.sorted { $0.key < $1.key }
        recent = [:]
        let added = PackedCellCounts(ascending: fresh.map(\.key), counts: fresh.map(\.value))
        let all = sealed.count == 0 ? (fresh.map(\.key), fresh.map(\.value)) : PackedCellCounts.merged([sealed, added])
        sealed = PackedCellCounts(ascending: all.0, counts: all.1)
    }

    /// The events per cell of all `spans` together, as sorted columns (each span sealed
    /// first, then merged: memory is the result's 12 bytes a cell, no dictionary).
    static func merged(_ spans: [HourCellCounts]) -> SortedCellCounts {
        let all = PackedCellCounts.merged(spans.map { span in
            var span = span
            span.seal()
            return span.sealed
        })
        return SortedCellCounts(cells: all.cells, counts: all.counts)
    }
}
