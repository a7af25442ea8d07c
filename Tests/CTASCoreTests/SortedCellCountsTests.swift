import H3
import Testing
@testable import CTASCore

/// Counts per cell as sorted columns: unsorted input is ordered and summed, parts merge into
/// what one dictionary would hold, and counts stop at `UInt32.max` instead of trapping.
@Suite struct SortedCellCountsTests {
    @Test func unsortedColumnsAreOrderedAndRepeatsSummed() {
        let counts = SortedCellCounts(cells: [9, 3, 9, 5], counts: [1, 2, 4, 8])
        #expect(counts.cells == [3, 5, 9] && counts.counts == [2, 8, 5])
        // Columns of unequal length: the longer one's tail is ignored.
        let short = SortedCellCounts(cells: [1, 2, 3], counts: [7])
        #expect(short.cells == [1] && short.counts == [7])
    }

    @Test func partsMergeIntoWhatOneDictionaryHolds() {
        var state: UInt64 = 11
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        var parts: [SortedCellCounts] = []
        var reference: [UInt64: UInt32] = [:]
        for _ in 0..<5 {
            var cells: [UInt64] = []
            var values: [UInt32] = []
            for _ in 0..<400 {
                let cell = next() % 500
                let n = UInt32(next() % 9 + 1)
                cells.append(cell)
                values.append(n)
                reference[cell, default: 0] += n
            }
            parts.append(SortedCellCounts(cells: cells, counts: values))
        }
        let merged = SortedCellCounts.merged(parts)
        #expect(merged.cells == reference.keys.sorted())
        #expect(merged.counts == reference.keys.sorted().map { reference[$0] ?? 0 })
        #expect(SortedCellCounts.merged([]) == SortedCellCounts())
        #expect(SortedCellCounts.merged([merged]) == merged)
    }

    @Test func countsSaturateInsteadOfTrapping() {
        let full = SortedCellCounts(cells: [4], counts: [.max])
        #expect(SortedCellCounts.merged([full, SortedCellCounts(cells: [4], counts: [1])]).counts == [.max])
        #expect(SortedCellCounts(cells: [4, 4], counts: [.max, .max]).counts == [.max])
        #expect(full.count(of: H3Index(4)) == .max && full.count(of: H3Index(5)) == nil)
    }
}
