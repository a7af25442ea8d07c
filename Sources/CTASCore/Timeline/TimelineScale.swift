/// How a span of time is laid out in columns: a bucket width people read at a glance (1m,
/// 5m, 15m, 1h, 6h, 1d, 7d …), aligned to the Unix epoch as the histogram's buckets are.
public struct TimelineScale: Sendable, Equatable {
    /// The first column's start.
    public var start: Timestamp
    /// Each column's width in microseconds.
    public var width: Int64
    public var columns: Int

    /// Widths in seconds, finest first; beyond the last, multiples of four weeks.
    public static let niceWidths: [Int64] = [
        1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800,
        1_209_600, 2_419_200,
    ]

    /// The narrowest nice width at least `minimum` microseconds wide.
    public static func niceWidth(atLeast minimum: Int64) -> Int64 {
        for seconds in niceWidths where seconds * 1_000_000 >= minimum { return seconds * 1_000_000 }
        let month: Int64 = 2_419_200_000_000
        let (q, r) = minimum.floorDivided(by: month)
        let (product, overflow) = (q + (r > 0 ? 1 : 0)).multipliedReportingOverflow(by: month)
        return overflow ? Int64.max / 4 : product
    }

    /// The widest nice width at most `maximum` microseconds wide (nil: finer than a second).
    public static func niceWidth(atMost maximum: Int64) -> Int64? {
        let month: Int64 = 2_419_200_000_000
        if maximum >= month { return maximum / month * month }
        return niceWidths.last { $0 * 1_000_000 <= maximum }.map { $0 * 1_000_000 }
    }

    /// A scale showing `from..<until` in `columns` columns of a nice width no finer than
    /// `finest` microseconds (the data's own bucket width). The last column holds `until`'s
    /// last instant, so the newest events sit at the right edge (columns the span does not
    /// need are on the left, before `from`).
    public init(from: Timestamp, until: Timestamp, columns: Int, finest: Int64) {
        let columns = max(1, columns)
        let span = max(1, until.microseconds.subtractingReportingOverflow(from.microseconds).partialValue)
        let perColumn = span / Int64(columns) + (span % Int64(columns) > 0 ? 1 : 0)
        var width = Self.niceWidth(atLeast: max(finest, perColumn, 1))
        func start(_ width: Int64) -> Int64? {
            let last = until.microseconds.subtractingReportingOverflow(1).partialValue.floorDivided(by: width).quotient
            let (first, o1) = last.subtractingReportingOverflow(Int64(columns - 1))
            let (micros, o2) = first.multipliedReportingOverflow(by: width)
            return o1 || o2 ? nil : micros
        }
        // Aligning the end can push the start past `from`: widen until the span fits (the
        // next nice width first, then doubling, so a span of millennia takes a few steps).
        var steps = 0
        while width < Int64.max / 8, start(width).map({ $0 > from.microseconds }) ?? true {
            width = Self.niceWidth(atLeast: steps == 0 ? width + 1 : width * 2)
            steps += 1
        }
        self.start = Timestamp(microseconds: start(width) ?? from.microseconds)
        self.width = width
        self.columns = columns
    }

    /// A scale of this width starting at the bucket holding `from`.
    public init(width: Int64, from: Timestamp, columns: Int) {
        self.width = max(1, width)
        self.columns = max(1, columns)
        start = Timestamp(microseconds: from.microseconds.floorDivided(by: self.width).quotient
            .multipliedReportingOverflow(by: self.width).partialValue)
    }

    /// The first instant after the last column.
    public var end: Timestamp { columnStart(columns) }

    /// The first instant of a column (columns past either end extrapolate, saturating).
    public func columnStart(_ column: Int) -> Timestamp {
        let (offset, o1) = Int64(column).multipliedReportingOverflow(by: width)
        let (sum, o2) = start.microseconds.addingReportingOverflow(offset)
        if o1 || o2 { return column < 0 ? Timestamp.earliest : Timestamp.latest }
        return Timestamp(microseconds: sum)
    }

    /// The column holding a time (nil: outside the scale).
    public func column(of time: Timestamp) -> Int? {
        let (delta, overflow) = time.microseconds.subtractingReportingOverflow(start.microseconds)
        guard !overflow, delta >= 0 else { return nil }
        let column = delta / width
        return column < Int64(columns) ? Int(column) : nil
    }

    /// The histogram's counts per column (a bucket counts in the column holding its start).
    public func bin(_ histogram: TimeHistogram) -> [BandCounts] {
        var out = [BandCounts](repeating: BandCounts(), count: columns)
        for (key, counts) in histogram.buckets {
            if let column = column(of: histogram.start(ofBucket: key)) { out[column].add(counts) }
        }
        return out
    }

    /// The width as people write it: `5m`, `1h`, `7d`, `90s`.
    public var widthText: String { Self.spanText(width) }

    public static func spanText(_ micros: Int64) -> String {
        let seconds = micros / 1_000_000
        if seconds > 0, seconds % 604_800 == 0 { return "\(seconds / 604_800)w" }
        if seconds > 0, seconds % 86_400 == 0 { return "\(seconds / 86_400)d" }
        if seconds > 0, seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds > 0, seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}
