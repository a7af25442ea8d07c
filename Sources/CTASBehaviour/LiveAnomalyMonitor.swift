import CTASCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Behaviour anomalies found as events arrive (`ctas ingest`, `replay`, the console), with
/// bounded memory per entity.
///
/// Each tracked entity keeps its last `historyHours` hourly counts in a ring (two bytes an
/// hour: 1.3 KiB for four weeks) — until its `sparseEvents`-th event, only its events' hours
/// (telemetry names a host per event, and most hosts of a busy network are seen a few times:
/// 100,000 of them took 300 MB as rings) — the hour it was first seen, its event count, the scale of
/// its residuals (recomputed once a day of event time) and up to `typeCapacity` event types.
/// When event time passes the end of an hour, every tracked entity's count in that hour is
/// compared with the median of the same hour of the week (three weeks of history) or day
/// (three days) before it, after Anscombe's transform — the same decomposition as
/// `ctas anomalies` — and flagged when its deviation, in units of the entity's robust scale,
/// passes Rosner's first critical value at the share of `alpha` each entity gets. Adjacent
/// flagged hours extend one anomaly; silences need the weekly cycle (on a daily one a
/// weekend looks like one). Firsts (event types, countries, ASes, kinds of listed
/// indicators) are flagged at once.
///
/// Live answers can differ from a later `ctas anomalies`: the live test sees only the past
/// (the batch test also looks after the hour) and tests one hour at a time.
public struct LiveAnomalyMonitor: Sendable {
    public struct Options: Sendable {
        public var alpha = 0.05
        /// Hours of counts kept per entity (four weeks: three earlier samples of every hour
        /// of the week besides the one judged).
        public var historyHours = 672
        /// Entities tracked at most; later ones are counted, not tracked.
        public var maximumEntities = 100_000
        /// Events an entity has before its hours become a ring (the answers are the same
        /// either way; this trades memory of rarely seen entities against scanning their hours).
        public var sparseEvents = 24
        /// Values remembered per entity and attribute (types, countries, ASes) for firsts.
        public var typeCapacity = 64
        /// Events an entity must have shown before a first counts.
        public var minimumEvents = 20
        public init() {}
    }

    /// What the monitor holds and found so far.
    public struct Status: Sendable, Equatable {
        /// Entities followed.
        public var tracked = 0
        /// Events of entities past `maximumEntities` (not judged).
        public var untracked = 0
        public var rate = 0
        public var rare = 0
        public init() {}
    }

    /// The values of one attribute an entity showed (at most a capacity of them), and the
    /// last one seen that they hold: most events repeat it, and are told so without hashing.
    /// The first value is held apart from the rest: most entities show one type and one
    /// country, and then need no set (a set per attribute per entity was some 100 bytes
    /// each, across up to `maximumEntities`).
    struct SeenValues: Sendable {
        private var first: String?
        private var others: Set<String> = []
        var last: String?

        /// How many values are held.
        var count: Int { (first == nil ? 0 : 1) + others.count }

        /// Every value held, in no order.
        var values: [String] { (first.map { [$0] } ?? []) + Array(others) }

        func contains(_ value: String) -> Bool { first == value || others.contains(value) }

        /// Holds `value`; false when it was already held.
        mutating func remember(_ value: String) -> Bool {
            guard let held = first else {
                first = value
                return true
            }
            return held != value && others.insert(value).inserted
        }

        /// Whether `value` was never shown, remembering it; past `capacity` values a new one
        /// is neither remembered nor a first.
        mutating func isFirst(_ value: String, capacity: Int) -> Bool {
            guard last != value else { return false }
            if contains(value) {
                last = value
                return false
            }
            guard count < capacity else { return false }
            _ = remember(value)
            last = value
            return true
        }
    }

    struct EntityState: Sendable {
        var name: String
        /// Hourly counts by `ringIndex`; empty while the entity is sparse.
        var ring: [UInt16] = []
        /// While sparse: the hour of each event (what the ring would count).
        var early: [Int64] = []
        var firstHour: Int64
        var lastHour: Int64
        var events = 0
        var scale = 1.0
        var scaleHour: Int64?
        var types = SeenValues()
        var countries = SeenValues()
        var asns: Set<UInt32> = []
        /// Indicator kinds shown, one bit per `IndicatorKind` raw value.
        var kinds: UInt64 = 0
        /// The rate anomaly still open and the hour it reached (the last evaluated), held
        /// behind a pointer: few entities have one, and inline the two took 96 bytes of
        /// every entity's state.
        private var openRun: OpenRun?

        /// The rate anomaly still open (its last hour was the last evaluated).
        var open: Anomaly? {
            get { openRun?.anomaly }
            set { openRun = OpenRun.holding(newValue, openRun?.endHour) }
        }
        var openEndHour: Int64? {
            get { openRun?.endHour }
            set { openRun = OpenRun.holding(openRun?.anomaly, newValue) }
        }

        init(name: String, firstHour: Int64, lastHour: Int64) {
            self.name = name
            self.firstHour = firstHour
            self.lastHour = lastHour
        }
    }

    /// An entity's open rate anomaly and its hour, on the heap (see `EntityState.openRun`).
    final class OpenRun: Sendable {
        let anomaly: Anomaly?
        let endHour: Int64?

        private init(anomaly: Anomaly?, endHour: Int64?) {
            self.anomaly = anomaly
            self.endHour = endHour
        }

        /// A run holding these, or nil when both are nil.
        static func holding(_ anomaly: Anomaly?, _ endHour: Int64?) -> OpenRun? {
            anomaly == nil && endHour == nil ? nil : OpenRun(anomaly: anomaly, endHour: endHour)
        }
    }

    public let options: Options
    public internal(set) var status = Status()
    var index: [String: Int] = [:]
    var entities: [EntityState] = []
    /// The newest event hour seen; hours before it are complete.
    var clockHour: Int64?
    private var critical = ESDCriticalValues()
    private let extractor = IndicatorExtractor()

    /// A monitor with `options` (a history shorter than the minimum to judge, or limits
    /// below one, are raised to them).
    public init(options: Options = Options()) {
        var checked = options
        checked.historyHours = max(SeasonalResiduals.minimumHours + 1, checked.historyHours)
        checked.maximumEntities = max(1, checked.maximumEntities)
        checked.typeCapacity = max(0, checked.typeCapacity)
        self.options = checked
    }

    /// Zeroes the counts of anomalies found (after replaying stored history into the monitor,
    /// so its status counts only what is found live).
    public mutating func forgetFindings() {
        status.rate = 0
        status.rare = 0
    }

    /// What the monitor reads of an event: its time, type, entity, place, and its indicators
    /// as listed values or, for a stored event, as the kinds already found in them
    /// (`StoredActivityDecoder`). A stored event's activity rebuilds the monitor's history;
    /// a live event waiting for that history is kept as its activity instead of whole.
    public struct Activity: Sendable, Equatable {
        public var time: Timestamp
        public var type: String
        public var entity: String
        public var country: String?
        public var asn: UInt32?
        /// Listed values, classified by the monitor's extractor.
        public var indicators: [String]
        /// Kinds of indicator already classified (they count as the listed values' would).
        public var indicatorKinds: [IndicatorKind]

        public init(time: Timestamp, type: String, entity: String, country: String? = nil, asn: UInt32? = nil, indicators: [String] = [],
                    indicatorKinds: [IndicatorKind] = []) {
            self.time = time
            self.type = type
            self.entity = entity
            self.country = country
            self.asn = asn
            self.indicators = indicators
            self.indicatorKinds = indicatorKinds
        }

        /// What the monitor reads of `event` (nil: it has no entity, and the monitor skips it).
        public init?(_ event: Event) {
            guard let entity = event.entity, !entity.isEmpty else { return nil }
            let details = event.details
            self.init(time: event.timestamp, type: event.type, entity: entity, country: details?.country, asn: details?.asn,
                      indicators: event.indicators)
        }
    }

    /// Takes a batch of stored events; returns the anomalies opened or extended by it.
    public mutating func observe(_ events: [Event]) -> [Anomaly] {
        var found: [Anomaly] = []
        for event in events {
            guard let name = event.entity, !name.isEmpty else { continue }
            let details = event.details
            take(time: event.timestamp, name: name, type: event.type, country: details?.country, asn: details?.asn,
                 indicators: event.indicators, kinds: [], into: &found)
        }
        return found
    }

    /// Takes activity (the same answers as the events it was read from); returns the
    /// anomalies opened or extended by it.
    public mutating func observe(_ activity: [Activity]) -> [Anomaly] {
        var found: [Anomaly] = []
        for a in activity where !a.entity.isEmpty {
            take(time: a.time, name: a.entity, type: a.type, country: a.country, asn: a.asn, indicators: a.indicators,
                 kinds: a.indicatorKinds, into: &found)
        }
        return found
    }

    private mutating func take(time: Timestamp, name: String, type: String, country: String?, asn: UInt32?,
                               indicators: [String], kinds: [IndicatorKind], into found: inout [Anomaly]) {
        let hour = HourlyCounts.hour(of: time)
        if let clock = clockHour, hour > clock {
            // Every hour from the clock up to this one is complete: judge each (at most a
            // history's worth: older hours have left every ring).
            let from = max(clock, hour - Int64(options.historyHours))
            var h = from
            while h < hour {
                evaluate(hour: h, into: &found)
                h += 1
            }
        }
        if clockHour.map({ hour > $0 }) ?? true { clockHour = hour }
        count(time: time, name: name, type: type, country: country, asn: asn, indicators: indicators, kinds: kinds, hour: hour, into: &found)
    }

    private mutating func count(time: Timestamp, name: String, type: String, country: String?, asn: UInt32?, indicators: [String],
                                kinds: [IndicatorKind], hour: Int64, into found: inout [Anomaly]) {
        let slot: Int
        if let known = index[name] {
            slot = known
        } else {
            guard entities.count < options.maximumEntities else {
                status.untracked += 1
                return
            }
            slot = entities.count
            index[name] = slot
            entities.append(EntityState(name: name, firstHour: hour, lastHour: hour))
            status.tracked = entities.count
        }
        let width = Int64(options.historyHours)
        if entities[slot].ring.isEmpty {
            // Sparse: keep the hour; the ring is made from these at the `sparseEvents`-th event.
            entities[slot].early.append(hour)
            entities[slot].lastHour = max(entities[slot].lastHour, hour)
            if entities[slot].early.count >= options.sparseEvents {
                var ring = [UInt16](repeating: 0, count: options.historyHours)
                let last = entities[slot].lastHour
                for h in entities[slot].early where h > last - width {
                    let i = Self.ringIndex(h, width)
                    ring[i] = ring[i] == .max ? .max : ring[i] + 1
                }
                entities[slot].ring = ring
                entities[slot].early = []
            }
        } else {
            if hour > entities[slot].lastHour {
                // Clear the slots of the hours skipped since the entity's last event.
                var h = max(entities[slot].lastHour + 1, hour - width + 1)
                while h <= hour {
                    entities[slot].ring[Self.ringIndex(h, width)] = 0
                    h += 1
                }
                entities[slot].lastHour = hour
            }
            if hour > entities[slot].lastHour - width {
                let i = Self.ringIndex(hour, width)
                entities[slot].ring[i] = entities[slot].ring[i] == .max ? .max : entities[slot].ring[i] + 1
            }
        }
        if hour < entities[slot].firstHour { entities[slot].firstHour = hour }
        // Firsts: an event type, country, AS or indicator kind the established entity never
        // showed (the same attributes as `ctas anomalies`; at most `typeCapacity` values each).
        let established = entities[slot].events >= options.minimumEvents
            && hour - entities[slot].firstHour >= Int64(SeasonalResiduals.minimumHours)
        var firsts: [String] = []
        if entities[slot].types.isFirst(type, capacity: options.typeCapacity) { firsts.append("new type \(type)") }
        if let country, entities[slot].countries.isFirst(country, capacity: options.typeCapacity) {
            firsts.append("new country \(country)")
        }
        if let asn, !entities[slot].asns.contains(asn), entities[slot].asns.count < options.typeCapacity {
            entities[slot].asns.insert(asn)
            firsts.append("new asn \(asn)")
        }
        func see(_ kind: IndicatorKind) {
            let bit = UInt64(1) << UInt64(kind.rawValue & 63)
            guard entities[slot].kinds & bit == 0 else { return }
            entities[slot].kinds |= bit
            firsts.append("new indicator kind \(kind.name)")
        }
        for text in indicators {
            for indicator in extractor.indicators(listed: text) { see(indicator.kind) }
        }
        for kind in kinds { see(kind) }
        if established {
            let score = min(100, 50 + 25 * log10(Double(entities[slot].events) / Double(max(1, options.minimumEvents))))
            for detail in firsts {
                found.append(Anomaly(entity: name, kind: .rare, start: time, end: time, observed: 1,
                                     expected: 0, score: score, detail: detail))
                status.rare += 1
            }
        }
        entities[slot].events += 1
    }

    static func ringIndex(_ hour: Int64, _ width: Int64) -> Int { Int(((hour % width) + width) % width) }


    /// The entity's count in `hour` (0 for hours after its last event or out of the ring).
    private func counted(_ state: EntityState, _ hour: Int64) -> Double {
        let width = Int64(options.historyHours)
        guard hour <= state.lastHour, hour > state.lastHour - width, hour >= state.firstHour else { return 0 }
        if state.ring.isEmpty { return Double(state.early.reduce(0) { $0 + ($1 == hour ? 1 : 0) }) }
        return Double(state.ring[Self.ringIndex(hour, width)])
    }

    /// The entity's counts for the hours `from...to`, in one pass over its sparse hours.
    private func counts(_ state: EntityState, from: Int64, to: Int64) -> [Double] {
        guard state.ring.isEmpty else { return (from...to).map { counted(state, $0) } }
        var values = [Double](repeating: 0, count: Int(to - from + 1))
        let width = Int64(options.historyHours)
        for h in state.early where h >= from && h <= to && h <= state.lastHour && h > state.lastHour - width && h >= state.firstHour {
            values[Int(h - from)] += 1
        }
        return values
    }

    /// Judges the complete hour `hour` for every tracked entity.
    private mutating func evaluate(hour: Int64, into found: inout [Anomaly]) {
        // Each entity's share of alpha, rounded to a power of two so the critical values are
        // few and cached.
        let share = options.alpha / Double(1 << max(0, Int(ceil(log2(Double(max(1, entities.count)))))))
        for slot in entities.indices {
            let state = entities[slot]
            guard let (n, period, start) = window(state, hour: hour) else { continue }
            if state.scaleHour.map({ hour - $0 >= 24 }) ?? true { refreshScale(slot: slot, from: start, to: hour, period: period) }
            guard let expectedY = earlierMedian(state, hour: hour, period: period, start: start) else { continue }
            let observed = counted(state, hour)
            let z = (SeasonalResiduals.anscombe(observed) - expectedY) / entities[slot].scale
            let lambda = critical.lambda(count: n, step: 1, alpha: share)
            guard abs(z) > lambda else { continue }
            let burst = z > 0
            // A daily cycle does not know weekends: a quiet Saturday is not a silence.
            if !burst && period == 24 { continue }
            let hourStart = HourlyCounts.start(ofHour: hour)
            let hourEnd = HourlyCounts.start(ofHour: hour + 1)
            let expected = SeasonalResiduals.inverseAnscombe(expectedY)
            let score = min(100, 50 * abs(z) / lambda)
            if var open = entities[slot].open, entities[slot].openEndHour == hour - 1, open.detail == (burst ? "burst" : "silence") {
                open.end = hourEnd
                open.observed += observed
                open.expected += expected
                open.score = max(open.score, score)
                entities[slot].open = open
                entities[slot].openEndHour = hour
                found.append(open)
            } else {
                let anomaly = Anomaly(entity: state.name, kind: .rate, start: hourStart, end: hourEnd, observed: observed,
                                      expected: expected, score: score, detail: burst ? "burst" : "silence")
                entities[slot].open = anomaly
                entities[slot].openEndHour = hour
                status.rate += 1
                found.append(anomaly)
            }
        }
    }

    /// The history `hour` is judged against: how many hours, the cycle's period, the first
    /// hour. Nil when there is not enough yet, or nothing left in the ring (an entity gone
    /// quiet for four weeks has nothing to be judged against).
    private func window(_ state: EntityState, hour: Int64) -> (n: Int, period: Int, start: Int64)? {
        let span = hour - state.firstHour + 1
        guard span > Int64(SeasonalResiduals.minimumHours), state.lastHour > hour - Int64(options.historyHours) else { return nil }
        let n = Int(min(span, Int64(options.historyHours)))
        // The weekly cycle once three earlier weeks are held, else the daily one.
        let period = n > SeasonalResiduals.weeklyHours ? 168 : 24
        return (n, period, hour - Int64(n) + 1)
    }

    /// The median (after Anscombe's transform) of the same hour of the cycle before `hour`.
    private func earlierMedian(_ state: EntityState, hour: Int64, period: Int, start: Int64) -> Double? {
        var samples: [Double] = []
        var h = hour - Int64(period)
        while h >= start {
            samples.append(SeasonalResiduals.anscombe(counted(state, h)))
            h -= Int64(period)
        }
        return RobustStatistics.median(samples)
    }

    /// One hour of an entity's activity against what its cycle predicts: the count, and the
    /// band of counts the live test would not flag (nil before the entity has history enough).
    public struct HourBand: Sendable, Equatable, Codable {
        public var observed: Double
        public var low: Double?
        public var high: Double?

        public init(observed: Double, low: Double?, high: Double?) {
            self.observed = observed
            self.low = low
            self.high = high
        }
    }

    /// `hours` hours of `entity`'s activity ending with the one holding `time`, each with the
    /// band the live test judges it by (the expectation ± the critical value in units of the
    /// entity's scale, back from Anscombe's transform). Empty for an entity not tracked.
    public mutating func profile(of entity: String, endingAt time: Timestamp, hours: Int = 24) -> [HourBand] {
        guard let slot = index[entity], hours > 0 else { return [] }
        let state = entities[slot]
        let last = HourlyCounts.hour(of: time)
        let share = options.alpha / Double(1 << max(0, Int(ceil(log2(Double(max(1, entities.count)))))))
        var out: [HourBand] = []
        out.reserveCapacity(hours)
        for hour in (last - Int64(hours) + 1)...last {
            let observed = counted(state, hour)
            guard let (n, period, start) = window(state, hour: hour),
                  let expectedY = earlierMedian(state, hour: hour, period: period, start: start) else {
                out.append(HourBand(observed: observed, low: nil, high: nil))
                continue
            }
            let reach = critical.lambda(count: n, step: 1, alpha: share) * state.scale
            let low = max(0, SeasonalResiduals.inverseAnscombe(max(SeasonalResiduals.anscombe(0), expectedY - reach)))
            let high = SeasonalResiduals.inverseAnscombe(expectedY + reach)
            out.append(HourBand(observed: observed, low: low, high: high))
        }
        return out
    }

    /// The entity's robust scale: the MAD of its residuals over the window before `hour`,
    /// never below 1 (a Poisson count's variance after the transform).
    private mutating func refreshScale(slot: Int, from start: Int64, to hour: Int64, period: Int) {
        let state = entities[slot]
        let values = counts(state, from: start, to: hour)
        guard values.count >= period, let seasonal = SeasonalResiduals(counts: values, firstHour: start) else {
            entities[slot].scale = 1
            entities[slot].scaleHour = hour
            return
        }
        entities[slot].scale = max(1, RobustStatistics.scaledMAD(seasonal.residuals) ?? 1)
        entities[slot].scaleHour = hour
    }
}
