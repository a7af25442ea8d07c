import CTASCore
import Foundation

/// Generates weeks of per-entity activity with daily and weekly cycles, and plants behaviour
/// anomalies in it with their ground truth (`ctas gen-feed --anomalies N`).
///
/// Each entity (`host-N`) has a peak rate between 0.3 and 25 events an hour (a sixth of them
/// 16 or more) in working hours
/// (08:00–19:00 UTC), a quieter night (5–40% of it) and weekend (20–100%), and one to three
/// usual event types in fixed shares (each shown once at 09:00 on the first day, as a host's
/// services start; after that, whatever the Poisson counts give). Planted, in the last two weeks and
/// never two in one entity: bursts (one to three hours at five times the usual rate, 25
/// events more at least), silences (two to five empty hours of an entity that sends 15 or
/// more an hour then) and firsts (an event type the entity never showed).
public struct ActivityGenerator: Sendable {
    public struct Options: Sendable {
        public var entities = 200
        public var days = 28
        /// Anomalies to plant: about 60% bursts, 20% silences, 20% firsts.
        public var anomalies = 0
        public var seed: UInt64 = 7
        /// The first hour; moved back to the Monday 00:00 UTC on or before it, so weeks line up.
        public var start = Timestamp(microseconds: 1_793_577_600 * 1_000_000)
        public init() {}
    }

    /// One planted anomaly: what a detector should find.
    public struct Planted: Sendable, Codable, Equatable {
        public var entity: String
        /// burst, silence or first.
        public var kind: String
        public var start: Timestamp
        public var end: Timestamp
        /// For a first: the new event type.
        public var detail: String?

        enum CodingKeys: String, CodingKey { case entity, kind, start, end, detail }

        public init(entity: String, kind: String, start: Timestamp, end: Timestamp, detail: String?) {
            self.entity = entity
            self.kind = kind
            self.start = start
            self.end = end
            self.detail = detail
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(entity, forKey: .entity)
            try c.encode(kind, forKey: .kind)
            try c.encode(start.rfc3339, forKey: .start)
            try c.encode(end.rfc3339, forKey: .end)
            try c.encodeIfPresent(detail, forKey: .detail)
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            entity = try c.decode(String.self, forKey: .entity)
            kind = try c.decode(String.self, forKey: .kind)
            let startText = try c.decode(String.self, forKey: .start)
            let endText = try c.decode(String.self, forKey: .end)
            guard let s = try? RFC3339.parse(startText), let e = try? RFC3339.parse(endText) else {
                throw DecodingError.dataCorruptedError(forKey: .start, in: c, debugDescription: "expected RFC 3339 times")
            }
            start = s
            end = e
            detail = try c.decodeIfPresent(String.self, forKey: .detail)
        }
    }

    public let options: Options
    /// What was planted (known once generated).
    public private(set) var planted: [Planted] = []
    /// Events written.
    public private(set) var produced = 0

    static let usualTypes = ["conn", "dns", "http", "tls", "auth", "file_access"]
    static let firstTypes = ["smb_exec", "rdp_login", "powershell_encoded", "dns_tunnel", "new_service"]

    public init(options: Options) {
        self.options = options
    }

    /// The hour index of the Monday 00:00 UTC on or before `time` (1970-01-01 was a Thursday).
    static func weekStartHour(_ time: Timestamp) -> Int64 {
        let hour = time.microseconds / 3_600_000_000 - (time.microseconds < 0 && time.microseconds % 3_600_000_000 != 0 ? 1 : 0)
        let day = hour >= 0 ? hour / 24 : (hour - 23) / 24
        let weekday = ((day + 3) % 7 + 7) % 7   // 0 = Monday
        return (day - weekday) * 24
    }

    /// Writes the activity as native NDJSON, hour by hour, to `output`. A failed write (a
    /// full disk) ends the generation; the caller reads `output.failure`.
    public mutating func write(to output: BufferedOutput) {
        var rng = SeededRandom(seed: options.seed)
        let hours = max(1, options.days) * 24
        let firstHour = Self.weekStartHour(options.start)
        struct Entity {
            var name: String
            var rate: [Double]
            var types: [(String, Double)]
        }
        var entities: [Entity] = []
        for e in 0..<max(1, options.entities) {
            // A sixth are busy (16–25 an hour), so planted silences always find an entity.
            let peak = e < max(1, options.entities / 6) ? 16 + rng.unit() * 9 : exp(log(0.3) + rng.unit() * (log(25) - log(0.3)))
            let night = 0.05 + rng.unit() * 0.35
            let weekend = 0.2 + rng.unit() * 0.8
            var rate = [Double](repeating: 0, count: hours)
            for h in 0..<hours {
                let hourOfDay = h % 24
                let weekday = (h / 24) % 7
                rate[h] = peak * (hourOfDay >= 8 && hourOfDay < 19 ? 1 : night) * (weekday >= 5 ? weekend : 1)
            }
            var pool = Self.usualTypes
            var types: [(String, Double)] = []
            for _ in 0..<(1 + rng.below(3)) {
                let type = pool.remove(at: rng.below(pool.count))
                types.append((type, 0.2 + rng.unit()))
            }
            entities.append(Entity(name: "host-\(e)", rate: rate, types: types))
        }
        // Plans: which entity gets what, where (the last two weeks, not the last 6 hours).
        var plans: [Int: (kind: String, hour: Int, length: Int, type: String?)] = [:]
        let window = max(0, hours - 14 * 24)..<max(1, hours - 6)
        let silences = options.anomalies / 5
        let firsts = options.anomalies / 5
        let bursts = options.anomalies - silences - firsts
        var tries = 0
        func plan(_ kind: String, _ count: Int, _ rng: inout SeededRandom) {
            var placed = 0
            while placed < count && tries < 200_000 {
                tries += 1
                let e = rng.below(entities.count)
                guard plans[e] == nil else { continue }
                let hour = window.lowerBound + rng.below(window.count)
                switch kind {
                case "silence":
                    let length = 2 + rng.below(4)
                    guard hour + length <= hours, (hour..<(hour + length)).allSatisfy({ entities[e].rate[$0] >= 15 }) else { continue }
                    plans[e] = (kind, hour, length, nil)
                case "first":
                    let used = Set(entities[e].types.map(\.0))
                    let type = rng.pick(Self.firstTypes.filter { !used.contains($0) })
                    plans[e] = (kind, hour, 1, type)
                default:
                    plans[e] = (kind, hour, 1 + rng.below(3), nil)
                }
                placed += 1
            }
        }
        plan("burst", bursts, &rng)
        plan("silence", silences, &rng)
        plan("first", firsts, &rng)
        planted = plans.sorted { $0.key < $1.key }.map { e, p in
            Planted(entity: entities[e].name, kind: p.kind, start: Timestamp(microseconds: (firstHour + Int64(p.hour)) * 3_600_000_000),
                    end: Timestamp(microseconds: (firstHour + Int64(p.hour + p.length)) * 3_600_000_000), detail: p.type)
        }

        var out: [UInt8] = []
        out.reserveCapacity(1 << 20)
        for h in 0..<hours {
            let base = (firstHour + Int64(h)) * 3_600_000_000
            for (e, entity) in entities.enumerated() {
                var count = rng.poisson(entity.rate[h])
                var extra: String?
                if let p = plans[e], h >= p.hour, h < p.hour + p.length {
                    switch p.kind {
                    case "silence": count = 0
                    case "first": extra = p.type
                    // Five times the usual rate and never fewer than 25 more: a draw of mean 25
                    // could add 15 to a busy hour, a burst no test at this scale can tell apart.
                    default: count += max(25, rng.poisson(4 * entity.rate[h]))
                    }
                }
                let debut = h == 9 ? entity.types.map(\.0) : []
                let total = count + (extra == nil ? 0 : 1) + debut.count
                guard total > 0 else { continue }
                let weights = entity.types.reduce(0) { $0 + $1.1 }
                for i in 0..<total {
                    var type = entity.types[0].0
                    if i >= count + (extra == nil ? 0 : 1) {
                        type = debut[i - count - (extra == nil ? 0 : 1)]
                    } else if i == count, let extra {
                        type = extra
                    } else {
                        var pick = rng.unit() * weights
                        for (name, weight) in entity.types {
                            type = name
                            pick -= weight
                            if pick < 0 { break }
                        }
                    }
                    let at = base + Int64(i) * (3_600_000_000 / Int64(total + 1))
                    let event = Event(id: "\(entity.name)-\(h)-\(i)", timestamp: Timestamp(microseconds: at), type: type,
                                      source: "activity", entity: entity.name)
                    NDJSONEventWriter.append(event, to: &out)
                    out.append(0x0A)
                    produced += 1
                }
            }
            if out.count > 1 << 20 {
                output.write(out)
                out.removeAll(keepingCapacity: true)
                if output.failure != nil { return }
            }
        }
        output.write(out)
        output.flush()
    }
}

extension SeededRandom {
    /// A Poisson draw (Knuth's method in chunks of mean 30, so large means stay exact).
    mutating func poisson(_ mean: Double) -> Int {
        var remaining = max(0, mean.isFinite ? mean : 0)
        var total = 0
        while remaining > 0 {
            let chunk = min(remaining, 30)
            remaining -= chunk
            let limit = exp(-chunk)
            var product = unit()
            while product > limit {
                total += 1
                product *= unit()
            }
        }
        return total
    }
}
