/// Median and median absolute deviation: the centre and spread that a few extreme values
/// cannot move, so that past bursts do not hide future ones.
public enum RobustStatistics {
    /// The consistency constant that makes the MAD estimate a normal distribution's standard
    /// deviation (1 / Φ⁻¹(3/4)), as R's `mad()` and statsmodels' `mad` use.
    public static let madToSigma = 1.482_602_218_505_602

    /// The median of `values` (the mean of the middle two for an even count); nil when empty.
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        var sorted = values
        sorted.sort()
        return sortedMedian(sorted)
    }

    /// The median of values already in ascending order.
    public static func sortedMedian(_ sorted: [Double]) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The median absolute deviation from `center` (default: the median), scaled by
    /// `madToSigma`; nil when empty.
    public static func scaledMAD(_ values: [Double], center: Double? = nil) -> Double? {
        guard let middle = center ?? median(values) else { return nil }
        return median(values.map { abs($0 - middle) }).map { $0 * madToSigma }
    }
}
