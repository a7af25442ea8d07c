#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import H3

/// One cell's Getis-Ord Gi* statistic.
public struct CellScore: Sendable, Equatable {
    public var cell: H3Index
    /// The cell's own value (count or severity sum).
    public var value: Double
    /// Sum of values over its neighbourhood (gridDisk(k) within the area, itself included).
    public var neighborhoodSum: Double
    /// Cells in that neighbourhood.
    public var neighbors: Int
    /// Gi* as a z-score: how far the neighbourhood's sum is above what the area's mean predicts.
    public var z: Double
    /// Two-sided p-value of `z` under the normal approximation.
    public var p: Double
    /// For a hot spot's peak: how many significant hot cells its region holds (else 0).
    public var region = 0
    /// For a hot spot's peak: the highest z in its region (else its own z).
    public var regionZ = 0.0
}

/// The result of a hot spot analysis: the statistics of the area, every significant hot
/// cell, and the hot spots (regions of touching hot cells) ranked. Significance is
/// Benjamini–Hochberg false-discovery-rate control over every cell of the area, empty ones
/// included. Any cell's score can be asked for (`score(of:)`).
public struct HotspotAnalysis: Sendable {
    public var resolution: Int
    public var k: Int
    /// Cells in the area considered (for the world: every cell of the resolution).
    public var cellsInArea: Int
    public var mean: Double
    public var standardDeviation: Double
    public var falseDiscoveryRate: Double
    /// Every significant cell with z > 0, highest z first (including cells with no events of
    /// their own, hot through their neighbours).
    public var hotCells: [CellScore]
    /// One entry per hot region (touching significant hot cells): its peak, the cell holding
    /// the most events, with `region` set to the region's size. Ranked by the region's
    /// highest z, then the peak's value. A cluster's neighbours share much of its z (their
    /// neighbourhoods contain it); regions keep the list to one place per cluster.
    public var hotspots: [CellScore]
    /// Significant cells with z < 0.
    public var coldspotCount: Int
    /// The largest p-value declared significant (0 when none is; p-values can underflow to 0).
    public var pThreshold: Double

    /// The values analysed (cells of the resolution inside the area, non-zero).
    let values: Hotspots.CellValues
    /// The explicit area, if one was given (nil: the world).
    let members: Set<H3Index>?

    /// The Gi* score of any cell of the area (nil outside it, or when the statistics are
    /// undefined: fewer than two cells, or every cell equal).
    public func score(of cell: H3Index) -> CellScore? {
        guard cell.resolution == resolution, H3.isValidCell(cell), members?.contains(cell) ?? true,
              cellsInArea > 1, standardDeviation > 0 else { return nil }
        let disk = Hotspots.disk(cell, k: k, members: members)
        let sum = disk.reduce(0) { $0 + (values[$1] ?? 0) }
        return Hotspots.score(cell, value: values[cell] ?? 0, sum: sum, neighbors: disk.count, mean: mean, sd: standardDeviation,
                              n: cellsInArea)
    }
}

/// Getis-Ord Gi* hot spot statistics on H3 cells with binary gridDisk(k) weights.
///
/// For cell i with neighbourhood N(i) of size W (itself included), n cells in the area,
/// mean x̄ and standard deviation S over all n cells (empty ones count as 0):
///
///     Gi* = (Σ_{j∈N(i)} x_j − x̄·W) / (S · √((n·W − W²) / (n − 1)))
///
/// Neighbourhoods are cut to the area. For the whole world nothing is enumerated beyond
/// what can matter: a cell can only reach the significance bound z_q (the z whose p is the
/// false discovery rate q; Benjamini–Hochberg never rejects a p above q) if some cell of
/// its neighbourhood holds at least T(W)/W, the bound's neighbourhood sum over W, which is
/// smallest at the full neighbourhood size; only the disks around such cells are scored.
/// When the data are so uniform that empty neighbourhoods could be significantly cold, every
/// cell with data in its neighbourhood is scored instead, and the empty ones as one group.
public enum Hotspots {
    /// The cells considered: the whole world at the resolution, or an explicit set.
    public enum Area: Sendable {
        case world
        case cells([H3Index])
    }

    static func disk(_ c: H3Index, k: Int, members: Set<H3Index>?) -> [H3Index] {
        let d = (try? H3.gridDisk(c, k: k)) ?? [c]
        guard let members else { return d }
        return d.filter { members.contains($0) }
    }

    static func score(_ cell: H3Index, value: Double, sum: Double, neighbors w: Int, mean: Double, sd: Double, n: Int) -> CellScore {
        let nD = Double(n), wD = Double(w)
        let denominator = sd * ((nD * wD - wD * wD) / (nD - 1)).squareRoot()
        let z = denominator > 0 ? (sum - mean * wD) / denominator : 0
        return CellScore(cell: cell, value: value, neighborhoodSum: sum, neighbors: w, z: z, p: erfc(abs(z) / 2.0.squareRoot()))
    }

    /// The z whose two-sided p-value is `q`.
    static func zBound(_ q: Double) -> Double {
        var low = 0.0, high = 40.0
        for _ in 0..<200 {
            let mid = (low + high) / 2
            if erfc(mid / 2.0.squareRoot()) > q { low = mid } else { high = mid }
        }
        return low
    }

    /// The values of an analysis: a dictionary, or sorted columns of counts (for very many
    /// cells, see `SortedCellCounts`). Every value held is non-zero.
    enum CellValues: Sendable {
        case table([H3Index: Double])
        case sorted(SortedCellCounts)

        subscript(cell: H3Index) -> Double? {
            switch self {
            case .table(let values): values[cell]
            case .sorted(let columns): columns.count(of: cell).map(Double.init)
            }
        }

        func forEach(_ body: (H3Index, Double) -> Void) {
            switch self {
            case .table(let values): for (cell, v) in values { body(cell, v) }
            case .sorted(let columns): for (i, cell) in columns.cells.enumerated() { body(H3Index(cell), Double(columns.counts[i])) }
            }
        }
    }

    /// Scores the cells of `area` at `resolution` from `values` (cells of that resolution;
    /// others and cells outside the area are ignored).
    public static func analyze(values: [H3Index: Double], resolution: Int, k: Int, area: Area = .world,
                               falseDiscoveryRate q: Double = 0.05) -> HotspotAnalysis {
        var members: Set<H3Index>?
        let n: Int
        switch area {
        case .world:
            n = H3.getNumCells(resolution)
        case .cells(let cells):
            let set = Set(cells.filter { $0.resolution == resolution && H3.isValidCell($0) })
            members = set
            n = set.count
        }
        // The values themselves when every one counts (no copy); else the ones that do.
        func counts(_ cell: H3Index, _ v: Double) -> Bool {
            v != 0 && cell.resolution == resolution && (members?.contains(cell) ?? true)
        }
        let x = values.contains { !counts($0.key, $0.value) } ? values.filter { counts($0.key, $0.value) } : values
        return analyze(.table(x), n: n, members: members, resolution: resolution, k: k, falseDiscoveryRate: q)
    }

    /// Scores every cell of the world at `resolution` from counts per cell (cells of another
    /// resolution and zero counts are ignored): the same analysis as `analyze(values:…)` with
    /// the counts as values, in a fraction of the memory for a million cells and more.
    public static func analyze(counts: SortedCellCounts, resolution: Int, k: Int,
                               falseDiscoveryRate q: Double = 0.05) -> HotspotAnalysis {
        var kept = counts
        if counts.cells.indices.contains(where: { counts.counts[$0] == 0 || H3Index(counts.cells[$0]).resolution != resolution }) {
            let keep = counts.cells.indices.filter { counts.counts[$0] != 0 && H3Index(counts.cells[$0]).resolution == resolution }
            kept = SortedCellCounts(cells: keep.map { counts.cells[$0] }, counts: keep.map { counts.counts[$0] })
        }
        return analyze(.sorted(kept), n: H3.getNumCells(resolution), members: nil, resolution: resolution, k: k, falseDiscoveryRate: q)
    }

    /// The analysis itself, over values already cut to the area's cells of the resolution.
    private static func analyze(_ x: CellValues, n: Int, members: Set<H3Index>?, resolution: Int, k: Int,
                                falseDiscoveryRate q: Double) -> HotspotAnalysis {
        let k = max(0, k)
        var sum = 0.0, sumSquares = 0.0
        x.forEach { _, v in
            sum += v
            sumSquares += v * v
        }
        let mean = n > 0 ? sum / Double(n) : 0
        let sd = n > 0 ? max(0, sumSquares / Double(n) - mean * mean).squareRoot() : 0
        var result = HotspotAnalysis(resolution: resolution, k: k, cellsInArea: n, mean: mean, standardDeviation: sd,
                                     falseDiscoveryRate: q, hotCells: [], hotspots: [], coldspotCount: 0, pThreshold: 0,
                                     values: x, members: members)
        guard n > 1, sd > 0 else { return result }
        let nD = Double(n)
        let fullSize = 1 + 3 * k * (k + 1)
        let zq = zBound(q)
        func bound(_ w: Int) -> Double { zq * sd * ((nD * Double(w) - Double(w * w)) / (nD - 1)).squareRoot() }
        // Could an empty neighbourhood be significantly cold? (mean·W above the bound.)
        let coldPossible = (1...fullSize).contains { mean * Double($0) - bound($0) > 0 }

        // The cells to score individually, and how many share the background score.
        var candidates = Set<H3Index>()
        if let members {
            candidates = members
        } else {
            let seedThreshold = coldPossible ? 0 : (mean * Double(fullSize) + bound(fullSize)) / Double(fullSize)
            x.forEach { cell, v in
                guard v >= seedThreshold else { return }
                for c in disk(cell, k: k, members: nil) { candidates.insert(c) }
            }
            if let pentagons = try? H3.getPentagons(res: resolution) {
                for p in pentagons { for c in disk(p, k: 2 * k, members: nil) { candidates.insert(c) } }
            }
        }
        var scored: [CellScore] = []
        scored.reserveCapacity(candidates.count)
        for cell in candidates {
            let d = disk(cell, k: k, members: members)
            let s = d.reduce(0) { $0 + (x[$1] ?? 0) }
            scored.append(score(cell, value: x[cell] ?? 0, sum: s, neighbors: d.count, mean: mean, sd: sd, n: n))
        }
        // Everything not scored: in the pruned world case, p > q (never significant); when cold
        // was possible, every cell with data nearby was scored and the rest share one score.
        let background = score(H3Index(0), value: 0, sum: 0, neighbors: fullSize, mean: mean, sd: sd, n: n)
        let backgroundCount = members == nil && coldPossible ? n - candidates.count : 0

        // Benjamini–Hochberg over all n cells; only p ≤ q can be rejected, and every such
        // cell is in `scored` (or the background group).
        let small = scored.filter { $0.p <= q }.map(\.p).sorted()
        var threshold = -1.0
        var rank = 0
        var backgroundDone = backgroundCount == 0 || background.p > q
        func consider(_ p: Double, count: Int) {
            rank += count
            if p <= Double(rank) * q / nD { threshold = max(threshold, p) }
        }
        for p in small {
            if !backgroundDone && background.p < p {
                consider(background.p, count: backgroundCount)
                backgroundDone = true
            }
            consider(p, count: 1)
        }
        if !backgroundDone { consider(background.p, count: backgroundCount) }
        result.pThreshold = max(0, threshold)
        if threshold >= 0 {
            let significant = scored.filter { $0.p <= threshold }
            let hot = significant.filter { $0.z > 0 }
            result.hotCells = hot.sorted { $0.z != $1.z ? $0.z > $1.z : $0.cell < $1.cell }
            result.hotspots = regions(of: hot)
            result.coldspotCount = significant.count - hot.count + (background.p <= threshold && background.z < 0 ? backgroundCount : 0)
        }
        return result
    }

    /// Groups touching hot cells into regions and names each by its peak.
    static func regions(of hot: [CellScore]) -> [CellScore] {
        var byCell: [H3Index: CellScore] = [:]
        for c in hot { byCell[c.cell] = c }
        var seen = Set<H3Index>()
        var peaks: [CellScore] = []
        for start in hot.sorted(by: { $0.cell < $1.cell }) where !seen.contains(start.cell) {
            var stack = [start.cell]
            seen.insert(start.cell)
            var peak = start
            var size = 0
            var topZ = -Double.infinity
            while let cell = stack.popLast() {
                guard let c = byCell[cell] else { continue }
                size += 1
                topZ = max(topZ, c.z)
                if c.value > peak.value || (c.value == peak.value && (c.z > peak.z || (c.z == peak.z && c.cell < peak.cell))) { peak = c }
                for n in (try? H3.gridDisk(cell, k: 1)) ?? [] where byCell[n] != nil && !seen.contains(n) {
                    seen.insert(n)
                    stack.append(n)
                }
            }
            guard peak.value > 0 else { continue }   // every region holds events; never list one that does not
            peak.region = size
            peak.regionZ = topZ
            peaks.append(peak)
        }
        return peaks.sorted {
            $0.regionZ != $1.regionZ ? $0.regionZ > $1.regionZ : $0.value != $1.value ? $0.value > $1.value : $0.cell < $1.cell
        }
    }
}
