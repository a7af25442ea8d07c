import CTASCore

/// Stored events in the intelligence formats: what CTAS itself observed.
///
/// - STIX: each event is an `observed-data` (its time, its type as a label, its id and
///   description as an external reference) pointing at the observables of its indicators
///   (`ipv4-addr`, `domain-name`, `url`, `file` hashes, `email-addr`); an event carrying an
///   indicator the intelligence store knows is also a `sighting` of that indicator, whose
///   object joins the bundle even when the selection left it out.
/// - MISP, MISP feed, Zeek intel, CSV: the events' indicators join the selected
///   intelligence as indicators reported by "CTAS observed events" (not marked for
///   detection), each with the events that carried it as its sightings; one the store
///   already holds keeps its own context and gains the source. Warninglisted values are
///   never exported as indicators.
extension IntelExporter {
    /// A stored event chosen for export, with its indicators (listed and found in its text).
    public struct ObservedEvent: Sendable {
        public var event: Event
        public var indicators: [Indicator]

        public init(event: Event, indicators: [Indicator]) {
            self.event = event
            self.indicators = indicators
        }
    }

    /// The report id and name the observed indicators are exported under.
    static let observedReport = "ctas:observed-events"
    static let observedReportName = "CTAS observed events"

    /// The selected intelligence with the exported events' indicators joined in, each with
    /// the events that carried it as its sightings (newest first).
    var listingsWithObserved: [IntelListing] {
        guard !observed.isEmpty else { return listings }
        var seen: [Indicator: [(time: Timestamp, source: String, event: String)]] = [:]
        for item in observed {
            let sighting = (item.event.timestamp, item.event.source ?? "ctas", item.event.id)
            for indicator in Set(item.indicators) where Self.mispType(indicator.kind) != nil && !notIndicators(indicator) {
                seen[indicator, default: []].append(sighting)
            }
        }
        var out = listings
        var position: [Indicator: Int] = [:]
        for (i, listing) in out.enumerated() { position[listing.indicator] = i }
        for indicator in seen.keys.sorted() {
            guard let sightings = seen[indicator]?.sorted(by: { ($0.time, $0.event) > ($1.time, $1.event) }),
                  let newest = sightings.first, let oldest = sightings.last else { continue }
            let source = IntelListing.Source(report: Self.observedReport, name: Self.observedReportName, organization: "CTAS", date: newest.time,
                                             sourceType: indicator.kind.name, forDetection: false, comment: nil)
            if let i = position[indicator] {
                out[i].sources.append(source)
                out[i].recentSightings = sightings
                continue
            }
            var listing = IntelListing(indicator: indicator)
            listing.sources = [source]
            listing.firstSeen = oldest.time
            listing.lastSeen = newest.time
            listing.sightings = sightings.count
            listing.lastSighting = newest.time
            listing.recentSightings = sightings
            out.append(listing)
        }
        return out
    }

    /// Each exported event paired with each known indicator it carries.
    func observedSightings() -> [(event: ObservedEvent, indicator: Indicator)] {
        var out: [(event: ObservedEvent, indicator: Indicator)] = []
        for item in observed {
            for indicator in Set(item.indicators).sorted() where known[indicator] != nil && Self.stixPattern(indicator) != nil {
                out.append((item, indicator))
            }
        }
        return out
    }

    /// Events with no indicator STIX can express: an `observed-data` must point at an
    /// observable, so these are left out of a STIX bundle (the caller says how many).
    public var eventsWithoutObservables: Int {
        observed.filter { $0.indicators.allSatisfy { Self.observable($0) == nil } }.count
    }

    /// The STIX observable of an indicator: its object and id (STIX's own deterministic id,
    /// the one every producer gives the same value).
    static func observable(_ indicator: Indicator) -> (id: String, json: String)? {
        func q(_ s: String) -> String { JSONString.quoted(s) }
        let type: String
        var body: String
        switch indicator.kind {
        case .ipv4: (type, body) = ("ipv4-addr", "\"value\":\(q(indicator.value))")
        case .ipv6: (type, body) = ("ipv6-addr", "\"value\":\(q(indicator.value))")
        case .domain: (type, body) = ("domain-name", "\"value\":\(q(indicator.value))")
        case .url: (type, body) = ("url", "\"value\":\(q(uriValue(indicator.value)))")
        case .email: (type, body) = ("email-addr", "\"value\":\(q(indicator.value))")
        case .md5: (type, body) = ("file", "\"hashes\":{\"MD5\":\(q(indicator.value))}")
        case .sha1: (type, body) = ("file", "\"hashes\":{\"SHA-1\":\(q(indicator.value))}")
        case .sha256: (type, body) = ("file", "\"hashes\":{\"SHA-256\":\(q(indicator.value))}")
        case .cve, .other: return nil
        }
        // The id-contributing properties as canonical JSON: `value`, or a file's `hashes`.
        let value = STIXIdentifier.canonical(indicator.kind == .url ? uriValue(indicator.value) : indicator.value)
        let contributing: String
        switch indicator.kind {
        case .md5: contributing = "{\"hashes\":{\"MD5\":\(value)}}"
        case .sha1: contributing = "{\"hashes\":{\"SHA-1\":\(value)}}"
        case .sha256: contributing = "{\"hashes\":{\"SHA-256\":\(value)}}"
        default: contributing = "{\"value\":\(value)}"
        }
        let id = type + "--" + STIXIdentifier.uuid5(contributing)
        body = "{\"type\":\"\(type)\",\"spec_version\":\"2.1\",\"id\":\(q(id)),\(body)}"
        return (id, body)
    }

    /// A URL indicator as a `url` observable's value, which STIX requires to be a URI
    /// (RFC 3986): one found without its scheme (`www.example.org/terms`, as text and
    /// certificates write them) gets `http://`, and a byte a URI cannot hold (a space, a
    /// non-ASCII letter, a `%` not starting an escape) is percent-encoded.
    static func uriValue(_ url: String) -> String {
        let bytes = Array(url.utf8)
        let slash = UInt8(ascii: "/")
        let hasScheme = bytes.firstIndex(of: UInt8(ascii: ":")).map { colon in
            colon > 0 && Self.isScheme(bytes[..<colon]) && bytes.count > colon + 2 && bytes[colon + 1] == slash && bytes[colon + 2] == slash
        } ?? false
        let hex = Array("0123456789ABCDEF".utf8)
        func isHex(_ b: UInt8) -> Bool { (b >= 48 && b <= 57) || (b | 0x20 >= 97 && b | 0x20 <= 102) }
        var encoded: [UInt8] = hasScheme ? [] : Array("http://".utf8)
        encoded.reserveCapacity(encoded.count + bytes.count)
        for (i, b) in bytes.enumerated() {
            let escape = b == UInt8(ascii: "%") && i + 2 < bytes.count && isHex(bytes[i + 1]) && isHex(bytes[i + 2])
            if escape || Self.uriByte(b) {
                encoded.append(b)
            } else {
                encoded += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    /// RFC 3986's scheme: a letter, then letters, digits, `+`, `-` or `.`.
    private static func isScheme(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = bytes.first, (first | 0x20) >= 97 && (first | 0x20) <= 122 else { return false }
        return bytes.allSatisfy { b in
            let lower = b | 0x20
            return (lower >= 97 && lower <= 122) || (b >= 48 && b <= 57) || b == UInt8(ascii: "+") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
        }
    }

    /// The bytes a URI holds as they are: unreserved and reserved characters (RFC 3986, 2.2–2.3).
    private static func uriByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
        default: return "-._~:/?#[]@!$&'()*+,;=".utf8.contains(b)
        }
    }

    /// The STIX objects of the exported events: observables, one `observed-data` per event,
    /// one `sighting` per known indicator an event carries (with that indicator's object
    /// when the bundle does not hold it yet).
    func stixObservedObjects(_ sightings: [(event: ObservedEvent, indicator: Indicator)], indicatorIDs: inout Set<String>,
                             markings: inout Set<String>) -> [String] {
        func q(_ s: String) -> String { JSONString.quoted(s) }
        var objects: [String] = []
        var observables = Set<String>()
        var observedID: [String: String] = [:]
        for item in observed {
            var refs: [String] = []
            for indicator in Set(item.indicators).sorted() {
                guard let (id, json) = Self.observable(indicator) else { continue }
                refs.append(id)
                if observables.insert(id).inserted { objects.append(json) }
            }
            guard !refs.isEmpty else { continue }
            let event = item.event
            let id = "observed-data--" + Self.uuid("observed-data", event.id)
            observedID[event.id] = id
            let t = q(Self.stixTime(event.timestamp))
            var o = "{\"type\":\"observed-data\",\"spec_version\":\"2.1\",\"id\":\(q(id)),\"created\":\(t),\"modified\":\(t)"
            o += ",\"first_observed\":\(t),\"last_observed\":\(t),\"number_observed\":1,\"object_refs\":\(JSONString.array(refs))"
            o += ",\"labels\":\(JSONString.array([event.type]))"
            var reference = "{\"source_name\":\"ctas\",\"external_id\":\(q(event.id))"
            if let description = event.description, !description.isEmpty { reference += ",\"description\":\(q(description))" }
            o += ",\"external_references\":[\(reference)}]"
            objects.append(o + "}")
        }
        for (item, indicator) in sightings {
            guard let observedRef = observedID[item.event.id], let listing = known[indicator] else { continue }
            let indicatorID = "indicator--" + Self.uuid("indicator", indicator.kind.name, indicator.value)
            if !indicatorIDs.contains(indicatorID), let (id, json) = Self.indicatorObject(listing, markings: &markings) {
                objects.append(json)
                indicatorIDs.insert(id)
            }
            let id = "sighting--" + Self.uuid("event-sighting", item.event.id, indicator.kind.name, indicator.value)
            let t = q(Self.stixTime(item.event.timestamp))
            objects.append("{\"type\":\"sighting\",\"spec_version\":\"2.1\",\"id\":\(q(id)),\"created\":\(t),\"modified\":\(t),\"first_seen\":\(t),\"last_seen\":\(t),\"count\":1,\"sighting_of_ref\":\(q(indicatorID)),\"observed_data_refs\":[\(q(observedRef))]}")
        }
        return objects
    }
}
