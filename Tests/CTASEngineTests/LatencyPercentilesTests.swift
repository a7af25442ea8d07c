import Testing
@testable import CTASEngine

/// Snapshot percentiles are worked out once a second; counts are always current, and the
/// finished run's are exact.
@Suite struct LatencyPercentilesTests {
    func histogram(_ values: [UInt64]) -> LatencyHistogram {
        var h = makeLatencyHistogram()
        for v in values { h.record(v) }
        return h
    }

    @Test func percentilesRefreshOnceASecondAndCountsAlways() {
        var cache = LatencyPercentiles()
        let slow = histogram(Array(repeating: 5_000, count: 100))
        var round = cache.refreshed(now: 10_000_000_000, finished: false)
        #expect(round.fresh)
        let first = round.summary(.stage(2), slow)
        #expect(first == LatencySummary(slow))
        cache.keep(round)
        // Half a second later the latencies changed: the percentiles wait, the count does not.
        let faster = histogram(Array(repeating: 5_000, count: 100) + Array(repeating: 10, count: 900))
        round = cache.refreshed(now: 10_500_000_000, finished: false)
        #expect(!round.fresh)
        let kept = round.summary(.stage(2), faster)
        #expect(kept.count == 1_000 && kept.p50 == first.p50)
        cache.keep(round)
        // A second after the last refresh, everything is worked out again.
        round = cache.refreshed(now: 11_000_000_000, finished: false)
        #expect(round.fresh && round.summary(.stage(2), faster) == LatencySummary(faster))
        cache.keep(round)
        // A finished run is exact at once; so is a clock that went backwards.
        round = cache.refreshed(now: 11_100_000_000, finished: true)
        #expect(round.fresh)
        round = cache.refreshed(now: 5, finished: false)
        #expect(round.fresh)
    }

    @Test func aHistogramsFirstValuesAreNeverHiddenBehindAnEmptySummary() {
        var cache = LatencyPercentiles()
        var round = cache.refreshed(now: 1_000_000_000, finished: false)
        #expect(round.summary(.endToEnd, histogram([])) == LatencySummary())
        #expect(round.summary(.warmWrite, histogram([])) == LatencySummary())
        cache.keep(round)
        round = cache.refreshed(now: 1_100_000_000, finished: false)
        #expect(!round.fresh)
        let now = histogram([700, 900])
        #expect(round.summary(.endToEnd, now) == LatencySummary(now), "kept empty, now holding values: worked out")
        #expect(round.summary(.warmWrite, histogram([])).count == 0)
        #expect(round.summary(.stage(0), now) == LatencySummary(now), "never seen: worked out")
    }
}
