/// One threat event as CTAS stores it: what happened (`type`), when (`timestamp`), how bad
/// (`severity`), where (`location`), to whom (`entity`), and the indicators involved.
///
/// `id`, `timestamp` and `type` are always present; every other part is optional in feeds.
/// Ids are unique per data dir: ingesting an id again is counted as a duplicate.
public struct Event: Hashable, Sendable {
    public var id: String
    public var timestamp: Timestamp
    public var type: String
    public var severity: Severity?
    public var source: String?
    public var location: GeoPoint?
    public var entity: String?
    public var priority: Priority?
    /// Indicator values exactly as the feed listed them (refanging happens in analysis).
    public var indicators: [String]
    public var description: String?
    public var tags: [String]

    public init(
        id: String, timestamp: Timestamp, type: String, severity: Severity? = nil,
        source: String? = nil, location: GeoPoint? = nil, entity: String? = nil,
        priority: Priority? = nil, indicators: [String] = [], description: String? = nil,
        tags: [String] = []
    ) {
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
    }

    /// Approximate bytes the event occupies (strings' UTF-8 plus fixed fields); the tier
    /// router's `size` characteristic and the hot tier's memory cap use it.
    public var approximateSize: Int {
        var size = 64 + id.utf8.count + type.utf8.count
        size += source?.utf8.count ?? 0
        size += entity?.utf8.count ?? 0
        size += description?.utf8.count ?? 0
        for value in indicators { size += 16 + value.utf8.count }
        for tag in tags { size += 16 + tag.utf8.count }
        return size
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
}
