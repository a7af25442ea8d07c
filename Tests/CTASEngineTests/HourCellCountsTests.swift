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

    /// Resolution-5 cells of random places, as an hour of a dense feed holds them: read back
    /// exactly, in about 2–3 bytes a cell (sorted columns take 12).
    @Test func resolutionFiveCellsPackSmallAndReadBackExactly() throws {
        var random = SeededRandom(seed: 5)
        var counts: [UInt64: UInt32] = [:]
        for _ in 0..<200_000 {
            let lat = Double(random.next() % 160_000) / 1000 - 80
            let lng = Double(random.next() % 360_000) / 1000 - 180
            let cell = try H3.latLngToCell(lat: lat, lng: lng, res: 5)
            counts[cell.rawValue, default: 0] += 1
        }
        let sorted = counts.sorted { $0.key < $1.key }
        let packed = PackedCellCounts(ascending: sorted.map(\.key), counts: sorted.map(\.value))
        #expect(packed.count == sorted.count)
        let back = packed.columns
        #expect(back.cells == sorted.map(\.key))
        #expect(back.counts == sorted.map(\.value))
        let perCell = Double(packed.packedBytes) / Double(packed.count)
        #expect(perCell <= 3.5, "\(perCell) bytes a cell for \(packed.count) cells")
    }

    /// Any ascending values (odd distances, the extremes) and any counts read back exactly;
    /// merged counts stop at `UInt32.max`.
    @Test func anyCellsAndCountsReadBackAndMergedCountsSaturate() {
        let cells: [UInt64] = [0, 1, 3, 0x8000_0000, 0x85_2830_8fff_ffff, .max - 1, .max]
        let counts: [UInt32] = [1, .max, 0, 7, 300, 128, .max - 1]
        let packed = PackedCellCounts(ascending: cells, counts: counts)
        #expect(packed.columns.cells == cells && packed.columns.counts == counts)
        let one = PackedCellCounts(ascending: [0x85_2830_8fff_ffff], counts: [9])
        #expect(one.columns.cells == [0x85_2830_8fff_ffff] && one.columns.counts == [9])
        #expect(PackedCellCounts().columns.cells.isEmpty)
        let merged = PackedCellCounts.merged([packed, packed, one])
        #expect(merged.cells == cells)
        #expect(merged.counts == [2, .max, 0, 14, 609, 256, .max])
    }
}
