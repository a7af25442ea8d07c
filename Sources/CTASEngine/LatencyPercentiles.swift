/// The latency summaries a snapshot shows, with their percentiles worked out at most once a
/// second.
///
/// A percentile walks the histogram's buckets (some 2,700 of them) through generic code:
/// the seven histograms' three percentiles each cost about half a millisecond per snapshot,
/// ten snapshots a second. The metrics pane and the status lines change their percentiles
/// once a second; counts are always current, and the last snapshot (the run finished) is
/// exact.
struct LatencyPercentiles: Sendable {
    /// Which histogram a summary is of.
    enum Key: Hashable, Sendable {
        case endToEnd, warmWrite
        case stage(Int)
    }

    /// The summaries of one snapshot: fresh ones, or those of the last refresh with current
    /// counts.
    struct Round: Sendable {
        var fresh: Bool
        var summaries: [Key: LatencySummary]

        /// The summary of `histogram`: worked out when this round is fresh, or when the kept
        /// one has no values yet and the histogram has some; else the kept percentiles with the
        /// current count.
        mutating func summary(_ key: Key, _ histogram: LatencyHistogram) -> LatencySummary {
            if !fresh, var kept = summaries[key], kept.count > 0 || histogram.totalCount == 0 {
                kept.count = histogram.totalCount
                return kept
            }
            let summary = LatencySummary(histogram)
            summaries[key] = summary
            return summary
        }
    }

    static let refreshNanos: UInt64 = 1_000_000_000
    private var refreshedAt: UInt64 = 0
    private var kept: [Key: LatencySummary] = [:]

    /// A round for a snapshot made at `now`: fresh once a second, and always when the run
    /// has finished or nothing was kept yet.
    mutating func refreshed(now: UInt64, finished: Bool) -> Round {
        let fresh = finished || kept.isEmpty || now < refreshedAt || now - refreshedAt >= Self.refreshNanos
        if fresh { refreshedAt = now }
        return Round(fresh: fresh, summaries: kept)
    }

    /// Keeps what a round worked out for the rounds after it.
    mutating func keep(_ round: Round) {
        kept = round.summaries
    }
}
