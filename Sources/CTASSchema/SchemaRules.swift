import Foundation

/// The storage tiers `ctas schema` recommends, and `runtime` for types that hold live
/// machinery (actors, errors, handles, namespaces) rather than data: they get no schema.
public enum StorageTier: String, Codable, Sendable, CaseIterable {
    case hot, warm, cold, graph, document, runtime
}

/// A recommendation for one type: the tier, how sure, and why.
public struct Recommendation: Codable, Sendable, Equatable {
    public var tier: StorageTier
    /// The winner's share of all matched weight (0–1).
    public var confidence: Double
    /// The reasons of the rules that voted for the winner, strongest first.
    public var reasons: [String]
    /// Tiers with the same score as the winner.
    public var tiedWith: [StorageTier] = []
    public var lowConfidence = false
    /// Only the baseline rule matched: a default, not evidence.
    public var isDefault = false
    /// For hot types: how to key them (`time-prefixed (ts, id)`, `id`).
    public var keyStrategy: String?
    /// Every tier's score, for the curious.
    public var scores: [String: Int] = [:]
}

/// Readable heuristics (SampleData/schema.rules): each rule adds weight to a tier when its
/// test holds for a type.
public struct SchemaRules: Sendable {
    public enum Test: Sendable, Equatable {
        case nameMatches([String]), fieldMatches([String]), fieldSuffix([String])
        case kind([String]), conforms([String]), fieldTypeMatches([String])
        case hasTimestamp, hasCoordinates, hasReferences, manyReferences, edgeFields, smallRecord, freeForm, isEnum, noFields, always
    }

    public struct Rule: Sendable, Equatable {
        public var tier: StorageTier
        public var weight: Int
        public var test: Test
        public var reason: String
        public var line: Int
    }

    public var rules: [Rule]
    public var lowConfidence = 0.5

    /// A rules file that could not be read: file, line, and what was expected.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The built-in rules (the same text as SampleData/schema.rules).
    public static func builtIn() -> SchemaRules {
        // The shipped text is tested to parse; a failure here is a build defect.
        (try? SchemaRules(text: SchemaRulesText.builtIn, origin: "built-in schema rules")) ?? SchemaRules(rules: [])
    }

    init(rules: [Rule]) { self.rules = rules }

    public init(text: String, origin: String) throws(ParseError) {
        rules = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = n + 1
            let content = raw.trimmingCharacters(in: .whitespaces)
            if content.isEmpty || content.hasPrefix("#") { continue }
            func fail(_ m: String) -> ParseError { ParseError(message: "\(origin):\(line): \(m)") }
            if content.hasPrefix("low-confidence") {
                let parts = content.split(separator: "=").map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, let v = Double(parts[1]), (0...1).contains(v) else {
                    throw fail("expected `low-confidence = N` with N between 0 and 1")
                }
                lowConfidence = v
                continue
            }
            // TIER WEIGHT TEST [ARG] "reason"
            guard let quote = content.firstIndex(of: "\""), content.hasSuffix("\""), content.distance(from: quote, to: content.endIndex) >= 2 else {
                throw fail("expected a reason in double quotes at the end of the line")
            }
            let reason = String(content[content.index(after: quote)..<content.index(before: content.endIndex)])
            let words = content[..<quote].split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard words.count >= 3 else { throw fail("expected TIER WEIGHT TEST [ARGUMENT] \"reason\"") }
            guard let tier = StorageTier(rawValue: words[0]) else {
                throw fail("unknown tier '\(words[0])'; expected hot, warm, cold, graph, document or runtime")
            }
            guard let weight = Int(words[1]), (1...100).contains(weight) else { throw fail("weight '\(words[1])': expected 1 to 100") }
            let argument = words.count > 3 ? words[3...].joined(separator: "") : ""
            let list = argument.split(separator: ",").map { String($0) }.filter { !$0.isEmpty }
            let test: Test
            switch words[2] {
            case _ where Self.listTests.contains(words[2]):
                guard !list.isEmpty else { throw fail("\(words[2]) needs a comma-separated list of words") }
                switch words[2] {
                case "name-matches": test = .nameMatches(list)
                case "field-matches": test = .fieldMatches(list)
                case "field-suffix": test = .fieldSuffix(list)
                case "kind":
                    let kinds = ["struct", "enum", "class", "actor", "union"]
                    if let bad = list.first(where: { !kinds.contains($0) }) { throw fail("kind '\(bad)': expected \(kinds.joined(separator: ", "))") }
                    test = .kind(list)
                case "conforms": test = .conforms(list)
                default: test = .fieldTypeMatches(list)
                }
            case "has-timestamp": test = .hasTimestamp
            case "has-coordinates": test = .hasCoordinates
            case "has-references": test = .hasReferences
            case "many-references": test = .manyReferences
            case "edge-fields": test = .edgeFields
            case "small-record": test = .smallRecord
            case "free-form": test = .freeForm
            case "enum": test = .isEnum
            case "no-fields": test = .noFields
            case "always": test = .always
            default:
                throw fail("unknown test '\(words[2])'; expected name-matches, field-matches, field-suffix, field-type-matches, kind, conforms, "
                           + "has-timestamp, has-coordinates, has-references, many-references, edge-fields, small-record, free-form, enum, "
                           + "no-fields or always")
            }
            if words.count > 3, !Self.listTests.contains(words[2]) {
                throw fail("\(words[2]) takes no argument")
            }
            rules.append(Rule(tier: tier, weight: weight, test: test, reason: reason, line: line))
        }
    }

    /// Tests that take a comma-separated list.
    static let listTests: Set<String> = ["name-matches", "field-matches", "field-suffix", "field-type-matches", "kind", "conforms"]

    // MARK: recommending

    static let timeTypes = ["Date", "DateTime", "SystemTime", "Instant", "Timestamp", "NaiveDateTime", "OffsetDateTime", "PrimitiveDateTime",
                            "ContinuousClock.Instant", "TimeInterval"]

    static func isTime(_ f: FieldInfo) -> Bool {
        let names = TypeShape.names(in: f.type)
        if names.contains(where: { timeTypes.contains($0) }) { return true }
        let n = f.name.lowercased()
        return (n == "ts" || n == "timestamp" || n.hasSuffix("_at") || n.hasSuffix("at") && f.name.hasSuffix("At") || n == "time")
            && ["i64", "u64", "Int64", "UInt64", "f64", "Double", "Int"].contains(f.type)
    }

    static func isFreeForm(_ f: FieldInfo) -> Bool {
        let t = f.type.replacingOccurrences(of: " ", with: "")
        return t.contains("serde_json::Value") || t == "Value" || t.contains("JSONValue") || t == "Any" || t.hasPrefix("[String:Any")
            || t.contains("HashMap<String,String>") || t.contains("BTreeMap<String,String>") || t == "[String:String]"
            || t.contains("HashMap<String,Value>") || t.contains("[String:AnyCodable]")
    }

    func holds(_ test: Test, _ t: TypeInfo) -> Bool {
        let fields = t.fields + t.variants.flatMap(\.fields)
        let lowerNames = fields.map { $0.name.lowercased() }
        switch test {
        case .nameMatches(let words):
            let name = t.name.lowercased()
            return words.contains { name.contains($0.lowercased()) }
        case .fieldMatches(let words):
            return lowerNames.contains { n in words.contains { n.contains($0.lowercased()) } }
        case .fieldSuffix(let words):
            return fields.contains { f in words.contains { f.name.hasSuffix($0) && f.name != $0.trimmingCharacters(in: CharacterSet(charactersIn: "_")) } }
        case .hasTimestamp:
            return fields.contains(where: Self.isTime)
        case .hasCoordinates:
            let set = Set(lowerNames)
            return (set.contains("lat") || set.contains("latitude")) && (set.contains("lon") || set.contains("lng") || set.contains("longitude"))
        case .hasReferences:
            return fields.contains { !$0.references.isEmpty }
        case .manyReferences:
            return fields.filter { $0.collection != nil && !$0.references.isEmpty }.count >= 2
        case .edgeFields:
            let set = Set(lowerNames.map { $0.replacingOccurrences(of: "_id", with: "").replacingOccurrences(of: "id", with: "") })
            return (set.contains("from") && set.contains("to")) || (set.contains("source") && set.contains("target"))
                || (set.contains("src") && set.contains("dst"))
        case .smallRecord:
            return t.kind != .enum && !fields.isEmpty && fields.count <= 8 && !fields.contains { $0.collection != nil || Self.isFreeForm($0) }
        case .freeForm:
            return fields.contains(where: Self.isFreeForm)
        case .isEnum:
            return t.kind == .enum
        case .kind(let kinds):
            let kind = [.struct, .tupleStruct, .unitStruct].contains(t.kind) ? "struct" : t.kind.rawValue
            return kinds.contains(kind)
        case .conforms(let names):
            let declared = Set((t.conformances + t.derives).flatMap { TypeShape.names(in: $0) })
            return names.contains { declared.contains($0) }
        case .fieldTypeMatches(let words):
            return fields.contains { f in TypeShape.names(in: f.type).contains { words.contains($0) } }
        case .noFields:
            return t.fields.isEmpty && t.variants.isEmpty
        case .always:
            return true
        }
    }

    /// Scores every tier for `t` and picks the best, with its reasons.
    public func recommend(_ t: TypeInfo) -> Recommendation {
        var scores: [StorageTier: Int] = [:]
        var reasons: [StorageTier: [(Int, String)]] = [:]
        var specific = false
        for rule in rules where holds(rule.test, t) {
            if rule.test != .always { specific = true }
            scores[rule.tier, default: 0] += rule.weight
            reasons[rule.tier, default: []].append((rule.weight, rule.reason))
        }
        let total = scores.values.reduce(0, +)
        let best = scores.values.max() ?? 0
        // On a tie the safe default, warm, goes first; runtime last (storing too much is the
        // smaller mistake).
        let preference: [StorageTier] = [.warm, .hot, .graph, .cold, .document, .runtime]
        let winners = preference.filter { (scores[$0] ?? 0) == best && best > 0 }
        let tier = winners.first ?? .warm
        var r = Recommendation(tier: tier, confidence: total > 0 ? Double(best) / Double(total) : 0,
                               reasons: (reasons[tier] ?? []).sorted { $0.0 > $1.0 }.map(\.1))
        r.tiedWith = Array(winners.dropFirst())
        r.lowConfidence = r.confidence < lowConfidence || !r.tiedWith.isEmpty || !specific
        r.isDefault = !specific
        if total == 0 { r.reasons = ["no rule matched; warm by default"] }
        r.scores = Dictionary(uniqueKeysWithValues: scores.map { ($0.key.rawValue, $0.value) })
        if tier == .hot {
            let time = t.fields.first(where: Self.isTime)?.name
            let id = t.fields.first { ["id", "uuid", "key"].contains($0.name.lowercased()) }?.name
            r.keyStrategy = time.map { "time-prefixed (\($0)\(id.map { ", \($0)" } ?? ""))" } ?? id.map { "by \($0)" } ?? "by content hash"
        }
        r.confidence = (r.confidence * 100).rounded() / 100
        return r
    }
}
