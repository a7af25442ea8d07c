import CTASCore
import Testing

@Suite struct TimeHistogramTests {
    /// A plain count per bucket of `width` µs, written without the histogram.
    static func naive(_ events: [(Int64, Int?)], width: Int64) -> [Int64: BandCounts] {
        var out: [Int64: BandCounts] = [:]
        for (t, s) in events {
            var key = t / width
            if t % width != 0 && t < 0 { key -= 1 }
            out[key * width, default: BandCounts()].add(s.flatMap { Severity($0) })
        }
        return out
    }

    static func byStart(_ h: TimeHistogram) -> [Int64: BandCounts] {
        Dictionary(uniqueKeysWithValues: h.series().map { ($0.start.microseconds, $0.counts) })
    }

    @Test func unboundedBucketsEqualAPlainCountIncludingBeforeTheEpoch() {
        var rng = SystemRandomNumberGenerator()
        var events: [(Int64, Int?)] = []
        for _ in 0..<5_000 {
            let t = Int64.random(in: -86_400_000_000...86_400_000_000, using: &rng)
            events.append((t, Bool.random(using: &rng) ? nil : Int.random(in: 1...10, using: &rng)))
        }
        for width: Int64 in [60, 300, 3600, 7 * 60] {
            var h = TimeHistogram(width: .seconds(width))
            for (t, s) in events { h.add(Timestamp(microseconds: t), severity: s.flatMap { Severity($0) }) }
            #expect(Self.byStart(h) == Self.naive(events, width: width * 1_000_000), "width \(width)")
            #expect(h.total == 5_000)
            #expect(h.earliest?.microseconds == events.map(\.0).min())
        }
        // -1 µs is in the minute before the epoch, not the one after.
        var h = TimeHistogram(width: .seconds(60))
        h.add(Timestamp(microseconds: -1), severity: Severity(9))
        #expect(h.series().first?.start.microseconds == -60_000_000)
        #expect(h.series().first?.counts == BandCounts(critical: 1))
    }

    @Test func aBoundedHistogramCoarsensAndKeepsEveryCount() {
        var h = TimeHistogram(width: .seconds(60), capacity: 100)
        var events: [(Int64, Int?)] = []
        // Three days of one event a minute: 4,320 minutes into at most 100 buckets.
        for minute in 0..<4_320 {
            let t = Int64(minute) * 60_000_000 + 1_000
            let s = minute % 11 == 0 ? nil : minute % 10 + 1
            events.append((t, s))
            h.add(Timestamp(microseconds: t), severity: s.flatMap { Severity($0) })
            #expect(h.buckets.count <= 100)
        }
        #expect(h.width == 64 * 60_000_000)
        #expect(h.total == 4_320 && h.dropped == 0)
        #expect(h.series().reduce(0) { $0 + $1.counts.total } == 4_320)
        #expect(Self.byStart(h) == Self.naive(events, width: h.width))
    }

    @Test func hostileTimesCostABucketEachAndNeverTrap() {
        var h = TimeHistogram(width: .seconds(60), capacity: 50)
        let extremes: [Int64] = [Timestamp.earliest.microseconds, Timestamp.latest.microseconds, 0, -1, Int64.min, Int64.max, Int64.min + 1]
        for t in extremes { h.add(Timestamp(microseconds: t), severity: nil) }
        for i in 0..<1_000 { h.add(Timestamp(microseconds: 1_764_000_000_000_000 + Int64(i) * 60_000_000), severity: Severity(5)) }
        #expect(h.buckets.count <= 50)
        #expect(h.total == 1_007)
        #expect(h.series().reduce(0) { $0 + $1.counts.total } + h.dropped == 1_007)
        #expect(h.width <= TimeHistogram.maximumWidth)
        // The bulk of the events leaves the handful of hostile ones out, and says how many.
        if let bulk = h.bulk(trimming: 0.01) {
            // At most a hundredth at each end is left out: the hostile seven and perhaps a thin edge bucket.
            #expect(bulk.outside >= 7 && bulk.outside <= 20, "\(bulk)")
            #expect(bulk.until.microseconds <= 1_764_000_000_000_000 + 1_000 * 60_000_000 + h.width)
            #expect(bulk.from.microseconds >= 1_764_000_000_000_000 - h.width)
        } else {
            Issue.record("no bulk")
        }
        #expect(TimeHistogram(width: .seconds(60)).bulk() == nil)
    }

    @Test func scalesPickNiceWidthsThatCoverTheSpan() {
        let from = Timestamp(microseconds: 1_764_000_123_000_000)
        for (span, columns) in [(Int64(3600), 60), (86_400, 100), (7 * 86_400, 50), (1, 10), (90 * 86_400, 80), (40 * 365 * 86_400, 60)] {
            let until = from.shifted(byMicroseconds: span * 1_000_000)
            let scale = TimelineScale(from: from, until: until, columns: columns, finest: 60_000_000)
            #expect(scale.start <= from && scale.end >= until, "span \(span)")
            #expect(scale.width >= 60_000_000)
            #expect(scale.start.microseconds % scale.width == 0)
            #expect(scale.column(of: from) == 0 || scale.column(of: from) != nil)
            #expect(scale.column(of: until.shifted(byMicroseconds: -1)) != nil)
            let seconds = scale.width / 1_000_000
            #expect(TimelineScale.niceWidths.contains(seconds) || seconds % 2_419_200 == 0, "\(seconds)")
        }
        // Columns sum to the histogram's counts inside the scale.
        var h = TimeHistogram(width: .seconds(60))
        for i in 0..<500 { h.add(from.shifted(byMicroseconds: Int64(i) * 37_000_000), severity: Severity(i % 10 + 1)) }
        let scale = TimelineScale(from: from, until: from.shifted(byMicroseconds: 500 * 37_000_000), columns: 40, finest: h.width)
        #expect(scale.bin(h).reduce(0) { $0 + $1.total } == 500)
        #expect(scale.widthText == "10m")
        #expect(TimelineScale.spanText(86_400_000_000) == "1d" && TimelineScale.spanText(604_800_000_000) == "1w")
    }
}
