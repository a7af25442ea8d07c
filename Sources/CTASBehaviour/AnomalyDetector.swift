import CTASCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What `AnomalyDetector` looks for and reports.
public struct AnomalyOptions: Sendable {
    /// Report anomalies starting at or after this (earlier events are history only).
    public var since: Timestamp?
    /// The end of the window (default: the hour after the newest event).
    public var until: Timestamp?
    /// The chance of one false rate anomaly over every series tested (a Bonferroni share of
    /// it goes to each series' ESD test).
    public var alpha = 0.05
    /// Events an entity must have shown before a first counts as rare.
    public var minimumEvents = 20
    /// Only these kinds.
    public var kinds: Set<Anomaly.Kind> = Set(Anomaly.Kind.allCases)
    /// Only anomalies scoring at least this.
    public var minimumScore = 0.0
    /// Only this entity's anomalies (every entity is still tested, so that the answer is
    /// the one the whole scan gives).
    public var entity: String?
    /// Also test each entity × event type series (a burst of one type that the entity's
    /// total does not show).
    public var perType = true
    /// The rate tests look at most this far back from the window's end (older hours are
    /// history only for firsts): 90 days, 2,160 hours a series.
    public var maximumRateWindow: Duration = .seconds(90 * 86_400)

    public init() {}
}

/// What a scan found, and what it could not judge.
public struct AnomalyReport: Sendable {
    public var anomalies: [Anomaly] = []
    /// Events read, and those without an entity (not attributable).
    public var events = 0
    public var eventsWithoutEntity = 0
    public var entities = 0
    /// Series tested for rate anomalies, and those with under `SeasonalResiduals.minimumHours`
    /// of history (not scored).
    public var seriesScored = 0
    public var seriesUnscored = 0
    /// Entities whose values of some attribute passed `AnomalyDetector.attributeCapacity`
    /// (too varied for a first to mean anything; their firsts of it are not reported).
    public var saturatedAttributes = 0
    /// The window the rate tests covered.
    public var windowStart: Timestamp?
    public var windowEnd: Timestamp?

    public init() {}
}

/// Finds rate anomalies (bursts and silences against each entity's daily or weekly cycle,
/// by the seasonal hybrid ESD test) and rare behaviour (firsts) in a stream of events given
/// in time order.
///
/// Memory: per entity, its hours with events (sparse) and at most `attributeCapacity`
/// remembered values per attribute.
public struct AnomalyDetector: Sendable {
    public let options: AnomalyOptions
    /// Distinct values remembered per entity and attribute.
    public static let attributeCapacity = 256

    private var entityIndex: [String: Int] = [:]
    private var entities: [EntityState] = []
    private var typeSeries: [SeriesKey: HourlyCounts] = [:]
    private var report = AnomalyReport()
    private var newestHour: Int64?
    private var kindCache = IndicatorKindCache()

    struct SeriesKey: Hashable, Sendable {
        var entity: Int
        var type: String
    }

    struct EntityState: Sendable {
        var name: String
        var counts = HourlyCounts()
        var events = 0
        var firstSeen: Timestamp
        /// Values seen, per attribute (`Attribute.slot`); empty until the first is noted.
        var seen: [Set<String>] = []
        /// Attributes past `attributeCapacity`, a bit each (`Attribute.slot`).
        var saturated: UInt8 = 0
    }

    enum Attribute: String, Sendable, CaseIterable {
        case type, country, asn, indicatorKind = "indicator kind"

        /// The attribute's place in `EntityState.seen` and bit in `saturated`.
        var slot: Int {
            switch self {
            case .type: 0
            case .country: 1
            case .asn: 2
            case .indicatorKind: 3
            }
        }
    }

    public init(options: AnomalyOptions) {
        self.options = options
    }

    /// Takes the next event (in time order; stragglers are counted where they belong).
    public mutating func observe(_ event: Event) {
        guard let name = event.entity, !name.isEmpty, options.kinds.contains(.rare) else {
            observe(time: event.timestamp, entity: event.entity, type: event.type, country: nil, asn: nil, indicatorKinds: [])
            return
        }
        let details = event.details
        observe(time: event.timestamp, entity: name, type: event.type, country: details?.country, asn: details?.asn,
                indicatorKinds: kindCache.kinds(of: event.indicators))
    }

    /// Takes a stored event as the scan reads it: its indicator list as stored (JSON text,
    /// valid only during the call), classified only when the entity's firsts need it.
    public mutating func observe(time: Timestamp, entity: String?, type: String, country: String?, asn: UInt32?,
                                 listedIndicators json: UnsafeRawBufferPointer) {
        let kinds = options.kinds.contains(.rare) && !(entity ?? "").isEmpty ? kindCache.kinds(ofListed: json) : []
        observe(time: time, entity: entity, type: type, country: country, asn: asn, indicatorKinds: kinds)
    }

    private mutating func observe(time: Timestamp, entity: String?, type: String, country: String?, asn: UInt32?,
                                  indicatorKinds: [IndicatorKind]) {
        report.events += 1
        guard let name = entity, !name.isEmpty else {
            report.eventsWithoutEntity += 1
            return
        }
        let hour = HourlyCounts.hour(of: time)
        newestHour = max(newestHour ?? hour, hour)
        let index: Int
        if let known = entityIndex[name] {
            index = known
        } else {
            index = entities.count
            entityIndex[name] = index
            entities.append(EntityState(name: name, firstSeen: time))
        }
        // The state is taken out of the array while it changes and put back: reading its
        // fields through the array copied the whole state (its sets) for each read, a third
        // of a scan of ten million events.
        var state = EntityState(name: "", firstSeen: time)
        swap(&state, &entities[index])
        defer { swap(&state, &entities[index]) }
        state.counts.add(hour: hour)
        if options.perType { typeSeries[SeriesKey(entity: index, type: type), default: HourlyCounts()].add(hour: hour) }
        if options.kinds.contains(.rare) {
            var values: [(Attribute, String)] = [(.type, type)]
            if let country { values.append((.country, country)) }
            if let asn { values.append((.asn, String(asn))) }
            for kind in indicatorKinds { values.append((.indicatorKind, kind.name)) }
            noteFirsts(values, at: time, state: &state)
        }
        state.events += 1
    }

    /// Compares the event's attributes with what its entity showed before.
    private mutating func noteFirsts(_ values: [(Attribute, String)], at time: Timestamp, state: inout EntityState) {
        let events = state.events
        let established = events >= options.minimumEvents
            && time.microseconds &- state.firstSeen.microseconds >= Int64(SeasonalResiduals.minimumHours) * 3_600_000_000
        let reportable = established && (options.since.map { time >= $0 } ?? true)
        if state.seen.isEmpty { state.seen = Array(repeating: [], count: Attribute.allCases.count) }
        for (attribute, value) in values where state.saturated & (1 << attribute.slot) == 0 {
            let slot = attribute.slot
            if state.seen[slot].contains(value) { continue }
            if state.seen[slot].count >= Self.attributeCapacity {
                state.saturated |= 1 << slot
                report.saturatedAttributes += 1
                continue
            }
            state.seen[slot].insert(value)
            guard reportable else { continue }
            let score = min(100, 50 + 25 * log10(Double(events) / Double(max(1, options.minimumEvents))))
            report.anomalies.append(Anomaly(entity: state.name, kind: .rare, start: time, end: time,
                                            observed: 1, expected: 0, score: score, detail: "new \(attribute.rawValue) \(value)"))
        }
    }

    /// Tests every series and returns what was found, strongest first.
    public func finish() -> AnomalyReport {
        var report = self.report
        report.entities = entities.count
        guard let newestHour else { return report }
        let endHour = options.until.map { until in
            let hour = HourlyCounts.hour(of: until)
            return HourlyCounts.start(ofHour: hour) == until ? hour : hour + 1
        } ?? newestHour + 1
        let sinceHour = options.since.map(HourlyCounts.hour(of:))
        if options.kinds.contains(.rate) {
            var series: [(name: String, type: String?, counts: HourlyCounts)] = entities.map { ($0.name, nil, $0.counts) }
            for (key, counts) in typeSeries.sorted(by: { ($0.key.entity, $0.key.type) < ($1.key.entity, $1.key.type) }) {
                // A type that is all the entity does says nothing its total does not.
                if counts.total == entities[key.entity].counts.total { continue }
                series.append((entities[key.entity].name, key.type, counts))
            }
            let windowHours = max(Int64(SeasonalResiduals.minimumHours), options.maximumRateWindow.components.seconds / 3600)
            let earliestHour = endHour - windowHours
            // First pass: which series have enough history (the test's share of alpha needs
            // their number); the second decomposes and tests one series at a time, so memory
            // holds one dense series, not all of them.
            var scored: [(name: String, type: String?, first: Int64, counts: HourlyCounts)] = []
            for item in series {
                guard let seen = item.counts.firstHour, seen < endHour else { continue }
                let first = max(seen, earliestHour)
                if endHour - first < Int64(SeasonalResiduals.minimumHours) {
                    report.seriesUnscored += 1
                } else {
                    scored.append((item.name, item.type, first, item.counts))
                }
            }
            report.seriesScored = scored.count
            if let earliest = scored.map(\.first).min() { report.windowStart = HourlyCounts.start(ofHour: earliest) }
            report.windowEnd = HourlyCounts.start(ofHour: endHour)
            let test = GeneralizedESD(alpha: options.alpha / Double(max(1, scored.count)))
            var critical = ESDCriticalValues()
            var entityRuns: [String: [Anomaly]] = [:]
            var typeRuns: [Anomaly] = []
            for item in scored {
                let dense = item.counts.dense(from: item.first, to: endHour)
                guard let seasonal = SeasonalResiduals(counts: dense, firstHour: item.first) else { continue }
                let outliers = test.outliers(in: seasonal.residuals, criticalValues: &critical)
                for run in Self.runs(of: outliers) {
                    // A daily cycle does not know weekends: a quiet Saturday is not a silence.
                    if !run.positive && seasonal.period == 24 { continue }
                    let start = HourlyCounts.start(ofHour: item.first + Int64(run.first))
                    let end = HourlyCounts.start(ofHour: item.first + Int64(run.last + 1))
                    let direction = run.positive ? "burst" : "silence"
                    let observed = run.indices.reduce(0.0) { $0 + dense[$1] }
                    let expected = run.indices.reduce(0.0) { $0 + seasonal.expected[$1] }
                    let score = min(100, 50 * run.strength)
                    let detail = item.type.map { "\(direction) of \($0)" } ?? direction
                    let anomaly = Anomaly(entity: item.name, kind: .rate, start: start, end: end, observed: observed,
                                          expected: expected, score: score, detail: detail)
                    if item.type == nil { entityRuns[item.name, default: []].append(anomaly) } else { typeRuns.append(anomaly) }
                }
            }
            for runs in entityRuns.values { report.anomalies += runs }
            // A type's burst inside the entity's own burst is the same event: listed once.
            for anomaly in typeRuns {
                let silence = anomaly.detail.hasPrefix("silence")
                let covered = entityRuns[anomaly.entity]?.contains { own in
                    own.detail.hasPrefix("silence") == silence && own.start < anomaly.end && anomaly.start < own.end
                } ?? false
                if !covered { report.anomalies.append(anomaly) }
            }
            if let sinceHour {
                let from = HourlyCounts.start(ofHour: sinceHour)
                report.anomalies.removeAll { $0.kind == .rate && $0.end <= from }
            }
        }
        report.anomalies.removeAll { anomaly in
            anomaly.score < options.minimumScore || (options.entity.map { $0 != anomaly.entity } ?? false)
        }
        // Strongest first; ties by start, entity, kind and detail, so the order never varies.
        report.anomalies.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            return (a.start.microseconds, a.entity, a.kind.rawValue, a.detail) < (b.start.microseconds, b.entity, b.kind.rawValue, b.detail)
        }
        return report
    }

    struct Run {
        var indices: [Int]
        var positive: Bool
        var strength: Double
        var first: Int { indices[0] }
        var last: Int { indices[indices.count - 1] }
    }

    /// Outliers grouped into runs of adjacent hours departing the same way.
    static func runs(of outliers: [GeneralizedESD.Outlier]) -> [Run] {
        let sorted = outliers.sorted { $0.index < $1.index }
        var runs: [Run] = []
        for outlier in sorted {
            let positive = outlier.z > 0
            let strength = abs(outlier.z) / max(outlier.critical, 1e-9)
            if var last = runs.last, last.positive == positive, last.last + 1 == outlier.index {
                last.indices.append(outlier.index)
                last.strength = max(last.strength, strength)
                runs[runs.count - 1] = last
            } else {
                runs.append(Run(indices: [outlier.index], positive: positive, strength: strength))
            }
        }
        return runs
    }
}
