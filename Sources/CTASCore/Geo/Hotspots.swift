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

/// The result of a hotspot analysis: every cell whose neighbourhood holds data scored, and
/// the significant hot spots ranked (Benjamini–Hochberg false-discovery-rate control over
/// every cell of the area, empty ones included).
public struct HotspotAnalysis: Sendable {
    public var resolution: Int
    public var k: Int
    /// Cells in the area considered (for the world: every cell of the resolution).
    public var cellsInArea: Int
    public var mean: Double
    public var standardDeviation: Double
    public var falseDiscoveryRate: Double
    /// Scored cells: those with data in their neighbourhood (and, for the world, those near a
    /// pentagon, whose smaller neighbourhoods make them differ).
    public var scores: [H3Index: CellScore]
    /// The score every other cell of the area has (no data within k, a full neighbourhood).
    public var background: CellScore?
    /// Every significant cell with z > 0 (including cells with no events of their own, hot
    /// through their neighbours).
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

    /// The score of any cell of the area.
    public func score(of cell: H3Index) -> CellScore? {
        if let s = scores[cell] { return s }
        guard var b = background, cell.resolution == resolution else { return nil }
        b.cell = cell
        return b
    }
}

/// Getis-Ord Gi* hot spot statistics on H3 cells with binary gridDisk(k) weights.
///
/// For cell i with neighbourhood N(i) of size W (itself included), n cells in the area,
/// mean x̄ and standard deviation S over all n cells (empty ones count as 0):
///
///     Gi* = (Σ_{j∈N(i)} x_j − x̄·W) / (S · √((n·W − W²) / (n − 1)))
///
/// Neighbourhoods are cut to the area. For the whole world the empty cells are not
/// enumerated: a cell with no data within k has a neighbourhood sum of 0 and, away from
/// the 12 pentagons, a full neighbourhood, so they all share one score.
public enum Hotspots {
    /// The cells considered: the whole world at the resolution, or an explicit set.
    public enum Area: Sendable {
        case world
        case cells([H3Index])
    }

    /// Scores the cells of `area` at `resolution` from `values` (cells of that resolution;
    /// others and cells outside the area are ignored).
    public static func analyze(values: [H3Index: Double], resolution: Int, k: Int, area: Area = .world,
                               falseDiscoveryRate q: Double = 0.05) -> HotspotAnalysis {
        let k = max(0, k)
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
        var x: [H3Index: Double] = [:]
        for (cell, v) in values where v != 0 && cell.resolution == resolution && (members?.contains(cell) ?? true) { x[cell] = v }
        let sum = x.values.reduce(0, +)
        let sumSquares = x.values.reduce(0) { $0 + $1 * $1 }
        let mean = n > 0 ? sum / Double(n) : 0
        let variance = n > 0 ? max(0, sumSquares / Double(n) - mean * mean) : 0
        let sd = variance.squareRoot()
        var result = HotspotAnalysis(resolution: resolution, k: k, cellsInArea: n, mean: mean, standardDeviation: sd,
                                     falseDiscoveryRate: q, scores: [:], background: nil, hotCells: [], hotspots: [], coldspotCount: 0,
                                     pThreshold: 0)
        guard n > 1, sd > 0 else { return result }

        func disk(_ c: H3Index) -> [H3Index] {
            let d = (try? H3.gridDisk(c, k: k)) ?? [c]
            guard let members else { return d }
            return d.filter { members.contains($0) }
        }
        // Neighbourhood sums by scattering each value over its own disk (distance is symmetric).
        var sums: [H3Index: Double] = [:]
        for (cell, v) in x {
            for i in disk(cell) { sums[i, default: 0] += v }
        }
        var candidates = Set(sums.keys)
        let fullSize = 1 + 3 * k * (k + 1)
        // Cells whose neighbourhood size must be counted: all of an explicit area; for the
        // world, those near a pentagon (everything else has the full 1 + 3k(k+1)).
        var counted = Set<H3Index>()
        if let members {
            candidates = members
            counted = members
        } else if let pentagons = try? H3.getPentagons(res: resolution) {
            for p in pentagons {
                for c in (try? H3.gridDisk(p, k: 2 * k)) ?? [p] {
                    candidates.insert(c)
                    counted.insert(c)
                }
            }
        }
        let nD = Double(n)
        func score(_ cell: H3Index, sum: Double, neighbors w: Int) -> CellScore {
            let wD = Double(w)
            let denominator = sd * ((nD * wD - wD * wD) / (nD - 1)).squareRoot()
            let z = denominator > 0 ? (sum - mean * wD) / denominator : 0
            return CellScore(cell: cell, value: x[cell] ?? 0, neighborhoodSum: sum, neighbors: w, z: z,
                             p: erfc(abs(z) / 2.0.squareRoot()))
        }
        var scores: [H3Index: CellScore] = [:]
        scores.reserveCapacity(candidates.count)
        for cell in candidates {
            scores[cell] = score(cell, sum: sums[cell] ?? 0, neighbors: counted.contains(cell) ? disk(cell).count : fullSize)
        }
        let backgroundCount = n - scores.count
        if backgroundCount > 0 { result.background = score(H3Index(0), sum: 0, neighbors: fullSize) }

        // Benjamini–Hochberg over all n cells: the background cells form one run of equal p.
        let ranked = scores.values.map(\.p).sorted()
        var threshold = -1.0
        var rank = 0
        var backgroundDone = backgroundCount == 0
        let backgroundP = result.background?.p ?? 1
        func consider(_ p: Double, count: Int) {
            rank += count
            if p <= Double(rank) * q / nD { threshold = max(threshold, p) }
        }
        for p in ranked {
            if !backgroundDone && backgroundP < p {
                consider(backgroundP, count: backgroundCount)
                backgroundDone = true
            }
            consider(p, count: 1)
        }
        if !backgroundDone { consider(backgroundP, count: backgroundCount) }
        result.pThreshold = max(0, threshold)
        result.scores = scores
        if threshold >= 0 {
            let significant = scores.values.filter { $0.p <= threshold }
            let hot = significant.filter { $0.z > 0 }
            result.hotCells = hot.sorted { $0.z != $1.z ? $0.z > $1.z : $0.cell < $1.cell }
            result.hotspots = regions(of: hot)
            result.coldspotCount = significant.count - hot.count
                + (backgroundP <= threshold && (result.background?.z ?? 0) < 0 ? backgroundCount : 0)
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
            guard peak.value > 0 else { continue }   // a region with no events of its own cannot exist, but never list one
            peak.region = size
            peak.regionZ = topZ
            peaks.append(peak)
        }
        return peaks.sorted {
            $0.regionZ != $1.regionZ ? $0.regionZ > $1.regionZ : $0.value != $1.value ? $0.value > $1.value : $0.cell < $1.cell
        }
    }
}
