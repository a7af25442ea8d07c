/// A filter over events as an analyst types it: space-separated terms, all of which must
/// hold. A bare word matches anywhere (id, type, source, entity, indicators, description,
/// tags; case-insensitive); `field:value` matches inside one field; `sev>=7` (also `>`,
/// `<`, `<=`, `=`, `:`) compares severity and `risk>=70` the risk score (0–100; events
/// never scored do not match); `field=value` matches one field exactly (any
/// case: `entity=host-1` is not `host-12`; for indicators and tags, any one of them);
/// `time>=2026-11-20T10:00Z` (also `>`, `<`, `<=`) compares event time (a date, a time to
/// the minute or full RFC 3339; what the timeline's selected range sets);
/// `-term` or `!term` negates; `"quoted text"` keeps spaces, also as a field's value
/// (`desc:"ET SCAN"`).
///
/// Fields: `type`, `src` (`source`), `entity` (`ent`), `id`, `ind` (`indicator`), `tag`,
/// `desc` (`description`), `prio` (`priority`), `sev` (`severity`), `cc` (`country`, the
/// ISO code, exact), `asn` (`15169` or `AS15169`, exact), `flow` (the flow/connection key).
public struct EventFilter: Sendable, Equatable, CustomStringConvertible {
    public enum Field: String, Sendable, CaseIterable {
        case type, source, entity, id, indicator, tag, description, priority, country, asn, flow
    }

    public enum Term: Sendable, Equatable {
        case anywhere(String)
        case field(Field, String)
        /// The field equals the value (case-insensitive), or one of its values does.
        case fieldEquals(Field, String)
        case severity(Comparison, Int)
        /// The risk score given at acceptance compared with a number 0–100.
        case risk(Comparison, Int)
        /// Event time compared with a time (`time>=2026-11-20T10:00Z`, `time<2026-11-20`).
        case time(Comparison, Timestamp)
        indirect case not(Term)
    }

    public enum Comparison: String, Sendable { case eq = "=", lt = "<", le = "<=", gt = ">", ge = ">=" }

    public let terms: [Term]
    public let text: String

    /// The filter that matches everything.
    public static let all = EventFilter(terms: [], text: "")

    init(terms: [Term], text: String) {
        self.terms = terms
        self.text = text
    }

    public var description: String { text }
    public var isEmpty: Bool { terms.isEmpty }

    static let fieldNames: [String: Field] = [
        "type": .type, "src": .source, "source": .source, "entity": .entity, "ent": .entity, "id": .id,
        "ind": .indicator, "indicator": .indicator, "tag": .tag, "desc": .description, "description": .description,
        "prio": .priority, "priority": .priority, "cc": .country, "country": .country, "asn": .asn, "flow": .flow,
    ]

    /// Parses filter text; the error says which term is wrong and what was expected.
    public init(parsing text: String) throws(FilterError) {
        var terms: [Term] = []
        for word in try Self.words(text) {
            var token = Substring(word.text)
            var negated = word.negated
            if !word.quoted, let first = token.first, first == "-" || first == "!", token.count > 1 {
                negated = true
                token = token.dropFirst()
            }
            let term = word.quoted ? Term.anywhere(String(token).lowercased()) : try Self.term(String(token))
            terms.append(negated ? .not(term) : term)
        }
        self.terms = terms
        self.text = text
    }

    private static func term(_ token: String) throws(FilterError) -> Term {
        // Severity comparisons: sev>=7, severity<3, sev=5, sev:5.
        let lower = token.lowercased()
        if lower.hasPrefix("time") {
            let rest = token.dropFirst(4)
            for op in [">=", "<=", ">", "<", "="] where rest.hasPrefix(op) {
                let value = String(rest.dropFirst(op.count))
                guard TimeArgument.relative(value) == nil, let time = try? TimeArgument.parse(value) else {
                    throw FilterError("'\(token)': time is compared with a time such as 2026-11-20T10:00Z or 2026-11-20")
                }
                return .time(Comparison(rawValue: op) ?? .eq, time)
            }
        }
        for prefix in ["severity", "sev"] where lower.hasPrefix(prefix) {
            let rest = lower.dropFirst(prefix.count)
            for op in [">=", "<=", ">", "<", "=", ":"] where rest.hasPrefix(op) {
                let value = rest.dropFirst(op.count)
                guard let n = Int(value), (1...10).contains(n) else {
                    throw FilterError("'\(token)': severity is compared with a number 1–10")
                }
                return .severity(Comparison(rawValue: op == ":" ? "=" : op) ?? .eq, n)
            }
        }
        if lower.hasPrefix("risk") {
            let rest = lower.dropFirst(4)
            for op in [">=", "<=", ">", "<", "=", ":"] where rest.hasPrefix(op) {
                guard let n = Int(rest.dropFirst(op.count)), (0...100).contains(n) else {
                    throw FilterError("'\(token)': risk is compared with a number 0–100")
                }
                return .risk(Comparison(rawValue: op == ":" ? "=" : op) ?? .eq, n)
            }
        }
        if let equals = token.firstIndex(of: "="), equals != token.startIndex, let field = fieldNames[token[..<equals].lowercased()] {
            let value = String(token[token.index(after: equals)...]).lowercased()
            guard !value.isEmpty else { throw FilterError("'\(token)': expected a value after '='") }
            // Priority, country and AS number already match exactly: read them as `field:value`.
            if [.priority, .country, .asn].contains(field) { return try term(token[..<equals] + ":" + value) }
            return .fieldEquals(field, value)
        }
        if let colon = token.firstIndex(of: ":"), colon != token.startIndex {
            let name = token[..<colon].lowercased()
            let value = String(token[token.index(after: colon)...]).lowercased()
            guard let field = fieldNames[name] else {
                throw FilterError("'\(token)': unknown field '\(name)'; expected type, src, entity, id, ind, tag, desc, prio, sev, cc, asn or flow")
            }
            guard !value.isEmpty else { throw FilterError("'\(token)': expected a value after ':'") }
            if field == .priority, Priority(name: value) == nil {
                throw FilterError("'\(token)': priority is \(Priority.spellings)")
            }
            if field == .asn {
                let digits = value.hasPrefix("as") ? String(value.dropFirst(2)) : value
                guard let number = UInt32(digits) else {
                    throw FilterError("'\(token)': asn is an AS number such as 15169 or AS15169")
                }
                return .field(field, String(number))
            }
            if field == .country {
                guard value.count == 2, value.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                    throw FilterError("'\(token)': cc is a two-letter ISO country code such as GB")
                }
            }
            return .field(field, value)
        }
        return .anywhere(lower)
    }

    /// The filter's words, each with its text as written. A quoted word is matched anywhere as
    /// written, spaces and all; after a field (`desc:"ET SCAN"`, `-entity="web 01"`) the
    /// quotes hold that field's value, and after `-` or `!` alone they are negated.
    private static func words(_ text: String) throws(FilterError) -> [(text: String, quoted: Bool, negated: Bool, written: String)] {
        var out: [(String, Bool, Bool, String)] = []
        var current = ""
        var written = ""
        var prefix = ""
        var quoted = false
        var wasQuoted = false
        for c in text {
            if c == "\"" {
                written.append(c)
                if quoted {
                    if prefix.hasSuffix(":") || prefix.hasSuffix("=") {
                        out.append((prefix + current, false, false, written))
                    } else if prefix == "-" || prefix == "!" {
                        out.append((current, true, true, written))
                    } else {
                        out.append((prefix + current, true, false, written))
                    }
                    current = ""
                    written = ""
                    prefix = ""
                    wasQuoted = true
                } else {
                    prefix = current
                    current = ""
                }
                quoted.toggle()
                continue
            }
            if c == " " && !quoted {
                if !current.isEmpty { out.append((current, false, false, written)) }
                current = ""
                written = ""
                wasQuoted = false
                continue
            }
            current.append(c)
            written.append(c)
        }
        guard !quoted else { throw FilterError("unclosed quote in '\(text)'") }
        if !current.isEmpty && !wasQuoted { out.append((current, false, false, written)) }
        return out
    }

    /// The span of time the filter's `time>=A time<B` terms keep (both needed; the timeline's
    /// range is written this way), nil when it has no such pair.
    public var timeRange: TimeRange? {
        var from: Timestamp?, until: Timestamp?
        for term in terms {
            if case .time(.ge, let t) = term { from = from.map { max($0, t) } ?? t }
            if case .time(.lt, let t) = term { until = until.map { min($0, t) } ?? t }
        }
        guard let from, let until else { return nil }
        return TimeRange(from: from, until: until)
    }

    /// This filter with its time terms replaced by `range`'s (or only removed, for nil): the
    /// other terms keep their text.
    public func limited(to range: TimeRange?) throws(FilterError) -> EventFilter {
        var kept: [String] = []
        for word in try Self.words(text) {
            if !word.quoted, case .time = try Self.term(word.text) { continue }
            if !word.quoted, word.text.count > 1, word.text.first == "-" || word.text.first == "!",
               case .time = try Self.term(String(word.text.dropFirst())) { continue }
            kept.append(word.written)
        }
        if let range { kept.append(range.filterText) }
        return try EventFilter(parsing: kept.joined(separator: " "))
    }

    /// Whether `e` satisfies every term.
    private static func compare(_ value: Int, _ op: Comparison, _ n: Int) -> Bool {
        switch op {
        case .eq: return value == n
        case .lt: return value < n
        case .le: return value <= n
        case .gt: return value > n
        case .ge: return value >= n
        }
    }

    public func matches(_ e: Event) -> Bool {
        terms.allSatisfy { Self.matches($0, e) }
    }

    /// Whether a term asks for a source (`src:x`, `src=x`, not negated).
    public var constrainsSource: Bool { !tests(of: .source).isEmpty }

    /// Whether a term asks for a type (`type:x`, `type=x`, not negated).
    public var constrainsType: Bool { !tests(of: .type).isEmpty }

    /// Whether an event from one of the sources `names` could match: false when a source
    /// term (`src:x`, `src=x`, not negated) matches none of them, so a store that keeps its
    /// sources' names answers such a filter without reading its events.
    public func canMatch(sourcesNamed names: [String]) -> Bool { canMatch(.source, of: names) }

    /// Whether an event of one of the types `names` could match, as `canMatch(sourcesNamed:)`
    /// for type terms.
    public func canMatch(typesNamed names: [String]) -> Bool { canMatch(.type, of: names) }

    private func canMatch(_ field: Field, of names: [String]) -> Bool {
        let tests = tests(of: field)
        guard !tests.isEmpty else { return true }
        // Every term on the field holds for an event's one value.
        return names.contains { name in
            let lowered = name.lowercased()
            return tests.allSatisfy { $0(lowered) }
        }
    }

    /// The terms on `field` (not negated), each as a test of a lower-cased value.
    private func tests(of field: Field) -> [(String) -> Bool] {
        terms.compactMap {
            switch $0 {
            case .field(field, let value): { $0.contains(value) }
            case .fieldEquals(field, let value): { $0 == value }
            default: nil
            }
        }
    }

    private static func contains(_ haystack: String?, _ needle: String) -> Bool {
        guard let haystack else { return false }
        return haystack.lowercased().contains(needle)
    }

    private static func matches(_ term: Term, _ e: Event) -> Bool {
        switch term {
        case .not(let inner): return !matches(inner, e)
        case .time(let op, let t):
            switch op {
            case .eq: return e.timestamp == t
            case .lt: return e.timestamp < t
            case .le: return e.timestamp <= t
            case .gt: return e.timestamp > t
            case .ge: return e.timestamp >= t
            }
        case .risk(let op, let n):
            guard let r = e.risk.map({ Int($0.total) }) else { return false }
            return Self.compare(r, op, n)
        case .severity(let op, let n):
            guard let s = e.severity.map({ Int($0.value) }) else { return false }
            return Self.compare(s, op, n)
        case .field(let field, let value):
            switch field {
            case .type: return contains(e.type, value)
            case .source: return contains(e.source, value)
            case .entity: return contains(e.entity, value)
            case .id: return contains(e.id, value)
            case .indicator: return e.indicators.contains { contains($0, value) }
            case .tag: return e.tags.contains { contains($0, value) }
            case .description: return contains(e.description, value)
            case .priority: return e.priority?.name == value
            case .country: return e.details?.country?.lowercased() == value
            case .asn: return e.details?.asn.map(String.init) == value
            case .flow: return contains(e.flow, value)
            }
        case .fieldEquals(let field, let value):
            func same(_ s: String?) -> Bool { s?.lowercased() == value }
            switch field {
            case .type: return same(e.type)
            case .source: return same(e.source)
            case .entity: return same(e.entity)
            case .id: return same(e.id)
            case .indicator: return e.indicators.contains { same($0) }
            case .tag: return e.tags.contains { same($0) }
            case .description: return same(e.description)
            case .flow: return same(e.flow)
            case .priority, .country, .asn: return matches(.field(field, value), e)
            }
        case .anywhere(let value):
            return contains(e.id, value) || contains(e.type, value) || contains(e.source, value) || contains(e.entity, value)
                || e.indicators.contains { contains($0, value) } || contains(e.description, value)
                || e.tags.contains { contains($0, value) }
        }
    }
}

/// Why filter text could not be read.
public struct FilterError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
