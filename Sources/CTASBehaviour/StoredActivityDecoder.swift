import CTASCore

/// Turns what the warm tier stored of an event (`WarmReader.scanActivity`) into the live
/// monitor's activity, for rebuilding its history at start: places and the kinds of its
/// listed indicators included, so an entity's countries, networks and indicator kinds are
/// known again after a restart (without them, an established entity's first live event
/// after every start was a "first" of each). Each listed value is classified once while the
/// cache holds it: a store's values recur.
public struct StoredActivityDecoder: Sendable {
    private var kinds: IndicatorKindCache

    /// `cacheCapacity`: listed values remembered at most (a full cache starts again empty).
    public init(cacheCapacity: Int = 16_384) { kinds = IndicatorKindCache(capacity: cacheCapacity) }

    /// The activity of a stored event; `listed` is its indicator list as the warm tier stores
    /// it (a JSON array of strings).
    public mutating func activity(time: Timestamp, type: String, entity: String, country: String?, asn: UInt32?,
                                  listed: UnsafeRawBufferPointer) -> LiveAnomalyMonitor.Activity {
        LiveAnomalyMonitor.Activity(time: time, type: type, entity: entity, country: country, asn: asn,
                                    indicatorKinds: listed.isEmpty ? [] : kinds.kinds(ofListed: listed))
    }
}
