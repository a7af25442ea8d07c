import CTASCore
import Foundation

/// Writes indicators with their context out of CTAS: a STIX 2.1 bundle (indicators with
/// patterns, reports, sightings, TLP markings; ids derived from content, so the same
/// indicator has the same id in every export), MISP event JSON, a MISP feed directory
/// (`manifest.json`, one `<uuid>.json` per report, `hashes.csv`), CSV, and a Zeek intel file.
public struct IntelExporter {
    public enum Format: String, Sendable, CaseIterable {
        case stix, misp, mispFeed = "misp-feed", csv, zeekIntel = "zeek-intel"
    }

    public let listings: [IntelListing]
    /// When the export was made (the MISP event's timestamp).
    public let exportedAt: Timestamp
    /// Stored events chosen for export, each with its indicators (see IntelExporter+Events).
    public let observed: [ObservedEvent]
    /// Every indicator the intelligence store knows, whether selected or not: an exported
    /// event that carries one is a sighting of it.
    public let known: [Indicator: IntelListing]
    /// Values the events carry that must not be exported as indicators (warninglisted:
    /// public resolvers, documentation ranges…); they stay in the events' STIX observables.
    public let notIndicators: (Indicator) -> Bool

    public init(listings: [IntelListing], exportedAt: Timestamp, observed: [ObservedEvent] = [], known: [Indicator: IntelListing] = [:],
                notIndicators: @escaping (Indicator) -> Bool = { _ in false }) {
        self.listings = listings
        self.exportedAt = exportedAt
        self.observed = observed
        self.known = known
        self.notIndicators = notIndicators
    }

    // MARK: stable ids

    /// A UUID (version 4 layout, RFC 4122 variant) derived from `parts`: stable across exports.
    static func uuid(_ parts: String...) -> String {
        var hash = StableHash128()
        for part in parts {
            hash.combine(part)
            hash.separator()
        }
        var hex = Array(hash.hex)
        hex[12] = "4"
        let variant = Int(String(hex[16]), radix: 16) ?? 0
        hex[16] = Array("89ab")[variant & 3]
        let s = String(hex)
        func cut(_ a: Int, _ b: Int) -> Substring { s[s.index(s.startIndex, offsetBy: a)..<s.index(s.startIndex, offsetBy: b)] }
        return "\(cut(0, 8))-\(cut(8, 12))-\(cut(12, 16))-\(cut(16, 20))-\(cut(20, 32))"
    }

    /// RFC 3339 with milliseconds, as STIX writes times.
    static func stixTime(_ t: Timestamp) -> String {
        let text = t.rfc3339
        guard text.hasSuffix("Z") else { return text }
        let body = text.dropLast()
        if let dot = body.firstIndex(of: ".") {
            let fraction = body[body.index(after: dot)...]
            let millis = String((fraction + "000").prefix(3))
            return body[..<dot] + "." + millis + "Z"
        }
        return body + ".000Z"
    }

    static let epoch = Timestamp(microseconds: 0)

    // MARK: STIX

    static func stixPattern(_ indicator: Indicator) -> String? {
        let value = indicator.value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
        switch indicator.kind {
        case .ipv4: return "[ipv4-addr:value = '\(value)']"
        case .ipv6: return "[ipv6-addr:value = '\(value)']"
        case .domain: return "[domain-name:value = '\(value)']"
        case .url: return "[url:value = '\(value)']"
        case .email: return "[email-addr:value = '\(value)']"
        case .md5: return "[file:hashes.MD5 = '\(value)']"
        case .sha1: return "[file:hashes.'SHA-1' = '\(value)']"
        case .sha256: return "[file:hashes.'SHA-256' = '\(value)']"
        case .cve, .other: return nil
        }
    }

    static let tlpDefinitions: [String: (id: String, created: String)] = [
        "clear": ("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "2022-10-01T00:00:00.000Z"),
        "white": ("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "2022-10-01T00:00:00.000Z"),
        "green": ("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "2017-01-20T00:00:00.000Z"),
        "amber": ("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", "2017-01-20T00:00:00.000Z"),
        "red": ("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "2017-01-20T00:00:00.000Z"),
    ]

    static func tlp(_ tags: [String]) -> [String] {
        tags.compactMap { tag -> String? in
            let lower = tag.lowercased()
            guard lower.hasPrefix("tlp:") else { return nil }
            return String(lower.dropFirst(4))
        }.filter { tlpDefinitions[$0] != nil }
    }

    /// A STIX indicator object for `listing` (nil when no STIX pattern expresses its kind),
    /// with its id; the TLP colours it names join `markings`.
    static func indicatorObject(_ listing: IntelListing, markings: inout Set<String>) -> (id: String, json: String)? {
        func q(_ s: String) -> String { JSONString.quoted(s) }
        guard let pattern = stixPattern(listing.indicator) else { return nil }
        let id = "indicator--" + uuid("indicator", listing.indicator.kind.name, listing.indicator.value)
        let validFrom = listing.firstSeen ?? listing.sources.compactMap(\.date).min() ?? epoch
        let created = stixTime(validFrom)
        let colours = tlp(listing.tags)
        markings.formUnion(colours)
        let labels = listing.tags.filter { !$0.lowercased().hasPrefix("tlp:") }
        var o = "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\(q(id)),\"created\":\(q(created)),\"modified\":\(q(created))"
        let from = listing.sources.map(\.name).joined(separator: "; ")
        o += ",\"name\":\(q(listing.indicator.value)),\"description\":\(q("\(listing.indicator.kind.label) reported by \(from.isEmpty ? "CTAS" : from)"))"
        o += ",\"pattern\":\(q(pattern)),\"pattern_type\":\"stix\",\"valid_from\":\(q(created))"
        if let until = listing.validUntil, until > validFrom { o += ",\"valid_until\":\(q(stixTime(until)))" }
        if let confidence = listing.confidence { o += ",\"confidence\":\(max(0, min(100, Int(confidence.rounded()))))" }
        if !labels.isEmpty { o += ",\"labels\":\(JSONString.array(labels))" }
        if !colours.isEmpty {
            o += ",\"object_marking_refs\":\(JSONString.array(colours.compactMap { tlpDefinitions[$0]?.id }))"
        }
        return (id, o + "}")
    }

    /// The STIX 2.1 bundle.
    public func stix() -> String {
        var objects: [String] = []
        var markings = Set<String>()
        var reports: [String: (name: String, date: Timestamp?, org: String?, refs: [String])] = [:]
        var reportOrder: [String] = []
        func q(_ s: String) -> String { JSONString.quoted(s) }
        // Events that carry known intelligence are sightings of it, one each; the summary
        // sighting of such an indicator would count them twice.
        let eventSightings = observedSightings()
        let sightedByEvents = Set(eventSightings.map(\.indicator))
        var indicatorIDs = Set<String>()
        for listing in listings {
            guard let (id, o) = Self.indicatorObject(listing, markings: &markings) else { continue }
            objects.append(o)
            indicatorIDs.insert(id)
            if listing.sightings > 0, let last = listing.lastSighting, !sightedByEvents.contains(listing.indicator) {
                let sid = "sighting--" + Self.uuid("sighting", listing.indicator.kind.name, listing.indicator.value)
                let t = q(Self.stixTime(last))
                objects.append("{\"type\":\"sighting\",\"spec_version\":\"2.1\",\"id\":\(q(sid)),\"created\":\(t),\"modified\":\(t),\"first_seen\":\(t),\"last_seen\":\(t),\"count\":\(min(listing.sightings, 999_999_999)),\"sighting_of_ref\":\(q(id))}")
            }
            for source in listing.sources {
                if reports[source.report] == nil {
                    reports[source.report] = (source.name, source.date, source.organization, [])
                    reportOrder.append(source.report)
                }
                reports[source.report]?.refs.append(id)
            }
        }
        objects += stixObservedObjects(eventSightings, indicatorIDs: &indicatorIDs, markings: &markings)
        for report in reportOrder {
            guard let r = reports[report], !r.refs.isEmpty else { continue }
            let id = "report--" + Self.uuid("report", report)
            let published = q(Self.stixTime(r.date ?? Self.epoch))
            var o = "{\"type\":\"report\",\"spec_version\":\"2.1\",\"id\":\(q(id)),\"created\":\(published),\"modified\":\(published)"
            o += ",\"name\":\(q(r.name.isEmpty ? report : r.name)),\"published\":\(published),\"object_refs\":\(JSONString.array(r.refs))"
            o += ",\"external_references\":[{\"source_name\":\"ctas\",\"external_id\":\(q(report))}]"
            objects.append(o + "}")
        }
        for colour in markings.sorted() {
            guard let definition = Self.tlpDefinitions[colour] else { continue }
            let name = colour == "white" ? "clear" : colour
            objects.append("{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":\(q(definition.id)),\"created\":\(q(definition.created)),\"definition_type\":\"tlp\",\"name\":\(q("TLP:" + name.uppercased())),\"definition\":{\"tlp\":\(q(name))}}")
        }
        // Markings named twice (white and clear share an id) appear once.
        var seen = Set<String>()
        objects = objects.filter { seen.insert($0).inserted }
        let bundleID = "bundle--" + Self.uuid("bundle", (listings.map { $0.indicator.kind.name + ":" + $0.indicator.value } + observed.map { "event:" + $0.event.id }).joined(separator: "\n"))
        return "{\"type\":\"bundle\",\"id\":\(q(bundleID)),\"objects\":[\n" + objects.joined(separator: ",\n") + "\n]}\n"
    }

    // MARK: MISP

    static func mispType(_ kind: IndicatorKind) -> (type: String, category: String)? {
        switch kind {
        case .ipv4, .ipv6: ("ip-dst", "Network activity")
        case .domain: ("domain", "Network activity")
        case .url: ("url", "Network activity")
        case .email: ("email-src", "Payload delivery")
        case .md5: ("md5", "Payload delivery")
        case .sha1: ("sha1", "Payload delivery")
        case .sha256: ("sha256", "Payload delivery")
        case .cve: ("vulnerability", "External analysis")
        case .other: nil
        }
    }

    /// One MISP event (JSON, `{"Event":…}`) holding `listings`.
    func mispEvent(uuid: String, info: String, date: Timestamp, listings: [IntelListing], tags: [String]) -> (json: String, hashes: [String]) {
        func q(_ s: String) -> String { JSONString.quoted(s) }
        let seconds = String(max(0, exportedAt.microseconds / 1_000_000))
        var attributes: [String] = []
        var hashes: [String] = []
        for listing in listings {
            guard let (type, category) = Self.mispType(listing.indicator.kind) else { continue }
            let forDetection = listing.sources.contains(where: \.forDetection)
            let comment = listing.sources.map(\.name).joined(separator: "; ")
            var a = "{\"uuid\":\(q(Self.uuid("attribute", uuid, listing.indicator.kind.name, listing.indicator.value))),\"type\":\(q(type))"
            a += ",\"category\":\(q(category)),\"value\":\(q(listing.indicator.value)),\"to_ids\":\(forDetection),\"timestamp\":\(q(seconds))"
            a += ",\"comment\":\(q(comment)),\"distribution\":\"5\",\"disable_correlation\":false"
            if let first = listing.firstSeen { a += ",\"first_seen\":\(q(first.rfc3339))" }
            if let last = listing.lastSeen { a += ",\"last_seen\":\(q(last.rfc3339))" }
            if !listing.tags.isEmpty { a += ",\"Tag\":[" + listing.tags.map { "{\"name\":\(q($0))}" }.joined(separator: ",") + "]" }
            if !listing.recentSightings.isEmpty {
                // The exported events that carried it, one sighting each.
                a += ",\"Sighting\":[" + listing.recentSightings.map {
                    "{\"type\":\"0\",\"date_sighting\":\(q(String(max(0, $0.time.microseconds / 1_000_000)))),\"source\":\(q($0.source))}"
                }.joined(separator: ",") + "]"
            } else if listing.sightings > 0, let last = listing.lastSighting {
                a += ",\"Sighting\":[{\"type\":\"0\",\"date_sighting\":\(q(String(max(0, last.microseconds / 1_000_000)))),\"source\":\"ctas\"}]"
            }
            attributes.append(a + "}")
            hashes.append(Self.md5Hex(listing.indicator.value) + "," + uuid)
        }
        let day = String(date.rfc3339.prefix(10))
        var e = "{\"Event\":{\"uuid\":\(q(uuid)),\"info\":\(q(info)),\"date\":\(q(day)),\"timestamp\":\(q(seconds))"
        e += ",\"publish_timestamp\":\(q(seconds)),\"published\":false,\"analysis\":\"2\",\"threat_level_id\":\"4\",\"distribution\":\"0\""
        e += ",\"Orgc\":{\"name\":\"CTAS\",\"uuid\":\(q(Self.uuid("org", "CTAS")))}"
        if !tags.isEmpty { e += ",\"Tag\":[" + tags.map { "{\"name\":\(q($0))}" }.joined(separator: ",") + "]" }
        e += ",\"Attribute\":[\n" + attributes.joined(separator: ",\n") + "\n]}}\n"
        return (e, hashes)
    }

    /// Every listing in one MISP event.
    public func misp() -> String {
        let all = listingsWithObserved
        let uuid = Self.uuid("misp-export", all.map { $0.indicator.kind.name + ":" + $0.indicator.value }.joined(separator: "\n"))
        return mispEvent(uuid: uuid, info: "CTAS export of \(all.count) indicator(s)", date: exportedAt, listings: all, tags: []).json
    }

    /// A MISP feed: one event per report, `manifest.json`, `hashes.csv`; returns file name → contents.
    public func mispFeed() -> [String: String] {
        var byReport: [String: [IntelListing]] = [:]
        var names: [String: (name: String, date: Timestamp?)] = [:]
        for listing in listingsWithObserved {
            for source in listing.sources {
                byReport[source.report, default: []].append(listing)
                names[source.report] = (source.name, source.date)
            }
        }
        var files: [String: String] = [:]
        var manifest: [String] = []
        var hashes: [String] = []
        for report in byReport.keys.sorted() {
            guard let members = byReport[report] else { continue }
            let uuid = report.hasPrefix("misp:") ? String(report.dropFirst(5)) : Self.uuid("misp-feed", report)
            let info = names[report]?.name ?? report
            let date = names[report]?.date ?? exportedAt
            let tags = Array(Set(members.flatMap(\.tags).filter { $0.lowercased().hasPrefix("tlp:") })).sorted()
            let event = mispEvent(uuid: uuid, info: info, date: date, listings: members, tags: tags)
            files[uuid + ".json"] = event.json
            hashes += event.hashes
            let seconds = String(max(0, exportedAt.microseconds / 1_000_000))
            manifest.append("\(JSONString.quoted(uuid)):{\"info\":\(JSONString.quoted(info)),\"date\":\(JSONString.quoted(String(date.rfc3339.prefix(10)))),\"timestamp\":\(JSONString.quoted(seconds)),\"analysis\":\"2\",\"threat_level_id\":\"4\",\"Orgc\":{\"name\":\"CTAS\",\"uuid\":\(JSONString.quoted(Self.uuid("org", "CTAS")))},\"Tag\":[" + tags.map { "{\"name\":\(JSONString.quoted($0))}" }.joined(separator: ",") + "]}")
        }
        files["manifest.json"] = "{" + manifest.joined(separator: ",\n") + "}\n"
        files["hashes.csv"] = hashes.joined(separator: "\n") + (hashes.isEmpty ? "" : "\n")
        return files
    }

    // MARK: CSV and Zeek

    /// CSV with a header; `sanitized` escapes control characters and escape sequences (for
    /// a terminal), otherwise feed strings are written as stored (for programs).
    public func csv(sanitized: Bool = false) -> String {
        func cell(_ raw: String) -> String {
            let s = sanitized ? SafeText.sanitize(raw) : raw
            return s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var out = "value,type,score,decayed,sightings,last_sighting,first_seen,last_seen,sources,tags\n"
        for l in listingsWithObserved {
            let cells = [l.indicator.value, l.indicator.kind.name, String(format: "%.3f", l.score), l.decayed ? "yes" : "no", String(l.sightings),
                         l.lastSighting?.rfc3339 ?? "", l.firstSeen?.rfc3339 ?? "", l.lastSeen?.rfc3339 ?? "",
                         l.sources.map(\.name).joined(separator: "; "), l.tags.joined(separator: "; ")]
            out += cells.map(cell).joined(separator: ",") + "\n"
        }
        return out
    }

    /// Zeek's intel framework file. Values holding tabs or line breaks cannot be written in
    /// it and are left out (counted by the caller from `zeekIntelSkipped`).
    public func zeekIntel() -> (text: String, skipped: Int) {
        var out = "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\n"
        var skipped = 0
        func clean(_ s: String) -> String {
            let flat = s.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 }
            let text = String(flat)
            return text.isEmpty ? "-" : text
        }
        for l in listingsWithObserved {
            var value = l.indicator.value
            let type: String
            switch l.indicator.kind {
            case .ipv4, .ipv6: type = "Intel::ADDR"
            case .domain: type = "Intel::DOMAIN"
            case .url:
                type = "Intel::URL"
                // Zeek matches URLs without their scheme.
                if let range = value.range(of: "://") { value = String(value[range.upperBound...]) }
            case .email: type = "Intel::EMAIL"
            case .md5, .sha1, .sha256: type = "Intel::FILE_HASH"
            case .cve, .other:
                skipped += 1
                continue
            }
            guard !value.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\r" }) else {
                skipped += 1
                continue
            }
            let source = clean(l.sources.map(\.name).first ?? "ctas")
            let desc = clean(l.tags.joined(separator: ","))
            out += "\(value)\t\(type)\t\(source)\t\(desc)\n"
        }
        return (out, skipped)
    }

    static func md5Hex(_ text: String) -> String {
        var md5 = MD5()
        md5.update(Array(text.utf8))
        return md5.hexDigest()
    }
}
