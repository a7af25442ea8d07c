#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Rosner's generalized extreme Studentized deviate test (Technometrics 25(2), 1983) in its
/// hybrid form (Hochenbaum, Vallis and Kejariwal, 2017): the deviation of each point is
/// measured from the median in units of the MAD, both recomputed as extremes are removed,
/// so that a burst cannot widen the yardstick it is measured with.
///
/// For i = 1…r the most extreme remaining point is removed with its statistic
/// Rᵢ = max |x − median| / MAD, and compared with Rosner's critical value
/// λᵢ = (n − i)·t / √((n − i − 1 + t²)(n − i + 1)), t the Student t quantile at
/// 1 − α / (2(n − i + 1)) with n − i − 1 degrees of freedom. The number of outliers is the
/// largest i with Rᵢ > λᵢ; they are the first i points removed.
public struct GeneralizedESD: Sendable {
    /// The significance level of the whole test on one series.
    public var alpha: Double
    /// The most outliers one series may have (r), as a fraction of its length.
    public var maximumOutlierFraction: Double
    /// The MAD is never taken below this (a series of mostly equal values has MAD 0).
    public var scaleFloor: Double

    public init(alpha: Double, maximumOutlierFraction: Double = 0.1, scaleFloor: Double = 1) {
        self.alpha = alpha
        self.maximumOutlierFraction = maximumOutlierFraction
        self.scaleFloor = scaleFloor
    }

    /// One outlier: its index, its signed deviation from the final median in MAD units, and
    /// the critical value the test accepted it at.
    public struct Outlier: Sendable, Equatable {
        public var index: Int
        public var z: Double
        public var critical: Double
    }

    /// The number of candidates examined for `count` values.
    public func candidates(forCount count: Int) -> Int {
        max(1, min(count - 3, Int((Double(count) * maximumOutlierFraction).rounded(.down))))
    }

    /// The outliers of `values` (none when fewer than 4 values), in the order removed.
    public func outliers(in values: [Double], criticalValues: inout ESDCriticalValues) -> [Outlier] {
        let n = values.count
        guard n >= 4 else { return [] }
        let r = candidates(forCount: n)
        // Values sorted once (by value, then index). Each step removes the most extreme
        // remaining value, which is at one end: the remaining values are always the window
        // lo..<hi of this list, their median is in the middle, and their MAD is found by
        // walking the deviations outward from the median (two sorted runs) — O(n) a step.
        let sorted = values.enumerated().map { ($0.element, $0.offset) }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        var lo = 0
        var hi = n
        var removed: [(index: Int, statistic: Double)] = []
        var accepted = 0
        for i in 1...r {
            let m = hi - lo
            let median = m % 2 == 1 ? sorted[lo + m / 2].0 : (sorted[lo + m / 2 - 1].0 + sorted[lo + m / 2].0) / 2
            let mad = Self.medianDeviation(sorted, lo: lo, hi: hi, from: median) * RobustStatistics.madToSigma
            let scale = max(mad, scaleFloor)
            // Of equal highs the latest goes first, of equal lows the earliest.
            let lowGap = median - sorted[lo].0
            let highGap = sorted[hi - 1].0 - median
            let statistic = max(lowGap, highGap) / scale
            if highGap >= lowGap {
                removed.append((sorted[hi - 1].1, statistic))
                hi -= 1
            } else {
                removed.append((sorted[lo].1, statistic))
                lo += 1
            }
            if statistic > criticalValues.lambda(count: n, step: i, alpha: alpha) { accepted = i }
        }
        guard accepted > 0 else { return [] }
        // Each outlier's z against what is left when every outlier is out.
        let out = Set(removed.prefix(accepted).map(\.index))
        let kept = values.indices.filter { !out.contains($0) }.map { values[$0] }
        let center = RobustStatistics.median(kept) ?? 0
        let spread = max(RobustStatistics.scaledMAD(kept, center: center) ?? 0, scaleFloor)
        let critical = criticalValues.lambda(count: n, step: accepted, alpha: alpha)
        return removed.prefix(accepted).map { Outlier(index: $0.index, z: (values[$0.index] - center) / spread, critical: critical) }
    }

    /// The median of |x − center| over `sorted[lo..<hi]` (ascending), without sorting:
    /// the deviations of the values below the center grow leftwards, those at or above it
    /// rightwards, so the two runs are merged from the center out until the middle.
    static func medianDeviation(_ sorted: [(Double, Int)], lo: Int, hi: Int, from center: Double) -> Double {
        let m = hi - lo
        guard m > 0 else { return 0 }
        // First index at or above the center.
        var split = lo
        var upper = hi
        while split < upper {
            let middle = (split + upper) / 2
            if sorted[middle].0 < center { split = middle + 1 } else { upper = middle }
        }
        var left = split - 1     // next below-center value (deviation center − value)
        var right = split        // next at-or-above value (deviation value − center)
        let wanted = m / 2       // 0-based rank of the upper middle
        var previous = 0.0
        var current = 0.0
        for _ in 0...wanted {
            previous = current
            let leftDeviation = left >= lo ? center - sorted[left].0 : .infinity
            let rightDeviation = right < hi ? sorted[right].0 - center : .infinity
            if leftDeviation <= rightDeviation {
                current = leftDeviation
                left -= 1
            } else {
                current = rightDeviation
                right += 1
            }
        }
        return m % 2 == 1 ? current : (previous + current) / 2
    }
}

/// Rosner's critical values λᵢ, computed once per (n, i, α): every entity's series over the
/// same window has the same length, so a scan of thousands of entities needs a handful.
public struct ESDCriticalValues: Sendable {
    private var cache: [Key: Double] = [:]
    private struct Key: Hashable {
        var count: Int
        var step: Int
        var alpha: Double
    }

    public init() {}

    /// λᵢ for a series of `count` values at step `step` (1-based).
    public mutating func lambda(count n: Int, step i: Int, alpha: Double) -> Double {
        let key = Key(count: n, step: i, alpha: alpha)
        if let known = cache[key] { return known }
        let remaining = Double(n - i + 1)
        let degrees = Double(n - i - 1)
        let t = StudentT(degreesOfFreedom: degrees).quantile(upperTail: alpha / (2 * remaining))
        let value = Double(n - i) * t / ((degrees + t * t) * remaining).squareRoot()
        cache[key] = value
        return value
    }
}
