import CTASFeeds
import H3
import Testing
@testable import CTASEngine

/// The risk board's compact per-hour cell counts answer exactly what a plain dictionary of
/// cell → count would, whatever the order of cells and however often they are sealed.
@Suite struct HourCellCountsTests {
    /// Every cell once with its whole count, as a dictionary would hold them.
    private func contents(_ tally: HourCellCounts) -> [UInt64: Int] {
        var seen: [UInt64: Int] = [:]
        tally.forEach { cell, n in
            #expect(seen[cell.rawValue] == nil, "cell \(cell) reported twice")
            seen[cell.rawValue] = n
        }
        return seen
    }

    @Test(arguments: [1, 2, 7, 64, 8_192])
    func countsEqualAPlainDictionaryAcrossSeals(recentLimit: Int) {
        var random = SeededRandom(seed: UInt64(recentLimit))
        var tally = HourCellCounts(recentLimit: recentLimit)
        var reference: [UInt64: Int] = [:]
        for step in 0..<5_000 {
            // Few distinct cells, so cells recur both sealed and recent.
            let cell = 0x85_2830_8fff_ffff &+ (random.next() % 300) << 20
            tally.add(H3Index(cell))
            reference[cell, default: 0] += 1
            if step % 997 == 0 {
                #expect(contents(tally) == reference)
                #expect(tally.cellCount == reference.count)
            }
        }
        #expect(contents(tally) == reference)
        #expect(tally.cellCount == reference.count)
        #expect(tally.total == 5_000)
        tally.seal()
        #expect(contents(tally) == reference)
        tally.seal()
        #expect(contents(tally) == reference)
    }

    @Test func anEmptyTallyHasNothingAndSealsToNothing() {
        var tally = HourCellCounts(recentLimit: 0)
        tally.seal()
        #expect(contents(tally).isEmpty)
        #expect(tally.cellCount == 0 && tally.total == 0)
        tally.add(H3Index(42))
        #expect(contents(tally) == [42: 1])
    }
}
