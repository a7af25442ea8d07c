import H3

/// The time span a density question covers, measured back from the newest event time (so
/// a replay of an old recording shows its own last hour, not the wall clock's).
public enum GeoWindow: String, Sendable, CaseIterable, Hashable {
    case hour = "1h", day = "24h", all

    /// The span in seconds; nil for everything stored.
    public var seconds: Int64? {
        switch self {
        case .hour: 3600
        case .day: 86_400
        case .all: nil
        }
    }

    /// The next window, for the pane's `w` key.
    public var next: GeoWindow {
        let all = Self.allCases
        return all[(all.firstIndex(of: self).map { $0 + 1 } ?? 0) % all.count]
    }
}

/// What a cell's density counts: events, or the sum of their severities (events without a
/// severity weigh 1).
public enum GeoWeighting: String, Sendable, CaseIterable, Hashable {
    case count, severity
}

/// Events counted in one cell.
public struct CellTally: Sendable, Equatable, Hashable {
    public var count: Int
    public var severitySum: Int

    public init(count: Int = 0, severitySum: Int = 0) {
        self.count = count
        self.severitySum = severitySum
    }

    public func value(_ weighting: GeoWeighting) -> Double {
        weighting == .count ? Double(count) : Double(severitySum)
    }

    public static func += (a: inout CellTally, b: CellTally) {
        a.count += b.count
        a.severitySum += b.severitySum
    }
}

/// Events per H3 cell at a fine base resolution, answering for any coarser resolution (by
/// parent) and time window. Minute buckets cover the last 24 hours of event time, so the
/// 1 h and 24 h windows start on a whole minute; everything older lives only in the total.
public struct GeoIndex: Sendable {
    /// The resolution cells are counted at (about 5 km²); display resolutions are 0…this.
    public static let baseResolution = 7
    static let bucketMicros: Int64 = 60_000_000
    static let keptBuckets: Int64 = 24 * 60 + 1

    private var total: [UInt64: CellTally] = [:]
    private var buckets: [Int64: [UInt64: CellTally]] = [:]
    private var newestBucket = Int64.min
    /// The newest event time seen: the windows' reference point.
    public private(set) var newestTime: Timestamp?
    /// Events with a location, and without one (not on the map).
    public private(set) var located = 0
    public private(set) var unlocated = 0
    /// Changes whenever an event is added, so answers can be cached.
    public private(set) var version = 0

    public init() {}

    /// Number of base cells holding events.
    public var cellCount: Int { total.count }

    /// Counts an event in `cell` (any resolution at or finer than the base; nil when the
    /// event has no location).
    public mutating func add(cell: H3Index?, time: Timestamp, severity: Int?) {
        version &+= 1
        guard let cell, cell.resolution >= Self.baseResolution, H3.isValidCell(cell) else {
            unlocated += 1
            return
        }
        located += 1
        let base = Self.parent(cell)
        let tally = CellTally(count: 1, severitySum: severity ?? 1)
        total[base.rawValue, default: CellTally()] += tally
        if newestTime.map({ time > $0 }) ?? true { newestTime = time }
        let bucket = Self.floorDiv(time.microseconds, Self.bucketMicros)
        if bucket > newestBucket {
            newestBucket = bucket
            prune()
        }
        guard bucket > newestBucket - Self.keptBuckets else { return }
        buckets[bucket, default: [:]][base.rawValue, default: CellTally()] += tally
    }

    /// The first instant the window covers (nil: everything).
    public func windowStart(_ window: GeoWindow) -> Timestamp? {
        guard let seconds = window.seconds, newestTime != nil else { return nil }
        return Timestamp(microseconds: (newestBucket - seconds * 1_000_000 / Self.bucketMicros) * Self.bucketMicros)
    }

    /// Tallies per cell at `resolution` (clamped to 0…base) within `window`.
    public func tallies(resolution: Int, window: GeoWindow) -> [H3Index: CellTally] {
        let res = max(0, min(Self.baseResolution, resolution))
        var out: [H3Index: CellTally] = [:]
        func fold(_ source: [UInt64: CellTally]) {
            for (raw, tally) in source {
                let cell = res == Self.baseResolution ? H3Index(raw) : Self.parent(H3Index(raw), at: res)
                out[cell, default: CellTally()] += tally
            }
        }
        guard let seconds = window.seconds else {
            fold(total)
            return out
        }
        let first = newestBucket - seconds * 1_000_000 / Self.bucketMicros
        for (bucket, cells) in buckets where bucket >= first { fold(cells) }
        return out
    }

    /// Tallies per cell at `resolution` for events in `range`, when the minute buckets cover
    /// it (the last 24 hours of event time); nil when it reaches further back (the warm tier
    /// answers then).
    public func tallies(resolution: Int, range: TimeRange) -> [H3Index: CellTally]? {
        guard newestTime != nil else { return [:] }
        guard covers(range) else { return nil }
        let first = Self.floorDiv(range.from.microseconds, Self.bucketMicros)
        let last = Self.floorDiv(range.until.microseconds &- 1, Self.bucketMicros)
        let res = max(0, min(Self.baseResolution, resolution))
        var out: [H3Index: CellTally] = [:]
        for (bucket, cells) in buckets where bucket >= first && bucket <= last {
            for (raw, tally) in cells {
                let cell = res == Self.baseResolution ? H3Index(raw) : Self.parent(H3Index(raw), at: res)
                out[cell, default: CellTally()] += tally
            }
        }
        return out
    }

    /// Whether the minute buckets hold everything of `range`: whole minutes, none of them
    /// older than the kept day (an empty index covers everything: nothing is missing).
    public func covers(_ range: TimeRange) -> Bool {
        guard newestTime != nil else { return true }
        let first = Self.floorDiv(range.from.microseconds, Self.bucketMicros)
        return range.from.microseconds % Self.bucketMicros == 0 && range.until.microseconds % Self.bucketMicros == 0
            && first > newestBucket - Self.keptBuckets
    }

    private mutating func prune() {
        let oldest = newestBucket - Self.keptBuckets
        for key in buckets.keys where key <= oldest { buckets.removeValue(forKey: key) }
    }

    /// The base-resolution ancestor of a valid cell at that resolution or finer: set the
    /// resolution field and mark the finer digits unused (bit operations only).
    @inline(__always)
    static func parent(_ cell: H3Index) -> H3Index { parent(cell, at: baseResolution) }

    /// The ancestor at `res` (0...15, at most the cell's own) of a valid cell, by the same bit
    /// operations: the index's cells are valid (checked when counted), and a map query folds
    /// every minute's cells up to its resolution, where `H3.cellToParent` checked each again.
    @inline(__always)
    static func parent(_ cell: H3Index, at res: Int) -> H3Index {
        var raw = cell.rawValue & ~(UInt64(0xF) << 52) | UInt64(res) << 52
        raw |= (UInt64(1) << UInt64(3 * (15 - res))) - 1
        return H3Index(raw)
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
