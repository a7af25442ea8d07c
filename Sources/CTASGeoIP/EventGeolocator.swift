import CTASCore

/// Gives events without coordinates a place from an address they carry, at ingest.
///
/// The rule: the first IPv4 or IPv6 indicator of the event (its listed indicators in order,
/// then those found in its description) that is not its entity, routes on the public
/// Internet, and is not warninglisted. The telemetry mappings list the external side of a
/// connection first (for alerts the remote peer; for Zeek the side `local_orig`/`local_resp`
/// or private ranges call non-local), so that is the address placed. Coordinates given by the
/// feed win: such events are left alone. A located event keeps where its place came from
/// (`ip 84.92.227.177 DBIP-City-Lite 2023-04`) and the country and AS number to filter on.
public struct EventGeolocator {
    /// What happened to the events seen so far.
    public struct Counts: Sendable, Equatable {
        /// Given coordinates from an address.
        public var located = 0
        /// Looked up, but no database had a place for the address.
        public var notFound = 0
        /// No public, non-entity, non-warninglisted address to look up.
        public var noAddress = 0
        /// Coordinates came with the event.
        public var hadCoordinates = 0

        public init() {}
    }

    public let locator: GeoLocator
    private let warninglist: Warninglist
    private let label: String
    public private(set) var counts = Counts()
    private struct Answer {
        var point: GeoPoint?
        var country: String?
        var asn: UInt32?
    }
    /// Telemetry repeats addresses: answers are kept until the cache fills, then it starts over.
    private var cache: [String: Answer] = [:]
    private static let cacheLimit = 65_536

    public init(locator: GeoLocator, warninglist: Warninglist) {
        self.locator = locator
        self.warninglist = warninglist
        self.label = locator.label
    }

    /// The address the rule picks from `indicators` (the event's extracted indicators).
    public func address(for event: Event, indicators: [Indicator]) -> String? {
        for indicator in indicators where indicator.kind == .ipv4 || indicator.kind == .ipv6 {
            let value = indicator.value
            guard !value.contains("/"), value != event.entity else { continue }
            guard AddressScope(address: value)?.isPublic == true else { continue }
            guard warninglist.match(indicator) == nil else { continue }
            return value
        }
        return nil
    }

    /// Places `event` when it has no coordinates (see the type's rule).
    public mutating func place(_ event: inout Event, indicators: [Indicator]) {
        guard event.location == nil else {
            counts.hadCoordinates += 1
            return
        }
        guard let address = address(for: event, indicators: indicators) else {
            counts.noAddress += 1
            return
        }
        let answer: Answer
        if let cached = cache[address] {
            answer = cached
        } else {
            var fresh = Answer()
            if let bytes = IPBytes(address), let found = try? locator.locate(bytes, text: address, network: false), found.found {
                fresh = Answer(point: found.point, country: found.country, asn: found.asn)
            }
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[address] = fresh
            answer = fresh
        }
        guard let point = answer.point else {
            counts.notFound += 1
            return
        }
        counts.located += 1
        event.location = point
        var details = event.details ?? Event.Details()
        details.country = details.country ?? answer.country
        details.asn = details.asn ?? answer.asn
        details.geoOrigin = "ip \(address) \(label)"
        event.details = details
    }
}
