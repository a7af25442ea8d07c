import CTASTestSupport
import Foundation
import Testing
@testable import CTASBehaviour

/// The statistical core against an independent reference in Python (SciPy's t
/// distribution, and the seasonal hybrid ESD written from the papers with NumPy).
@Suite struct StatisticsAgreementTests {
    static let committedSeed: UInt64 = 20_261_202

    static func oracle(_ command: String, input: Data) throws -> Data {
        _ = try requirePython()
        let dir = Scratch.path("anomaly-oracle")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = dir + "/in.json"
        let answer = dir + "/out.json"
        try input.write(to: URL(fileURLWithPath: source))
        let result = try TestOracle.run("Tests/CTASBehaviourTests/Oracle/anomaly_reference.py", [command, source, answer], background: true)
        guard result.status == 0 else {
            throw ReferenceFailed(status: result.status, stderr: result.stderr)
        }
        return try Data(contentsOf: URL(fileURLWithPath: answer))
    }

    struct ReferenceFailed: Error, CustomStringConvertible {
        var status: Int32
        var stderr: String
        var description: String { "the reference failed (\(status)): \(stderr)" }
    }

    static func close(_ a: Double, _ b: Double, relative: Double) -> Bool {
        a == b || abs(a - b) <= relative * max(abs(a), abs(b), 1e-300)
    }

    @Test func tQuantilesEqualSciPys() throws {
        var pairs: [[Double]] = []
        for df in [1.0, 2, 3, 5, 10, 29, 30, 100, 671, 1000, 10_000, 100_000] {
            for upper in [0.4, 0.25, 0.05, 0.025, 1e-3, 1e-5, 1e-7, 1e-9, 1e-12, 1e-15] { pairs.append([df, upper]) }
        }
        var rng = TestRandom(seed: UInt64.random(in: 1...UInt64.max))
        for _ in 0..<200 {
            pairs.append([Double(Int.random(in: 1...5000, using: &rng)), exp(Double.random(in: log(1e-14)...log(0.49), using: &rng))])
        }
        let reference = try JSONDecoder().decode([Double].self, from: try Self.oracle("tquantile", input: try JSONEncoder().encode(pairs)))
        #expect(reference.count == pairs.count)
        var worst = 0.0
        for (pair, expected) in zip(pairs, reference) {
            let mine = StudentT(degreesOfFreedom: pair[0]).quantile(upperTail: pair[1])
            worst = max(worst, abs(mine - expected) / abs(expected))
            #expect(Self.close(mine, expected, relative: 1e-9), "df \(pair[0]) upper \(pair[1]): \(mine) ≠ SciPy's \(expected)")
        }
        #expect(worst < 1e-9)
    }

    struct ReferenceSeries: Decodable {
        var period: Int
        var residuals: [Double]
        var expected: [Double]
        var outliers: [[Double]]
    }

    /// Series of varied lengths (under three days, between, over three weeks), rates and
    /// planted departures; the decomposition and every outlier equal the reference's.
    func agree(seed: UInt64) throws {
        var rng = TestRandom(seed: seed)
        var series: [(first: Int64, counts: [Int])] = []
        for days in [2, 4, 10, 21, 28] {
            let activity = PlantedActivity(entities: 12, days: days, bursts: days >= 4 ? 4 : 0, silences: days >= 21 ? 2 : 0,
                                           seed: rng.next())
            let offset = Int64.random(in: 0..<168, using: &rng)
            for name in activity.counts.keys.sorted() {
                if let counts = activity.counts[name] { series.append((PlantedActivity.startHour + offset, counts)) }
            }
        }
        let alpha = 0.05 / Double(series.count)
        let payload: [String: Any] = ["alpha": alpha, "fraction": 0.1, "floor": 1.0,
                                      "series": series.map { ["first_hour": $0.first, "counts": $0.counts] }]
        let reference = try JSONDecoder().decode([ReferenceSeries?].self,
                                                 from: try Self.oracle("esd", input: try JSONSerialization.data(withJSONObject: payload)))
        #expect(reference.count == series.count)
        let test = GeneralizedESD(alpha: alpha)
        var critical = ESDCriticalValues()
        var outliersSeen = 0
        for (item, answer) in zip(series, reference) {
            let mine = SeasonalResiduals(counts: item.counts.map(Double.init), firstHour: item.first)
            guard let answer else {
                #expect(mine == nil, "a \(item.counts.count)-hour series is scored here, not by the reference")
                continue
            }
            guard let mine else {
                Issue.record("a \(item.counts.count)-hour series is not scored here but is by the reference")
                continue
            }
            #expect(mine.period == answer.period)
            #expect(zip(mine.residuals, answer.residuals).allSatisfy { Self.close($0, $1, relative: 1e-12) || abs($0 - $1) < 1e-12 })
            #expect(zip(mine.expected, answer.expected).allSatisfy { Self.close($0, $1, relative: 1e-12) || abs($0 - $1) < 1e-12 })
            let found = test.outliers(in: mine.residuals, criticalValues: &critical)
            outliersSeen += found.count
            #expect(found.map(\.index) == answer.outliers.map { Int($0[0]) }, "seed \(seed): outliers differ")
            for (a, b) in zip(found, answer.outliers) {
                #expect(Self.close(a.z, b[1], relative: 1e-9) && Self.close(a.critical, b[2], relative: 1e-9),
                        "seed \(seed) index \(a.index): z \(a.z) vs \(b[1]), λ \(a.critical) vs \(b[2])")
            }
        }
        // The planted departures must be there for the comparison to say something.
        #expect(outliersSeen >= 20, "only \(outliersSeen) outliers in the comparison (seed \(seed))")
    }

    @Test func seasonalHybridESDEqualsTheReferenceOnTheCommittedSeed() throws { try agree(seed: Self.committedSeed) }

    @Test func seasonalHybridESDEqualsTheReferenceOnAFreshSeed() throws {
        let seed = ProcessInfo.processInfo.environment["CTAS_ANOMALY_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        print("anomaly reference agreement: fresh seed \(seed)")
        try agree(seed: seed)
    }
}
