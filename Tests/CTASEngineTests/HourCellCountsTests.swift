import CTASCore
import CTASFeeds
import H3
import Testing
@testable import CTASEngine

/// The risk board's compact per-hour cell counts, merged into a day's sorted columns, answer
/// exactly what plain dictionaries of cell → count would, whatever the order of cells and
/// however often they are sealed.
@Suite struct HourCellCountsTests {
    /// The merged columns as a dictionary, checking they are sorted without repeats.
    private func contents(_ spans: [HourCellCounts]) -> [UInt64: Int] {
        let merged = HourCellCounts.merged(spans)
        #expect(merged.cells == merged.cells.sorted() && Set(merged.cells).count == merged.cells.count)
        var out: [UInt64: Int] = [:]
        for (i, cell) in merged.cells.enumerated() { out[cell] = Int(merged.counts[i]) }
        return out
    }

    @Test(arguments: [1, 2, 7, 64, 8_192])
    func countsEqualPlainDictionariesAcrossSealsAndHours(recentLimit: Int) {
        var random = SeededRandom(seed: UInt64(recentLimit))
        var hours = [HourCellCounts](repeating: HourCellCounts(recentLimit: recentLimit), count: 3)
        var reference: [UInt64: Int] = [:]
        var first: [UInt64: Int] = [:]
        for step in 0..<6_000 {
            // Few distinct cells, so cells recur sealed, recent and in other hours.
            let cell = 0x85_2830_8fff_ffff &+ (random.next() % 300) << 20
            let hour = Int(random.next() % 3)
            hours[hour].add(H3Index(cell))
            reference[cell, default: 0] += 1
            if hour == 0 { first[cell, default: 0] += 1 }
            if step % 997 == 0 { #expect(contents(hours) == reference) }
        }
        #expect(contents(hours) == reference)
        #expect(contents([hours[0]]) == first)
        for i in hours.indices { hours[i].seal() }
        #expect(contents(hours) == reference)
        // A cell's count is also found by lookup.
        let merged = HourCellCounts.merged(hours)
        for (cell, n) in reference { #expect(merged.count(of: H3Index(cell)) == UInt32(n)) }
        #expect(merged.count(of: H3Index(1)) == nil)
    }

    @Test func emptySpansMergeToNothing() {
        var span = HourCellCounts(recentLimit: 0)
        span.seal()
        #expect(contents([]).isEmpty && contents([span]).isEmpty)
        span.add(H3Index(42))
        #expect(contents([span, HourCellCounts()]) == [42: 1])
    }
}
