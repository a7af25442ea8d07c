import CTASCore
import CTASFeeds

/// Reads MISP event JSON — `{"Event":…}`, `{"response":[{"Event":…},…]}` or a bare event —
/// into reports and indicator entries: attributes and objects' attributes, composite types
/// split (`domain|ip`, `ip-dst|port`, `filename|sha256`…), `to_ids`, comments, event and
/// attribute tags, `first_seen`/`last_seen`, sightings. Types that are not indicators CTAS
/// matches (registry keys, mutexes, file names…) are counted, not imported.
public struct MISPEventReader {
    public init() {}

    /// Which kinds each half of a supported MISP type may be (nil: that half is context).
    public static let supportedTypes: [String: [[IndicatorKind]?]] = {
        let ip: [IndicatorKind] = [.ipv4, .ipv6]
        return [
            "ip-src": [ip], "ip-dst": [ip], "ip-src|port": [ip, nil], "ip-dst|port": [ip, nil],
            "domain": [[.domain]], "hostname": [[.domain]], "domain|ip": [[.domain], ip], "hostname|port": [[.domain], nil],
            "url": [[.url]], "email": [[.email]], "email-src": [[.email]], "email-dst": [[.email]], "email-reply-to": [[.email]],
            "md5": [[.md5]], "sha1": [[.sha1]], "sha256": [[.sha256]],
            "filename|md5": [nil, [.md5]], "filename|sha1": [nil, [.sha1]], "filename|sha256": [nil, [.sha256]],
            "vulnerability": [[.cve]],
        ]
    }()

    /// Reads one file's bytes; `file` names it in problems.
    public func read(_ bytes: UnsafeBufferPointer<UInt8>, file: String) -> IntelBatch {
        IntelJSON.read(bytes, file: file) { tape, batch in read(tape, file: file, into: &batch) }
    }

    /// Reads the events of a parsed document.
    public func read(_ tape: JSONTape, file: String, into batch: inout IntelBatch) {
        let root = JSONTape.root
        if let event = tape.member(root, "Event") {
            readEvent(tape, event, path: "$.Event", file: file, into: &batch)
        } else if let response = tape.member(root, "response") {
            for (i, item) in tape.elements(response).enumerated() {
                guard let event = tape.member(item, "Event") else {
                    batch.problems.append(IntelProblem(file: file, path: "$.response[\(i)]", reason: .missingField("Event")))
                    continue
                }
                readEvent(tape, event, path: "$.response[\(i)].Event", file: file, into: &batch)
            }
        } else if tape.member(root, "Attribute") != nil || tape.member(root, "info") != nil {
            readEvent(tape, root, path: "$", file: file, into: &batch)
        } else {
            let stixType = tape.member(root, "type").flatMap(tape.string)
            let expected = stixType.map { "a STIX bundle ({\"type\":\"bundle\",…}); this is a lone STIX \($0) object" }
                ?? "a MISP event ({\"Event\":…} or {\"response\":[…]}) or a STIX bundle"
            batch.problems.append(IntelProblem(file: file, path: "$", reason: .notIntelligence(expected: expected)))
        }
    }

    static func epoch(_ tape: JSONTape, _ node: Int?) -> Timestamp? {
        guard let node, let text = tape.text(node), let seconds = Int64(text), seconds >= 0, seconds < 253_402_300_800 else { return nil }
        return Timestamp(microseconds: seconds * 1_000_000)
    }

    static func time(_ tape: JSONTape, _ node: Int?) -> Timestamp? {
        guard let node, let text = tape.string(node), !text.isEmpty else { return nil }
        if text.utf8.count == 10, let day = try? RFC3339.parse(text + "T00:00:00Z") { return day }
        return try? RFC3339.parse(text)
    }

    static func tags(_ tape: JSONTape, _ owner: Int) -> [String] { tags(tape, list: tape.member(owner, "Tag")) }

    /// The names of a `Tag` list's tags.
    static func tags(_ tape: JSONTape, list: Int?) -> [String] {
        guard let list else { return [] }
        var names: [String] = []
        tape.forEachElement(list) { tag in
            if let name = tape.member(tag, "name").flatMap(tape.string) { names.append(name) }
        }
        return names
    }

    /// An attribute's fields, found in one pass (indexes into `attributeKeys`).
    private enum Field {
        static let type = 0, value = 1, tag = 2, toIDS = 3, comment = 4, firstSeen = 5, lastSeen = 6, sighting = 7
    }

    private static let attributeKeys = JSONKeyTable(["type", "value", "Tag", "to_ids", "comment", "first_seen", "last_seen", "Sighting"])

    private func readEvent(_ tape: JSONTape, _ event: Int, path: String, file: String, into batch: inout IntelBatch) {
        guard let uuid = tape.member(event, "uuid").flatMap(tape.string), !uuid.isEmpty else {
            batch.problems.append(IntelProblem(file: file, path: path, reason: .missingField("uuid")))
            return
        }
        let reportID = "misp:" + uuid.lowercased()
        let date = Self.time(tape, tape.member(event, "date"))
        let modified = Self.epoch(tape, tape.member(event, "timestamp")) ?? date ?? Timestamp(microseconds: 0)
        let org = tape.path("Orgc", "name", from: event).flatMap(tape.string) ?? tape.path("Org", "name", from: event).flatMap(tape.string)
        batch.reports.append(IntelReport(id: reportID, format: "misp", name: tape.member(event, "info").flatMap(tape.string) ?? uuid,
                                         organization: org, date: date, modified: modified, tags: Self.tags(tape, event)))
        if let attributes = tape.member(event, "Attribute") {
            var i = 0
            tape.forEachElement(attributes) { attribute in
                readAttribute(tape, attribute, report: reportID, path: "\(path).Attribute[\(i)]", file: file, into: &batch)
                i += 1
            }
        }
        if let objects = tape.member(event, "Object") {
            for (o, object) in tape.elements(objects).enumerated() {
                guard let attributes = tape.member(object, "Attribute") else { continue }
                var i = 0
                tape.forEachElement(attributes) { attribute in
                    readAttribute(tape, attribute, report: reportID, path: "\(path).Object[\(o)].Attribute[\(i)]", file: file, into: &batch)
                    i += 1
                }
            }
        }
    }

    /// One attribute; `path` (its JSON path, for problems) is made only when one is found.
    private func readAttribute(_ tape: JSONTape, _ attribute: Int, report: String, path: @autoclosure () -> String, file: String,
                               into batch: inout IntelBatch) {
        let fields = Self.attributeKeys.find(in: attribute, of: tape)
        guard let type = fields[Field.type].flatMap(tape.string) else {
            batch.problems.append(IntelProblem(file: file, path: path(), reason: .missingField("type")))
            return
        }
        guard let value = fields[Field.value].flatMap(tape.text) else {
            batch.problems.append(IntelProblem(file: file, path: path(), reason: .missingField("value")))
            return
        }
        guard let halves = Self.supportedTypes[type] else {
            batch.problems.append(IntelProblem(file: file, path: path(), reason: .unsupportedType(type)))
            return
        }
        // A composite value splits at its first "|"; a plain one is read as it is (no copy).
        let parts = halves.count == 1 ? [] : value.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard halves.count == 1 || parts.count == halves.count else {
            batch.problems.append(IntelProblem(file: file, path: path() + ".value", reason: .notAnIndicator(type: type)))
            return
        }
        let tags = Self.tags(tape, list: fields[Field.tag])
        let toIDS = fields[Field.toIDS].flatMap(tape.bool) ?? false
        let comment = fields[Field.comment].flatMap(tape.string).flatMap { $0.isEmpty ? nil : $0 }
        let firstSeen = Self.time(tape, fields[Field.firstSeen])
        let lastSeen = Self.time(tape, fields[Field.lastSeen])
        let sightings = fields[Field.sighting]
        var indicators: [Indicator] = []   // kept for the sightings only
        for (n, kinds) in halves.enumerated() {
            guard let kinds else { continue }
            let found = IndicatorExtractor().intelValue(halves.count == 1 ? value : parts[n], kinds: kinds)
            guard let found else {
                batch.problems.append(IntelProblem(file: file, path: path() + ".value", reason: .notAnIndicator(type: type)))
                continue
            }
            if sightings != nil { indicators.append(found) }
            batch.entries.append(IntelEntry(report: report, indicator: found, sourceType: type, tags: tags, firstSeen: firstSeen,
                                            lastSeen: lastSeen, forDetection: toIDS, comment: comment))
        }
        if let sightings {
            for sighting in tape.elements(sightings) {
                // MISP sighting types: 0 a sighting, 1 a false positive, 2 an expiration.
                if let kind = tape.member(sighting, "type").flatMap(tape.text), kind != "0" { continue }
                guard let time = Self.epoch(tape, tape.member(sighting, "date_sighting")) else { continue }
                let source = tape.path("Organisation", "name", from: sighting).flatMap(tape.string)
                    ?? tape.member(sighting, "source").flatMap(tape.string).flatMap { $0.isEmpty ? nil : $0 } ?? "misp"
                for indicator in indicators { batch.sightings.append(IntelSighting(indicator: indicator, time: time, source: source)) }
            }
        }
    }
}
