import CTASCore
import CTASTestSupport
import Foundation
import H3
import Testing

/// Gi* hot spot statistics against an independent numpy + PyPI h3 computation
/// (Oracle/gistar_reference.py): the committed vectors, and fresh ones with a random seed
/// when the test oracles are installed (always in CI).
@Suite struct HotspotTests {
    struct Vectors: Decodable {
        var seed: Int
        var cases: [Case]
    }

    struct Case: Decodable {
        var resolution: Int
        var k: Int
        var area: AreaSpec
        var q: Double
        var values: [String: Double]
        var z: [String: Double]
        var significant: [String]
    }

    enum AreaSpec: Decodable {
        case world
        case cells([String])
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let text = try? c.decode(String.self), text == "world" { self = .world } else { self = .cells(try c.decode([String].self)) }
        }
    }

    static func cell(_ text: String) -> H3Index {
        guard let h = H3Index(string: text) else { fatalError("bad cell in vectors: \(text)") }
        return h
    }

    static func check(_ vectors: Vectors) {
        var columnCases = 0
        for (n, c) in vectors.cases.enumerated() {
            var values: [H3Index: Double] = [:]
            for (key, v) in c.values { values[cell(key)] = v }
            let area: Hotspots.Area
            switch c.area {
            case .world: area = .world
            case .cells(let cells): area = .cells(cells.map(cell))
            }
            let analysis = Hotspots.analyze(values: values, resolution: c.resolution, k: c.k, area: area, falseDiscoveryRate: c.q)
            var worst = 0.0
            for (key, expected) in c.z {
                guard let score = analysis.score(of: cell(key)) else {
                    Issue.record("seed \(vectors.seed) case \(n): no score for \(key)")
                    continue
                }
                worst = max(worst, abs(score.z - expected))
            }
            #expect(worst <= 1e-9, "seed \(vectors.seed) case \(n) (res \(c.resolution), k \(c.k)): largest z difference \(worst)")
            #expect(analysis.cellsInArea == c.z.count, "case \(n): area size")
            // Significance: every significant cell of the reference, hot or cold.
            let hotCells = c.significant.filter { (c.z[$0] ?? 0) > 0 }
            #expect(Set(analysis.hotCells.map(\.cell)) == Set(hotCells.map(cell)), "seed \(vectors.seed) case \(n): significant hot cells differ")
            // Regions: every hot cell of a region holding events in exactly one (a significant
            // hot cell can hold no events itself: Gi* counts its neighbours; a region of only
            // such cells is not listed), each peak the region's largest value.
            let hotSet = Set(hotCells.map(cell))
            var seen = Set<H3Index>(), covered = 0
            for start in hotSet where !seen.contains(start) {
                var stack = [start], size = 0, events = 0.0
                seen.insert(start)
                while let h = stack.popLast() {
                    size += 1
                    events = max(events, values[h] ?? 0)
                    for nb in (try? H3.gridDisk(h, k: 1)) ?? [] where hotSet.contains(nb) && !seen.contains(nb) {
                        seen.insert(nb)
                        stack.append(nb)
                    }
                }
                if events > 0 { covered += size }
            }
            #expect(analysis.hotspots.reduce(0) { $0 + $1.region } == covered,
                    "seed \(vectors.seed) case \(n): regions cover the hot cells of regions holding events")
            #expect(analysis.hotspots.map(\.regionZ) == analysis.hotspots.map(\.regionZ).sorted(by: >), "ranked by region z")
            #expect(analysis.hotspots.allSatisfy { $0.value > 0 && $0.regionZ >= $0.z })
            let expectedCold = c.significant.count - hotCells.count
            #expect(analysis.coldspotCount == expectedCold, "case \(n): cold spots")
            // Counts as sorted columns (the engine's form for a day of cells): the same answer.
            if case .world = area, values.values.allSatisfy({ $0 >= 0 && $0 == $0.rounded() && $0 <= Double(UInt32.max) }) {
                let pairs = values.map { (cell: $0.key.rawValue, count: UInt32($0.value)) }.shuffled()
                let columns = Hotspots.analyze(counts: SortedCellCounts(cells: pairs.map(\.cell), counts: pairs.map(\.count)),
                                               resolution: c.resolution, k: c.k, falseDiscoveryRate: c.q)
                #expect(columns.hotCells == analysis.hotCells, "seed \(vectors.seed) case \(n): hot cells from columns")
                #expect(columns.hotspots == analysis.hotspots && columns.coldspotCount == analysis.coldspotCount)
                for key in c.z.keys.prefix(200) {
                    #expect(columns.score(of: cell(key)) == analysis.score(of: cell(key)), "case \(n): score of \(key)")
                }
                columnCases += 1
            }
        }
        #expect(columnCases > 0, "no world case with counts to check the columns against")
    }

    @Test func committedVectorsAgree() throws {
        let url = TestOracle.repository.appendingPathComponent("Tests/CTASCoreTests/Oracle/gistar-vectors.json")
        let vectors = try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: url))
        #expect(vectors.cases.count >= 10)
        Self.check(vectors)
    }

    @Test func freshVectorsAgree() async throws {
        _ = try requirePython()
        // A failure names its seed; `CTAS_GISTAR_SEED=N swift test` replays it.
        let seed = ProcessInfo.processInfo.environment["CTAS_GISTAR_SEED"].flatMap { Int($0) } ?? Int.random(in: 1...1_000_000_000)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ctas-gistar-\(seed).json")
        defer { try? FileManager.default.removeItem(at: out) }
        // The oracle runs for seconds: off the cooperative pool, which other tests' engines need.
        let run = try await onOwnThread { try TestOracle.run("Tests/CTASCoreTests/Oracle/gistar_reference.py", ["--seed", "\(seed)", "--out", out.path]) }
        try #require(run.status == 0, "reference failed: \(run.stderr)")
        Self.check(try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: out)))
    }

    @Test func aSingleDenseCellRanksFirstAndEmptyDataHasNoHotspots() {
        let hot = try! H3.latLngToCell(lat: 48.85, lng: 2.35, res: 3)
        var values: [H3Index: Double] = [hot: 500]
        for (i, c) in (try! H3.gridDisk(try! H3.latLngToCell(lat: -30, lng: 140, res: 3), k: 10)).enumerated() where i % 5 == 0 {
            values[c] = 3
        }
        let analysis = Hotspots.analyze(values: values, resolution: 3, k: 1)
        #expect(analysis.hotspots.first?.cell == hot)
        #expect(analysis.cellsInArea == 41_162)
        #expect(Hotspots.analyze(values: [:], resolution: 3, k: 1).hotspots.isEmpty)
        // Every cell equal: no deviation, nothing significant, no division by zero.
        #expect(Hotspots.analyze(values: [hot: 1], resolution: 0, k: 1, area: .cells([hot])).hotspots.isEmpty)
    }
}
