import CTASCore
import CTASFeeds

/// Reads a STIX 2.1 bundle: `indicator`s (their patterns' exact comparisons on addresses,
/// domains, URLs, e-mail addresses, file hashes become indicators; other operators and the
/// qualifiers are reported as not evaluated), `observed-data` and the cyber observables it
/// refers to, `sighting`s, `report`s with their `object_refs`, `relationship`s to `malware`,
/// `intrusion-set`, `campaign`, `threat-actor`, `attack-pattern` (ATT&CK ids) and
/// `vulnerability` (CVE) as tags, and TLP markings.
public struct STIXBundleReader {
    public init() {}

    /// The TLP marking definitions STIX 2.1 predefines, by id.
    static let tlp: [String: String] = [
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "tlp:clear",
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "tlp:green",
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "tlp:amber",
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "tlp:red",
    ]

    /// Which pattern paths name an indicator CTAS matches, and its kinds.
    static func kinds(objectType: String, path: [String]) -> [IndicatorKind]? {
        switch (objectType, path.map { $0.uppercased() }) {
        case ("ipv4-addr", ["VALUE"]): [.ipv4]
        case ("ipv6-addr", ["VALUE"]): [.ipv6]
        case ("domain-name", ["VALUE"]): [.domain]
        case ("url", ["VALUE"]): [.url]
        case ("email-addr", ["VALUE"]): [.email]
        case ("file", ["HASHES", "MD5"]): [.md5]
        case ("file", ["HASHES", "SHA-1"]), ("file", ["HASHES", "SHA1"]): [.sha1]
        case ("file", ["HASHES", "SHA-256"]), ("file", ["HASHES", "SHA256"]): [.sha256]
        default: nil
        }
    }

    public func read(_ bytes: UnsafeBufferPointer<UInt8>, file: String) -> IntelBatch {
        IntelJSON.read(bytes, file: file) { tape, batch in read(tape, file: file, into: &batch) }
    }

    static func time(_ tape: JSONTape, _ object: Int, _ key: String) -> Timestamp? {
        tape.member(object, key).flatMap(tape.string).flatMap { try? RFC3339.parse($0) }
    }

    public func read(_ tape: JSONTape, file: String, into batch: inout IntelBatch) {
        let root = JSONTape.root
        guard tape.member(root, "type").flatMap(tape.string) == "bundle", let objects = tape.member(root, "objects") else {
            batch.problems.append(IntelProblem(file: file, path: "$", reason: .notIntelligence(expected: "a STIX bundle ({\"type\":\"bundle\",\"objects\":[…]})")))
            return
        }
        let bundleID = tape.member(root, "id").flatMap(tape.string) ?? "bundle"
        let nodes = tape.elements(objects)
        var byID: [String: (node: Int, type: String, index: Int)] = [:]
        for (i, node) in nodes.enumerated() {
            guard let id = tape.member(node, "id").flatMap(tape.string), let type = tape.member(node, "type").flatMap(tape.string) else {
                batch.problems.append(IntelProblem(file: file, path: "$.objects[\(i)]", reason: .missingField("id/type")))
                continue
            }
            byID[id] = (node, type, i)
        }
        func name(_ id: String) -> String? { byID[id].flatMap { tape.member($0.node, "name").flatMap(tape.string) } }
        func markings(_ node: Int) -> [String] {
            guard let refs = tape.member(node, "object_marking_refs") else { return [] }
            return tape.strings(refs).compactMap { ref in
                if let known = Self.tlp[ref] { return known }
                if let def = byID[ref], let tlp = tape.path("definition", "tlp", from: def.node).flatMap(tape.string) { return "tlp:" + tlp }
                if let def = byID[ref], let n = tape.member(def.node, "name").flatMap(tape.string), n.lowercased().hasPrefix("tlp:") { return n.lowercased() }
                return nil
            }
        }

        // Tags each object gets from its relationships (indicator → malware, …).
        var related: [String: [String]] = [:]
        func tag(for id: String) -> String? {
            guard let target = byID[id] else { return nil }
            switch target.type {
            case "malware", "intrusion-set", "campaign", "threat-actor", "tool", "infrastructure":
                return name(id).map { target.type + ":" + $0 }
            case "attack-pattern":
                if let refs = tape.member(target.node, "external_references") {
                    for ref in tape.elements(refs) where tape.member(ref, "source_name").flatMap(tape.string) == "mitre-attack" {
                        if let ext = tape.member(ref, "external_id").flatMap(tape.string) { return "mitre-attack:" + ext }
                    }
                }
                return name(id).map { "attack-pattern:" + $0 }
            case "vulnerability":
                return name(id).map { "vulnerability:" + $0 }
            default:
                return nil
            }
        }
        for object in byID.values where object.type == "relationship" {
            guard let source = tape.member(object.node, "source_ref").flatMap(tape.string),
                  let target = tape.member(object.node, "target_ref").flatMap(tape.string) else { continue }
            for ref in [source, target] where byID[ref] == nil {
                batch.problems.append(IntelProblem(file: file, path: "$.objects[\(object.index)]", reason: .danglingReference(ref)))
            }
            if let t = tag(for: target) { related[source, default: []].append(t) }
            if let t = tag(for: source) { related[target, default: []].append(t) }
        }

        // Reports: which objects belong to which report.
        var reportsOf: [String: [String]] = [:]
        for (id, object) in byID.sorted(by: { $0.value.index < $1.value.index }) where object.type == "report" {
            let org = tape.member(object.node, "created_by_ref").flatMap(tape.string).flatMap(name)
            let modified = Self.time(tape, object.node, "modified") ?? Self.time(tape, object.node, "created") ?? Timestamp(microseconds: 0)
            var tags = markings(object.node)
            if let labels = tape.member(object.node, "labels") { tags += tape.strings(labels) }
            batch.reports.append(IntelReport(id: "stix:" + id, format: "stix", name: name(id) ?? id, organization: org,
                                             date: Self.time(tape, object.node, "published") ?? Self.time(tape, object.node, "created"),
                                             modified: modified, tags: tags))
            if let refs = tape.member(object.node, "object_refs") {
                for ref in tape.strings(refs) {
                    if byID[ref] == nil {
                        batch.problems.append(IntelProblem(file: file, path: "$.objects[\(object.index)].object_refs", reason: .danglingReference(ref)))
                        continue
                    }
                    reportsOf[ref, default: []].append("stix:" + id)
                }
            }
        }
        let bundleReport = "stix-bundle:" + bundleID
        var usesBundleReport = false
        func owners(_ id: String) -> [String] {
            if let reports = reportsOf[id], !reports.isEmpty { return reports }
            usesBundleReport = true
            return [bundleReport]
        }

        var valuesOf: [String: [Indicator]] = [:]   // indicator id → its values, for sightings
        let observed = observedRefs(tape, byID)
        for (id, object) in byID.sorted(by: { $0.value.index < $1.value.index }) {
            let path = "$.objects[\(object.index)]"
            switch object.type {
            case "indicator":
                guard let patternText = tape.member(object.node, "pattern").flatMap(tape.string) else {
                    batch.problems.append(IntelProblem(file: file, path: path, reason: .missingField("pattern")))
                    continue
                }
                if let type = tape.member(object.node, "pattern_type").flatMap(tape.string), type != "stix" {
                    batch.problems.append(IntelProblem(file: file, path: path + ".pattern_type", reason: .patternNotUnderstood("pattern_type \(type)")))
                    continue
                }
                let pattern: STIXPattern
                do throws(STIXPattern.SyntaxError) {
                    pattern = try STIXPattern(patternText)
                } catch {
                    batch.problems.append(IntelProblem(file: file, path: path + ".pattern", reason: .patternNotUnderstood(error.description)))
                    continue
                }
                for q in pattern.qualifiers {
                    batch.problems.append(IntelProblem(file: file, path: path + ".pattern", reason: .qualifierNotEvaluated(q)))
                }
                var tags = markings(object.node) + (related[id] ?? [])
                if let labels = tape.member(object.node, "labels") { tags += tape.strings(labels) }
                let confidence = tape.member(object.node, "confidence").flatMap(tape.double)
                let validFrom = Self.time(tape, object.node, "valid_from")
                let validUntil = Self.time(tape, object.node, "valid_until")
                var values: [Indicator] = []
                for comparison in pattern.comparisons {
                    guard let kinds = Self.kinds(objectType: comparison.objectType, path: comparison.path) else { continue }
                    guard (comparison.op == "=" || comparison.op == "IN"), !comparison.negated else {
                        batch.problems.append(IntelProblem(file: file, path: path + ".pattern",
                                                           reason: .patternNotUnderstood("\(comparison.op) on \(comparison.objectType) is not an exact value (kept out)")))
                        continue
                    }
                    for value in comparison.values {
                        guard let found = IndicatorExtractor().intelValue(value, kinds: kinds) else {
                            batch.problems.append(IntelProblem(file: file, path: path + ".pattern",
                                                               reason: .notAnIndicator(type: comparison.objectType + ":" + comparison.path.joined(separator: "."))))
                            continue
                        }
                        values.append(found)
                        let typeName = comparison.objectType + ":" + comparison.path.joined(separator: ".")
                        for owner in owners(id) {
                            batch.entries.append(IntelEntry(report: owner, indicator: found, sourceType: typeName, tags: tags,
                                                            firstSeen: validFrom, lastSeen: nil, forDetection: true,
                                                            comment: tape.member(object.node, "name").flatMap(tape.string),
                                                            confidence: confidence, validUntil: validUntil))
                        }
                    }
                }
                valuesOf[id] = values
            case "ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr", "file":
                // Observables count when a report or observed-data refers to them.
                guard reportsOf[id] != nil || observed.contains(id) else { continue }
                var found: [Indicator] = []
                if object.type == "file" {
                    if let hashes = tape.member(object.node, "hashes") {
                        tape.forEachMember(hashes) { key, value in
                            guard let kinds = Self.kinds(objectType: "file", path: ["hashes", tape.key(key)]), let text = tape.string(value),
                                  let indicator = IndicatorExtractor().intelValue(text, kinds: kinds) else { return }
                            found.append(indicator)
                        }
                    }
                } else if let kinds = Self.kinds(objectType: object.type, path: ["value"]),
                          let text = tape.member(object.node, "value").flatMap(tape.string) {
                    if let indicator = IndicatorExtractor().intelValue(text, kinds: kinds) {
                        found.append(indicator)
                    } else {
                        batch.problems.append(IntelProblem(file: file, path: path + ".value", reason: .notAnIndicator(type: object.type)))
                    }
                }
                for indicator in found {
                    for owner in owners(id) {
                        batch.entries.append(IntelEntry(report: owner, indicator: indicator, sourceType: object.type,
                                                        tags: markings(object.node) + (related[id] ?? []), forDetection: false))
                    }
                }
                valuesOf[id] = found
            case "vulnerability":
                guard let cve = name(id), let indicator = IndicatorExtractor().intelValue(cve, kinds: [.cve]) else { continue }
                for owner in owners(id) {
                    batch.entries.append(IntelEntry(report: owner, indicator: indicator, sourceType: "vulnerability",
                                                    tags: markings(object.node) + (related[id] ?? []), forDetection: false))
                }
            default:
                break
            }
        }
        // Sightings of indicators (and of observables).
        for (_, object) in byID.sorted(by: { $0.value.index < $1.value.index }) where object.type == "sighting" {
            guard let ref = tape.member(object.node, "sighting_of_ref").flatMap(tape.string) else { continue }
            guard byID[ref] != nil else {
                batch.problems.append(IntelProblem(file: file, path: "$.objects[\(object.index)].sighting_of_ref", reason: .danglingReference(ref)))
                continue
            }
            let time = Self.time(tape, object.node, "last_seen") ?? Self.time(tape, object.node, "first_seen")
                ?? Self.time(tape, object.node, "created") ?? Timestamp(microseconds: 0)
            let whereSighted = tape.member(object.node, "where_sighted_refs").map(tape.strings)?.compactMap(name).first ?? "stix"
            for indicator in valuesOf[ref] ?? [] {
                batch.sightings.append(IntelSighting(indicator: indicator, time: time, source: whereSighted))
            }
        }
        if usesBundleReport {
            let created = byID.values.compactMap { Self.time(tape, $0.node, "modified") }.max() ?? Timestamp(microseconds: 0)
            batch.reports.append(IntelReport(id: bundleReport, format: "stix", name: "STIX bundle \(bundleID)", date: nil, modified: created))
        }
    }

    private func observedRefs(_ tape: JSONTape, _ byID: [String: (node: Int, type: String, index: Int)]) -> Set<String> {
        var refs = Set<String>()
        for object in byID.values where object.type == "observed-data" {
            if let list = tape.member(object.node, "object_refs") { refs.formUnion(tape.strings(list)) }
        }
        return refs
    }
}
