import CTASTestSupport
import Testing
@testable import CTASBehaviour

@Suite struct RobustStatisticsTests {
    @Test func medianAndMAD() {
        #expect(RobustStatistics.median([]) == nil)
        #expect(RobustStatistics.median([3]) == 3)
        #expect(RobustStatistics.median([4, 1, 3, 2]) == 2.5)
        #expect(RobustStatistics.scaledMAD([1, 1, 2, 2, 4, 6, 9]) == 1 * RobustStatistics.madToSigma)
    }

    /// The ESD's median deviation over a sorted window, walked outward from the centre,
    /// equals sorting the deviations, on random windows with many ties.
    @Test func medianDeviationOfAWindowEqualsSorting() {
        var rng = TestRandom(seed: UInt64.random(in: 1...UInt64.max))
        for _ in 0..<2000 {
            let n = Int.random(in: 1...40, using: &rng)
            let values = (0..<n).map { _ in Double(Int.random(in: 0...6, using: &rng)) / 2 }
            let sorted = values.enumerated().map { ($0.element, $0.offset) }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
            let lo = Int.random(in: 0..<n, using: &rng)
            let hi = Int.random(in: (lo + 1)...n, using: &rng)
            let window = sorted[lo..<hi].map(\.0)
            let center = RobustStatistics.median(window) ?? 0
            let expected = RobustStatistics.median(window.map { abs($0 - center) }) ?? 0
            #expect(GeneralizedESD.medianDeviation(sorted, lo: lo, hi: hi, from: center) == expected, "\(window)")
        }
    }

    @Test func esdNeedsFourValuesAndFindsAnObviousOutlier() {
        var critical = ESDCriticalValues()
        let test = GeneralizedESD(alpha: 0.05)
        #expect(test.outliers(in: [1, 2, 100], criticalValues: &critical).isEmpty)
        let values = (0..<50).map { Double($0 % 5) } + [60]
        let found = test.outliers(in: values, criticalValues: &critical)
        #expect(found.map(\.index) == [50])
        #expect((found.first?.z ?? 0) > (found.first?.critical ?? .infinity))
    }

    @Test func tDistributionEdges() {
        let t = StudentT(degreesOfFreedom: 10)
        #expect(t.quantile(upperTail: 0.5) == 0)
        #expect(t.quantile(upperTail: 0) == .infinity)
        #expect(t.quantile(upperTail: 1) == -.infinity)
        #expect(abs(t.quantile(upperTail: 0.975) + t.quantile(upperTail: 0.025)) < 1e-12)
        #expect(abs(t.cdf(t.quantile(upperTail: 0.01)) - 0.99) < 1e-12)
        #expect(t.cdf(.infinity) == 1 && t.cdf(-.infinity) == 0)
    }
}
