/// An hourly count series split into what its cycle predicts and what is left over: the
/// robust seasonal decomposition that the hybrid ESD test reads.
///
/// Counts are first made roughly equal in variance with Anscombe's transform
/// y = 2√(x + 3/8) (a Poisson count's transform has variance ≈ 1 whatever its mean, so a
/// busy hour and a quiet one are judged on one scale). The seasonal expectation of each
/// hour is the median of the transformed counts at the same phase of the cycle — the same
/// hour of the week when there are three weeks or more, else the same hour of the day —
/// and the residual is what the hour departs from it. Medians rather than STL's local
/// regressions: with a handful of samples per phase, one burst moves a mean-based smoother
/// and hides itself, but not a median of three or more.
public struct SeasonalResiduals: Sendable {
    /// The cycle in hours (168 or 24).
    public let period: Int
    /// Each hour's departure from its phase's median, on the transformed scale.
    public let residuals: [Double]
    /// Each hour's expected count (the phase median, transformed back).
    public let expected: [Double]

    /// Hours of history for the weekly cycle (three samples of every hour of the week).
    public static let weeklyHours = 3 * 168
    /// Hours of history below which a series is not scored at all (three days).
    public static let minimumHours = 3 * 24

    /// The decomposition of `counts` (hour 0 first; `firstHour` is hour 0's absolute index
    /// since the epoch, so phases line up with the calendar); nil when shorter than
    /// `minimumHours`.
    public init?(counts: [Double], firstHour: Int64) {
        guard counts.count >= Self.minimumHours else { return nil }
        let period = counts.count >= Self.weeklyHours ? 168 : 24
        self.period = period
        let transformed = counts.map(Self.anscombe)
        var byPhase = [[Double]](repeating: [], count: period)
        for (offset, value) in transformed.enumerated() {
            byPhase[Self.phase(firstHour + Int64(offset), period: period)].append(value)
        }
        let medians = byPhase.map { RobustStatistics.median($0) ?? 0 }
        var residuals = [Double](repeating: 0, count: counts.count)
        var expected = [Double](repeating: 0, count: counts.count)
        for offset in counts.indices {
            let median = medians[Self.phase(firstHour + Int64(offset), period: period)]
            residuals[offset] = transformed[offset] - median
            expected[offset] = Self.inverseAnscombe(median)
        }
        self.residuals = residuals
        self.expected = expected
    }

    /// y = 2√(x + 3/8).
    public static func anscombe(_ count: Double) -> Double { 2 * (max(0, count) + 0.375).squareRoot() }

    /// The count whose transform is `y` (never below zero).
    public static func inverseAnscombe(_ y: Double) -> Double { max(0, y * y / 4 - 0.375) }

    /// An absolute hour's phase in a cycle of `period` hours. Hour 0 (1970-01-01 00:00 UTC)
    /// was a Thursday; phases count from there, in UTC.
    static func phase(_ hour: Int64, period: Int) -> Int {
        let p = Int64(period)
        return Int(((hour % p) + p) % p)
    }
}
