import CTASCore

/// Generates realistic, reproducible threat feeds: events clustered around geographic
/// hotspots plus background noise, indicators reused with Zipf-like popularity (so
/// correlation means something), entities that act in bursts, defanged indicators inside
/// descriptions, and optionally the malformed lines a parser must survive.
public struct FeedGenerator {
    public struct Options: Sendable {
        public var seed: UInt64 = 7
        /// Event time of the first event (default 2026-11-20T00:00:00Z).
        public var start = Timestamp(microseconds: 1_795_132_800_000_000)
        /// Mean events per second of event time.
        public var rate: Double = 100
        /// Share of extra lines that are malformed (0…1), on top of the valid events.
        public var malformedRate: Double = 0
        public var format: FeedFormat = .ndjson
        /// Prefix of every id; defaults to `evt-<seed>`.
        public var idPrefix: String?
        /// Campaigns of planted correlations (see `planted`); 0 plants nothing.
        public var plantedCampaigns = 0
        /// A planted dense cluster: this share of the located events falls within a few
        /// kilometres (Gaussian, σ 0.02°) of the point (nil: none). Feeds without it are
        /// unchanged.
        public var cluster: Cluster?

        public init() {}
    }

    /// A planted dense cluster (see `Options.cluster`).
    public struct Cluster: Sendable, Equatable {
        public var latitude: Double
        public var longitude: Double
        public var share: Double

        public init(point: GeoPoint, share: Double) {
            latitude = point.latitude
            longitude = point.longitude
            self.share = share
        }
    }

    /// The kinds of bad or odd lines `--malformed-rate` injects. Kinds marked accepted are
    /// valid events in an unusual dress (CRLF, BOM); `duplicate_id` repeats an earlier id.
    public enum Injection: String, CaseIterable, Sendable {
        case truncatedJSON = "truncated_json"
        case wrongType = "wrong_type"
        case missingID = "missing_id"
        case missingTimestamp = "missing_ts"
        case missingType = "missing_type"
        case severityOutOfRange = "severity_out_of_range"
        case latitudeOutOfRange = "lat_out_of_range"
        case badTimestamp = "bad_timestamp"
        case invalidUTF8 = "invalid_utf8"
        case nulByte = "nul_byte"
        case notJSON = "not_json"
        case oversizedLine = "oversized_line"
        case duplicateID = "duplicate_id"
        case emptyLine = "empty_line"
        case crlfEnding = "crlf_ending"
        case byteOrderMark = "bom"

        /// Whether the injected line is rejected by the parser.
        public var isRejected: Bool {
            switch self {
            case .duplicateID, .emptyLine, .crlfEnding, .byteOrderMark: false
            default: true
            }
        }

        /// The relative frequency among injections (oversized lines are kept rare: 1.1 MB each).
        var weight: Int {
            switch self {
            case .oversizedLine: 1
            case .emptyLine, .crlfEnding, .byteOrderMark: 20
            default: 40
            }
        }
    }

    public let options: Options
    private var rng: SeededRandom
    private let pools: IndicatorPools
    private let entityCount = 2000
    private let entityZipf: ZipfSampler
    private var bursts: [(entity: Int, remaining: Int)] = []
    private var clockMicros: Int64
    private var produced = 0
    private var recentIDs: [String] = []
    private let injectionTable: [Injection]
    private let idPrefix: String
    private var planter: CorrelationPlanter?

    /// The planted campaigns so far and the over-correlating value's events: the ground
    /// truth a correlation engine must reproduce.
    public var planted: (campaigns: [PlantedCampaign], overcorrelated: PlantedCampaign)? {
        planter.map { ($0.campaigns, $0.shared) }
    }

    /// Counts of what has been generated: `events` and each injection kind.
    public private(set) var counts: [String: Int] = [:]

    /// The event time of the last event made (the start, before the first). Event times only
    /// move forward, so a feed that starts after it holds only later events.
    public var clock: Timestamp { Timestamp(microseconds: clockMicros) }

    public init(options: Options) {
        self.options = options
        rng = SeededRandom(seed: options.seed)
        var poolRNG = SeededRandom(seed: options.seed ^ 0xC7A5_F00D)
        let pools = IndicatorPools(rng: &poolRNG)
        self.pools = pools
        planter = options.plantedCampaigns > 0
            ? CorrelationPlanter(count: options.plantedCampaigns, seed: options.seed, avoiding: pools) : nil
        entityZipf = ZipfSampler(count: entityCount, exponent: 0.8)
        clockMicros = options.start.microseconds
        injectionTable = Injection.allCases.flatMap { Array(repeating: $0, count: $0.weight) }
        idPrefix = options.idPrefix ?? "evt-\(options.seed)"
    }

    /// The CSV header line (with newline) for `--format csv`.
    public static let csvHeader = "id,ts,source,type,severity,lat,lon,entity,priority,indicators,description,tags\n"

    /// Appends the next event's line (and any injected lines before it) to `out`.
    public mutating func appendNext(to out: inout [UInt8]) {
        if options.malformedRate > 0, rng.chance(options.malformedRate) {
            inject(rng.pick(injectionTable), into: &out)
        }
        let event = nextEvent()
        write(event, to: &out)
        counts["events", default: 0] += 1
    }

    /// The next valid event.
    public mutating func nextEvent() -> Event {
        produced += 1
        clockMicros += max(1, Int64(rng.exponential(mean: 1_000_000 / options.rate)))
        let profile = EventProfile.pick(&rng)
        let severityValue = min(10, max(1, profile.severity.lowerBound + rng.below(profile.severity.count)))
        let location = nextLocation()
        let entity = nextEntity()
        var indicators: [String] = []
        let indicatorCount = rng.below(profile.maxIndicators + 1)
        for _ in 0..<indicatorCount {
            let value = pools.sample(profile.indicatorKinds[rng.below(profile.indicatorKinds.count)], &rng)
            if !indicators.contains(value) { indicators.append(value) }
        }
        let description = describe(profile, entity: entity, indicators: indicators)
        var tags: [String] = []
        if rng.chance(0.7) { tags.append(rng.pick(["tlp:clear", "tlp:green", "tlp:amber", "tlp:amber", "tlp:red"])) }
        if rng.chance(0.5) { tags.append("mitre:" + rng.pick(profile.techniques)) }
        if rng.chance(0.2) { tags.append("campaign:" + rng.pick(Self.campaigns)) }
        let severity = Severity(severityValue)
        var priority: Priority?
        if rng.chance(0.9) {
            priority = severityValue >= 9 ? .critical : severityValue >= 7 ? .high : severityValue >= 4 ? .medium : .low
        }
        let id = "\(idPrefix)-\(String(produced).leftPadded(to: 9))"
        if recentIDs.count < 4096 { recentIDs.append(id) } else { recentIDs[rng.below(recentIDs.count)] = id }
        var event = Event(id: id, timestamp: Timestamp(microseconds: clockMicros), type: profile.type,
                          severity: severity, source: sensor(for: location), location: location,
                          entity: entity, priority: priority, indicators: indicators, description: description, tags: tags)
        planter?.plant(into: &event, ordinal: produced)
        return event
    }

    // MARK: parts

    private mutating func nextLocation() -> GeoPoint? {
        let roll = rng.unit()
        if roll < 0.12 { return nil }
        if let cluster = options.cluster, rng.unit() < cluster.share {
            let lat = min(89.9, max(-89.9, cluster.latitude + rng.gaussian() * 0.02))
            var lon = cluster.longitude + rng.gaussian() * 0.02 / max(0.2, cos(cluster.latitude * .pi / 180))
            if lon > 180 { lon -= 360 }
            if lon < -180 { lon += 360 }
            return GeoPoint(latitude: (lat * 1e5).rounded() / 1e5, longitude: (lon * 1e5).rounded() / 1e5)
        }
        if roll < 0.35 {
            let lat = -55 + rng.unit() * 125
            let lon = -180 + rng.unit() * 360
            return GeoPoint(latitude: (lat * 1e5).rounded() / 1e5, longitude: (lon * 1e5).rounded() / 1e5)
        }
        let city = Self.hotspots[HotspotTable.sampler.sample(&rng)]
        let sigma = city.spread
        let lat = min(89.9, max(-89.9, city.lat + rng.gaussian() * sigma))
        var lon = city.lon + rng.gaussian() * sigma / max(0.2, cos(city.lat * .pi / 180))
        if lon > 180 { lon -= 360 }
        if lon < -180 { lon += 360 }
        return GeoPoint(latitude: (lat * 1e5).rounded() / 1e5, longitude: (lon * 1e5).rounded() / 1e5)
    }

    private mutating func nextEntity() -> String? {
        if rng.chance(0.05) { return nil }
        if let i = bursts.indices.randomElement(using: &rng), rng.chance(0.45) {
            bursts[i].remaining -= 1
            let entity = bursts[i].entity
            if bursts[i].remaining <= 0 { bursts.remove(at: i) }
            return Self.entityName(entity)
        }
        if rng.chance(0.01) && bursts.count < 8 {
            bursts.append((rng.below(entityCount), 20 + Int(rng.exponential(mean: 80))))
        }
        return Self.entityName(entityZipf.sample(&rng))
    }

    static func entityName(_ n: Int) -> String {
        let kinds = ["host", "ws", "srv", "vpn", "user"]
        let kind = kinds[n % kinds.count]
        return kind == "user" ? "user\(n)@corp.example" : "\(kind)-\(String(n).leftPadded(to: 4))"
    }

    private func sensor(for location: GeoPoint?) -> String {
        guard let location else { return "sensor-cloud-1" }
        let region: String
        switch (location.latitude, location.longitude) {
        case (_, ..<(-30)): region = "am"
        case (_, 60...): region = "ap"
        case (..<15, _): region = "af"
        default: region = "eu"
        }
        return "sensor-\(region)-\(Int(abs(location.latitude * 7 + location.longitude)) % 4 + 1)"
    }

    private mutating func describe(_ profile: EventProfile, entity: String?, indicators: [String]) -> String? {
        if rng.chance(0.1) { return nil }
        var text = profile.phrases[rng.below(profile.phrases.count)]
        text = text.replacingOccurrences(of: "{entity}", with: entity ?? "an unknown host")
        var mentions: [String] = []
        for value in indicators where rng.chance(0.7) { mentions.append(Defang.defang(value, style: rng.below(4))) }
        if !mentions.isEmpty { text += ": " + mentions.joined(separator: ", ") }
        if rng.chance(0.15) { text += " (rule v\(1 + rng.below(4)).\(rng.below(20)).\(rng.below(10)))" }
        return text
    }

    // MARK: output

    private func write(_ event: Event, to out: inout [UInt8]) {
        switch options.format {
        case .csv: CSVEventWriter.append(event, to: &out)
        default: NDJSONEventWriter.append(event, to: &out)
        }
    }

    private mutating func inject(_ kind: Injection, into out: inout [UInt8]) {
        counts[kind.rawValue, default: 0] += 1
        let ts = Timestamp(microseconds: clockMicros).rfc3339
        let id = "\(idPrefix)-bad-\(String(counts.values.reduce(0, +)).leftPadded(to: 7))"
        if options.format == .csv {
            injectCSV(kind, id: id, ts: ts, into: &out)
            return
        }
        func line(_ s: String) { out.append(contentsOf: s.utf8); out.append(0x0A) }
        switch kind {
        case .truncatedJSON: line(#"{"id":"\#(id)","ts":"\#(ts)","type":"c2_beacon","sever"#)
        case .wrongType: line(#"{"id":"\#(id)","ts":"\#(ts)","type":"c2_beacon","severity":"high"}"#)
        case .missingID: line(#"{"ts":"\#(ts)","type":"port_scan","severity":3}"#)
        case .missingTimestamp: line(#"{"id":"\#(id)","type":"port_scan","severity":3}"#)
        case .missingType: line(#"{"id":"\#(id)","ts":"\#(ts)","severity":3}"#)
        case .severityOutOfRange: line(#"{"id":"\#(id)","ts":"\#(ts)","type":"phishing","severity":11}"#)
        case .latitudeOutOfRange: line(#"{"id":"\#(id)","ts":"\#(ts)","type":"phishing","lat":95.5,"lon":10}"#)
        case .badTimestamp: line(#"{"id":"\#(id)","ts":"2026-13-45T25:61:00Z","type":"phishing"}"#)
        case .invalidUTF8:
            out.append(contentsOf: #"{"id":"\#(id)","ts":"\#(ts)","type":"phishing","description":"bad "#.utf8)
            out.append(contentsOf: [0xC3, 0x28, 0xFF])
            out.append(contentsOf: "\"}\n".utf8)
        case .nulByte:
            out.append(contentsOf: #"{"id":"\#(id)","ts":"\#(ts)","type":"#.utf8)
            out.append(0)
            out.append(contentsOf: "\"x\"}\n".utf8)
        case .notJSON: line("<html><body>502 Bad Gateway</body></html>")
        case .oversizedLine:
            out.append(contentsOf: #"{"id":"\#(id)","ts":"\#(ts)","type":"blob","description":""#.utf8)
            out.append(contentsOf: repeatElement(UInt8(ascii: "A"), count: 1_100_000))
            out.append(contentsOf: "\"}\n".utf8)
        case .duplicateID:
            guard let previous = recentIDs.randomElement(using: &rng) else {
                counts[kind.rawValue, default: 0] -= 1   // nothing to repeat yet
                inject(.truncatedJSON, into: &out)
                return
            }
            line(#"{"id":"\#(previous)","ts":"\#(ts)","type":"replayed_duplicate","severity":1}"#)
        case .emptyLine: out.append(0x0A)
        case .crlfEnding:
            var event = nextEvent()
            event.tags.append("crlf")
            var bytes: [UInt8] = []
            NDJSONEventWriter.append(event, to: &bytes)
            bytes.removeLast()
            out.append(contentsOf: bytes)
            out.append(contentsOf: [0x0D, 0x0A])
            counts["events", default: 0] += 1
        case .byteOrderMark:
            var event = nextEvent()
            event.tags.append("bom")
            out.append(contentsOf: [0xEF, 0xBB, 0xBF])
            NDJSONEventWriter.append(event, to: &out)
            counts["events", default: 0] += 1
        }
    }

    private mutating func injectCSV(_ kind: Injection, id: String, ts: String, into out: inout [UInt8]) {
        func line(_ s: String) { out.append(contentsOf: s.utf8); out.append(0x0A) }
        switch kind {
        case .truncatedJSON, .notJSON: line("\(id),\(ts),sensor-x,port_scan,3,1,2")   // wrong column count
        case .wrongType: line("\(id),\(ts),sensor-x,port_scan,high,,,,,,,")
        case .missingID: line(",\(ts),sensor-x,port_scan,3,,,,,,,")
        case .missingTimestamp: line("\(id),,sensor-x,port_scan,3,,,,,,,")
        case .missingType: line("\(id),\(ts),sensor-x,,3,,,,,,,")
        case .severityOutOfRange: line("\(id),\(ts),sensor-x,port_scan,0,,,,,,,")
        case .latitudeOutOfRange: line("\(id),\(ts),sensor-x,port_scan,3,-91,0,,,,,")
        case .badTimestamp: line("\(id),yesterday,sensor-x,port_scan,3,,,,,,,")
        case .invalidUTF8:
            out.append(contentsOf: "\(id),\(ts),sensor-x,port_scan,3,,,,,,bad ".utf8)
            out.append(contentsOf: [0xE2, 0x28, 0xA1])
            out.append(contentsOf: ",\n".utf8)
        case .nulByte:
            out.append(contentsOf: "\(id),\(ts),sensor-x,port_".utf8)
            out.append(0)
            out.append(contentsOf: "scan,3,,,,,,,\n".utf8)
        case .oversizedLine:
            out.append(contentsOf: "\(id),\(ts),sensor-x,blob,3,,,,,,".utf8)
            out.append(contentsOf: repeatElement(UInt8(ascii: "A"), count: 1_100_000))
            out.append(contentsOf: ",\n".utf8)
        case .duplicateID:
            guard let previous = recentIDs.randomElement(using: &rng) else {
                counts[kind.rawValue, default: 0] -= 1
                injectCSV(.truncatedJSON, id: id, ts: ts, into: &out)
                counts[Injection.truncatedJSON.rawValue, default: 0] += 1
                return
            }
            line("\(previous),\(ts),sensor-x,replayed_duplicate,1,,,,,,,")
        case .emptyLine: out.append(0x0A)
        case .crlfEnding, .byteOrderMark:
            var event = nextEvent()
            event.tags.append("crlf")
            var bytes: [UInt8] = []
            CSVEventWriter.append(event, to: &bytes)
            bytes.removeLast()
            out.append(contentsOf: bytes)
            out.append(contentsOf: [0x0D, 0x0A])
            counts["events", default: 0] += 1
        }
    }

    static let campaigns = ["frozen-lake", "silent-harbor", "red-kite", "glass-viper", "night-owl", "copper-fox"]

    static let hotspots = HotspotTable.cities
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

#if canImport(Foundation)
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
