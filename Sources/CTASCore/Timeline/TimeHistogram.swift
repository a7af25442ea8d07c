/// Events counted per severity band: what one bucket of a timeline holds.
public struct BandCounts: Sendable, Equatable, Hashable {
    public var critical = 0
    public var high = 0
    public var medium = 0
    public var low = 0
    /// Events without a severity.
    public var unrated = 0

    public init() {}

    public init(critical: Int = 0, high: Int = 0, medium: Int = 0, low: Int = 0, unrated: Int = 0) {
        self.critical = critical
        self.high = high
        self.medium = medium
        self.low = low
        self.unrated = unrated
    }

    public var total: Int { critical &+ high &+ medium &+ low &+ unrated }

    /// Counts one event of this severity.
    public mutating func add(_ severity: Severity?, count: Int = 1) {
        switch severity?.band {
        case .critical: critical &+= count
        case .high: high &+= count
        case .medium: medium &+= count
        case .low: low &+= count
        case nil: unrated &+= count
        }
    }

    public mutating func add(_ other: BandCounts) {
        critical &+= other.critical
        high &+= other.high
        medium &+= other.medium
        low &+= other.low
        unrated &+= other.unrated
    }

    /// The count of one band (nil: events without a severity).
    public subscript(band: Severity.Band?) -> Int {
        switch band {
        case .critical: critical
        case .high: high
        case .medium: medium
        case .low: low
        case nil: unrated
        }
    }

    /// Bands from the most to the least severe, the unrated last: the order a stacked bar
    /// is drawn from its foot.
    public static let stackOrder: [Severity.Band?] = [.critical, .high, .medium, .low, nil]
}

/// Events counted per span of event time and severity band: the timeline's data.
///
/// Buckets are aligned to the Unix epoch (a day's bucket starts at midnight UTC, an hour's
/// on the hour), so two histograms of one width add bucket by bucket. A histogram with a
/// `capacity` stays bounded whatever the times: when a new bucket would exceed it, the width
/// doubles and neighbouring buckets merge (a day of minutes becomes a day of two-minute
/// buckets, and so on), so the whole span stays covered at a coarser grain. Hostile times
/// cost one bucket each and cannot trap: bucket arithmetic is floor division on the
/// microseconds, and the width stops doubling at `maximumWidth`, past which the oldest
/// buckets give way (counted in `dropped`).
public struct TimeHistogram: Sendable, Equatable {
    /// The bucket width in microseconds.
    public private(set) var width: Int64
    /// Counts per bucket, keyed by the bucket's index (start = index × width).
    public private(set) var buckets: [Int64: BandCounts] = [:]
    /// At most this many buckets (nil: no bound, for a fixed-width report).
    public let capacity: Int?
    /// Every event counted, dropped ones included.
    public private(set) var total = 0
    /// Events whose bucket gave way to newer ones once the width could grow no further.
    public private(set) var dropped = 0
    /// The earliest and latest event times counted (dropped ones included).
    public private(set) var earliest: Timestamp?
    public private(set) var latest: Timestamp?

    /// The coarsest bucket a bounded histogram grows to: 28 days.
    public static let maximumWidth: Int64 = 28 * 86_400_000_000

    /// A histogram of buckets `width` wide (at least a second); with a capacity, bounded.
    public init(width: Duration, capacity: Int? = nil) {
        let (seconds, attoseconds) = width.components
        let micros = seconds.multipliedReportingOverflow(by: 1_000_000)
        let whole = micros.overflow ? Self.maximumWidth : micros.partialValue &+ attoseconds / 1_000_000_000_000
        self.width = max(1_000_000, whole)
        self.capacity = capacity.map { max(2, $0) }
    }

    /// Counts one event.
    public mutating func add(_ time: Timestamp, severity: Severity?) {
        add(time, counts: { $0.add(severity) })
    }

    /// Counts events already tallied per band at one time.
    public mutating func add(_ time: Timestamp, counts: BandCounts) {
        add(time, counts: { $0.add(counts) }, number: counts.total)
    }

    private mutating func add(_ time: Timestamp, counts update: (inout BandCounts) -> Void, number: Int = 1) {
        total &+= number
        earliest = earliest.map { min($0, time) } ?? time
        latest = latest.map { max($0, time) } ?? time
        var key = time.microseconds.floorDivided(by: width).quotient
        if let capacity, buckets[key] == nil, buckets.count >= capacity {
            while buckets.count >= capacity, width <= Self.maximumWidth / 2 {
                coarsen()
            }
            key = time.microseconds.floorDivided(by: width).quotient
            if buckets[key] == nil, buckets.count >= capacity {
                // As coarse as it goes: the oldest bucket gives way, unless this one is older still.
                guard let oldest = buckets.keys.min(), oldest < key, let gone = buckets.removeValue(forKey: oldest) else {
                    dropped &+= number
                    return
                }
                dropped &+= gone.total
            }
        }
        update(&buckets[key, default: BandCounts()])
    }

    /// Doubles the width: each pair of buckets becomes one.
    private mutating func coarsen() {
        width *= 2
        var merged: [Int64: BandCounts] = [:]
        merged.reserveCapacity(buckets.count / 2 + 1)
        for (key, counts) in buckets {
            merged[key.floorDivided(by: 2).quotient, default: BandCounts()].add(counts)
        }
        buckets = merged
    }

    /// The first instant of the bucket with this index.
    public func start(ofBucket index: Int64) -> Timestamp {
        let (product, overflow) = index.multipliedReportingOverflow(by: width)
        if overflow { return index < 0 ? Timestamp.earliest : Timestamp.latest }
        return Timestamp(microseconds: product)
    }

    /// The bucket index holding a time.
    public func bucket(of time: Timestamp) -> Int64 { time.microseconds.floorDivided(by: width).quotient }

    /// Buckets in time order, each with its start; `from`/`until` keep those whose start lies
    /// in `from..<until` (a partial bucket at either end is kept whole).
    public func series(from: Timestamp? = nil, until: Timestamp? = nil) -> [(start: Timestamp, counts: BandCounts)] {
        buckets.keys.sorted().compactMap { key in
            let start = start(ofBucket: key)
            if let from, start.microseconds &+ (width - 1) < from.microseconds { return nil }
            if let until, start >= until { return nil }
            return (start, buckets[key] ?? BandCounts())
        }
    }

    /// Counts of the events whose bucket starts in `from..<until`.
    public func counts(from: Timestamp, until: Timestamp) -> BandCounts {
        var sum = BandCounts()
        for (key, counts) in buckets {
            let start = start(ofBucket: key)
            if start >= from && start < until { sum.add(counts) }
        }
        return sum
    }

    /// The span holding all but a small share of the events at each end (`trim`, e.g.
    /// 0.001 at each end): what a display shows so that a handful of hostile or mistyped
    /// times do not squeeze everything else into one column. Nil when empty.
    public func bulk(trimming trim: Double = 0.001) -> (from: Timestamp, until: Timestamp, outside: Int)? {
        let keys = buckets.keys.sorted()
        guard let first = keys.first, let last = keys.last else { return nil }
        let counted = keys.reduce(0) { $0 &+ (buckets[$1]?.total ?? 0) }
        let cut = Int((Double(counted) * max(0, min(0.49, trim))).rounded(.down))
        var low = first, high = last
        var skipped = 0, outside = 0
        for key in keys {
            let n = buckets[key]?.total ?? 0
            if skipped + n > cut { low = key; break }
            skipped += n
        }
        outside = skipped
        skipped = 0
        for key in keys.reversed() {
            let n = buckets[key]?.total ?? 0
            if skipped + n > cut { high = key; break }
            skipped += n
        }
        outside += skipped
        if high < low { (low, high) = (first, last); outside = 0 }
        let until = start(ofBucket: high).microseconds.addingReportingOverflow(width)
        return (start(ofBucket: low), Timestamp(microseconds: until.overflow ? Timestamp.latest.microseconds : until.partialValue), outside)
    }
}
