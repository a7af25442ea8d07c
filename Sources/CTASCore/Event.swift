/// One threat event as CTAS stores it: what happened (`type`), when (`timestamp`), how bad
/// (`severity`), where (`location`), to whom (`entity`), and the indicators involved.
///
/// `id`, `timestamp` and `type` are always present; every other part is optional in feeds.
/// Ids are unique per data dir: ingesting an id again is counted as a duplicate.
///
/// A value type with copy-on-write storage: an event passes through several pipeline
/// stages and tiers, and copying it costs one reference count instead of one per field.
public struct Event: Hashable, Sendable {
    private var storage: Storage

    public init(
        id: String, timestamp: Timestamp, type: String, severity: Severity? = nil,
        source: String? = nil, location: GeoPoint? = nil, entity: String? = nil,
        priority: Priority? = nil, indicators: [String] = [], description: String? = nil,
        tags: [String] = [], details: Details? = nil, risk: RiskScore? = nil
    ) {
        storage = Storage(id: id, timestamp: timestamp, type: type, severity: severity, source: source, location: location,
                          entity: entity, priority: priority, indicators: indicators, description: description, tags: tags,
                          details: details, risk: risk)
    }

    /// What telemetry and enrichment add beyond the native fields: the record as the sensor
    /// wrote it, the flow it belongs to, and where its location came from. Nil for a plain
    /// native event (one allocation saved per event on the hot path).
    public struct Details: Hashable, Sendable {
        /// The original record as JSON (an EVE line, a Zeek JSON line, a Zeek TSV row written
        /// as the JSON object Zeek's JSON writer would produce): shown whole in the detail view
        /// and kept for export, so nothing the sensor said is lost.
        public var original: String?
        /// A key shared by the events of one network flow or connection (EVE `flow_id`, Zeek
        /// `uid`): events of one flow are found together.
        public var flow: String?
        /// ISO 3166 country code of the event's place (from the feed or geolocation).
        public var country: String?
        /// Autonomous system number of the address the place came from.
        public var asn: UInt32?
        /// Where the coordinates came from, e.g. `ip 84.92.227.177 DB-IP City Lite 2023-04`.
        public var geoOrigin: String?

        public init(original: String? = nil, flow: String? = nil, country: String? = nil, asn: UInt32? = nil, geoOrigin: String? = nil) {
            self.original = original
            self.flow = flow
            self.country = country
            self.asn = asn
            self.geoOrigin = geoOrigin
        }

        public var isEmpty: Bool { original == nil && flow == nil && country == nil && asn == nil && geoOrigin == nil }
    }

    public var id: String {
        get { storage.id }
        set { unique().id = newValue }
    }
    public var timestamp: Timestamp {
        get { storage.timestamp }
        set { unique().timestamp = newValue }
    }
    public var type: String {
        get { storage.type }
        set { unique().type = newValue }
    }
    public var severity: Severity? {
        get { storage.severity }
        set { unique().severity = newValue }
    }
    public var source: String? {
        get { storage.source }
        set { unique().source = newValue }
    }
    public var location: GeoPoint? {
        get { storage.location }
        set { unique().location = newValue }
    }
    public var entity: String? {
        get { storage.entity }
        set { unique().entity = newValue }
    }
    public var priority: Priority? {
        get { storage.priority }
        set { unique().priority = newValue }
    }
    /// Indicator values exactly as the feed listed them (refanging happens in analysis).
    public var indicators: [String] {
        get { storage.indicators }
        set { unique().indicators = newValue }
    }
    public var description: String? {
        get { storage.description }
        set { unique().description = newValue }
    }
    public var tags: [String] {
        get { storage.tags }
        set { unique().tags = newValue }
    }
    /// Telemetry and enrichment details (nil when there are none).
    public var details: Details? {
        get { storage.details }
        set { unique().details = newValue.flatMap { $0.isEmpty ? nil : $0 } }
    }
    /// The original record as the sensor wrote it (telemetry), if kept.
    public var original: String? { storage.details?.original }
    /// The flow key (EVE `flow_id`, Zeek `uid`), if any.
    public var flow: String? { storage.details?.flow }
    /// How urgent the event was judged when it was accepted, with its parts (nil before it
    /// was scored, or when an older CTAS stored it).
    public var risk: RiskScore? {
        get { storage.risk }
        set { unique().risk = newValue }
    }

    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage
    }

    public static func == (a: Event, b: Event) -> Bool {
        a.storage === b.storage || a.storage.fields == b.storage.fields
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.id)
        hasher.combine(storage.timestamp)
    }

    /// Approximate bytes the event's content occupies (strings' UTF-8 plus fixed fields);
    /// the tier router's `size` characteristic.
    public var approximateSize: Int {
        var size = 64 + id.utf8.count + type.utf8.count
        size += source?.utf8.count ?? 0
        size += entity?.utf8.count ?? 0
        size += description?.utf8.count ?? 0
        for value in indicators { size += 16 + value.utf8.count }
        for tag in tags { size += 16 + tag.utf8.count }
        if let d = details {
            size += 32 + (d.original?.utf8.count ?? 0) + (d.flow?.utf8.count ?? 0) + (d.geoOrigin?.utf8.count ?? 0)
        }
        return size
    }

    /// The fields. Mutated only while uniquely referenced (copy-on-write), which is what
    /// makes sharing it across threads safe.
    private final class Storage: @unchecked Sendable {   // mutated only while uniquely referenced (copy-on-write)
        var id: String
        var timestamp: Timestamp
        var type: String
        var severity: Severity?
        var source: String?
        var location: GeoPoint?
        var entity: String?
        var priority: Priority?
        var indicators: [String]
        var description: String?
        var tags: [String]
        var details: Details?
        var risk: RiskScore?

        init(id: String, timestamp: Timestamp, type: String, severity: Severity?, source: String?, location: GeoPoint?,
             entity: String?, priority: Priority?, indicators: [String], description: String?, tags: [String], details: Details?,
             risk: RiskScore?) {
            self.id = id
            self.timestamp = timestamp
            self.type = type
            self.severity = severity
            self.source = source
            self.location = location
            self.entity = entity
            self.priority = priority
            self.indicators = indicators
            self.description = description
            self.tags = tags
            self.details = details.flatMap { $0.isEmpty ? nil : $0 }
            self.risk = risk
        }

        func copy() -> Storage {
            Storage(id: id, timestamp: timestamp, type: type, severity: severity, source: source, location: location,
                    entity: entity, priority: priority, indicators: indicators, description: description, tags: tags, details: details,
                    risk: risk)
        }

        struct Fields: Equatable {
            var id: String, timestamp: Timestamp, type: String, severity: Severity?, source: String?
            var location: GeoPoint?, entity: String?, priority: Priority?, indicators: [String]
            var description: String?, tags: [String], details: Details?, risk: RiskScore?
        }

        var fields: Fields {
            Fields(id: id, timestamp: timestamp, type: type, severity: severity, source: source, location: location,
                   entity: entity, priority: priority, indicators: indicators, description: description, tags: tags, details: details,
                   risk: risk)
        }
    }
}

/// Limits on field sizes; a line exceeding one is rejected, naming the field.
public enum EventLimits {
    public static let idBytes = 256
    public static let typeBytes = 128
    public static let sourceBytes = 256
    public static let entityBytes = 256
    public static let descriptionBytes = 65_536
    public static let indicatorCount = 1_000
    public static let indicatorBytes = 4_096
    public static let tagCount = 100
    public static let tagBytes = 256
    /// The original record kept with a telemetry event.
    public static let originalBytes = 1 << 20
    public static let flowBytes = 128
}
