import CTASCore

/// The characteristics of a record that routing rules test: the product plan's priority,
/// latency requirement, data type and size, plus a few more an analyst reaches for. Read
/// from the event only when a rule asks (size, for one, walks every string).
public struct RecordTraits: Sendable {
    public let event: Event
    public let latency: LatencyClass
    /// Indicators the event holds: listed and extracted from its text (the listed count
    /// when extraction has not run).
    public let indicators: Int

    public init(event: Event, latency: LatencyClass, indicators: Int? = nil) {
        self.event = event
        self.latency = latency
        self.indicators = indicators ?? event.indicators.count
    }

    var severity: Int { Int(event.severity?.value ?? 0) }
    var size: Int { event.approximateSize }
    var geo: Bool { event.location != nil }
}

/// A routing condition, type-checked when parsed.
public indirect enum Condition: Sendable {
    public enum Field: String, Sendable, CaseIterable {
        case priority, severity, type, source, entity, size, latency, indicators, geo, tag
    }
    public enum Op: String, Sendable { case eq = "=", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">=" }

    case always
    case not(Condition)
    case and(Condition, Condition)
    case or(Condition, Condition)
    case number(Field, Op, Int)
    case text(Field, Op, [String])       // eq/ne against any of the values
    case priority(Op, Priority)
    case latency(Op, [LatencyClass])
    case geo(Bool)

    public func matches(_ r: RecordTraits) -> Bool {
        switch self {
        case .always: return true
        case .not(let c): return !c.matches(r)
        case .and(let a, let b): return a.matches(r) && b.matches(r)
        case .or(let a, let b): return a.matches(r) || b.matches(r)
        case .number(let field, let op, let value):
            let actual: Int
            switch field {
            case .severity: actual = r.severity
            case .size: actual = r.size
            default: actual = r.indicators
            }
            return Self.compare(actual, op, value)
        case .text(let field, let op, let values):
            let hit: Bool
            switch field {
            case .type: hit = values.contains(r.event.type)
            case .source: hit = r.event.source.map(values.contains) ?? false
            case .entity: hit = r.event.entity.map(values.contains) ?? false
            default: hit = r.event.tags.contains(where: values.contains)
            }
            return op == .eq ? hit : !hit
        case .priority(let op, let value):
            guard let p = r.event.priority else { return op == .ne }
            return Self.compare(p.rawValue, op, value.rawValue)
        case .latency(let op, let values):
            let hit = values.contains(r.latency)
            return op == .eq ? hit : !hit
        case .geo(let wanted): return r.geo == wanted
        }
    }

    private static func compare(_ a: Int, _ op: Op, _ b: Int) -> Bool {
        switch op {
        case .eq: a == b
        case .ne: a != b
        case .lt: a < b
        case .le: a <= b
        case .gt: a > b
        case .ge: a >= b
        }
    }
}

/// Parses `severity >= 8 and (type in (a, b) or not geo = yes)`; `and` binds tighter than
/// `or`; `otherwise` and `always` match everything.
struct ConditionParser {
    private var tokens: [String]
    private var index = 0
    let latencyNames: Set<String>

    init(text: String, latencyNames: Set<String>) throws(StoreError) {
        self.latencyNames = latencyNames
        tokens = try Self.tokenize(text)
    }

    mutating func parse() throws(StoreError) -> Condition {
        guard !tokens.isEmpty else { throw StoreError.condition("expected a condition after 'when', or 'otherwise'") }
        let condition = try parseOr()
        guard index == tokens.count else { throw StoreError.condition("unexpected '\(tokens[index])' in the condition") }
        return condition
    }

    private static func tokenize(_ text: String) throws(StoreError) -> [String] {
        var tokens: [String] = []
        var current = ""
        func flush() { if !current.isEmpty { tokens.append(current); current = "" } }
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == " " || c == "\t" { flush(); i += 1; continue }
            if c == "(" || c == ")" || c == "," { flush(); tokens.append(String(c)); i += 1; continue }
            if c == "=" || c == "<" || c == ">" || c == "!" {
                flush()
                if i + 1 < chars.count, chars[i + 1] == "=" {
                    tokens.append(String(c) + "=")
                    i += 2
                } else {
                    guard c != "!" else { throw StoreError.condition("'!' must be followed by '=' (use 'not' to negate)") }
                    tokens.append(String(c))
                    i += 1
                }
                continue
            }
            current.append(c)
            i += 1
        }
        flush()
        return tokens
    }

    private var peek: String? { index < tokens.count ? tokens[index] : nil }

    private mutating func next(_ expected: String) throws(StoreError) -> String {
        guard index < tokens.count else { throw StoreError.condition("the condition ends early; expected \(expected)") }
        defer { index += 1 }
        return tokens[index]
    }

    private mutating func parseOr() throws(StoreError) -> Condition {
        var left = try parseAnd()
        while peek?.lowercased() == "or" {
            index += 1
            left = .or(left, try parseAnd())
        }
        return left
    }

    private mutating func parseAnd() throws(StoreError) -> Condition {
        var left = try parseUnary()
        while peek?.lowercased() == "and" {
            index += 1
            left = .and(left, try parseUnary())
        }
        return left
    }

    private mutating func parseUnary() throws(StoreError) -> Condition {
        let token = try next("a condition")
        switch token.lowercased() {
        case "not": return .not(try parseUnary())
        case "otherwise", "always": return .always
        case "(":
            let inner = try parseOr()
            guard try next("')'") == ")" else { throw StoreError.condition("expected ')'") }
            return inner
        default:
            guard let field = Condition.Field(rawValue: token.lowercased()) else {
                throw StoreError.condition("unknown characteristic '\(token)'; expected one of \(Condition.Field.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return try parseComparison(field)
        }
    }

    private mutating func parseComparison(_ field: Condition.Field) throws(StoreError) -> Condition {
        let opToken = try next("an operator after '\(field.rawValue)'")
        var values: [String]
        let op: Condition.Op
        if opToken.lowercased() == "in" {
            op = .eq
            guard try next("'('") == "(" else { throw StoreError.condition("expected '(' after 'in'") }
            values = []
            while true {
                values.append(try next("a value"))
                let sep = try next("',' or ')'")
                if sep == ")" { break }
                guard sep == "," else { throw StoreError.condition("expected ',' or ')' in the list, found '\(sep)'") }
            }
        } else {
            guard let o = Condition.Op(rawValue: opToken) else {
                throw StoreError.condition("expected an operator (=, !=, <, <=, >, >=, in) after '\(field.rawValue)', found '\(opToken)'")
            }
            op = o
            values = [try next("a value after '\(opToken)'")]
        }
        let ordered = op != .eq && op != .ne
        switch field {
        case .severity, .size, .indicators:
            guard values.count == 1 || !ordered else { throw StoreError.condition("'in' lists need = semantics") }
            var numbers: [Int] = []
            for v in values {
                let n: Int
                if field == .size {
                    n = try RoutingRules.byteSize(v) { StoreError.condition($0) }
                } else {
                    guard let parsed = Int(v) else { throw StoreError.condition("\(field.rawValue) compares with a number, found '\(v)'") }
                    n = parsed
                }
                if field == .severity, !(0...10).contains(n) {
                    throw StoreError.condition("severity is 1–10, found \(n)")
                }
                numbers.append(n)
            }
            return numbers.dropFirst().reduce(Condition.number(field, op, numbers[0])) { .or($0, .number(field, op, $1)) }
        case .priority:
            var conditions: [Condition] = []
            for v in values {
                guard let p = Priority(name: v) else { throw StoreError.condition("priority is \(Priority.names), found '\(v)'") }
                conditions.append(.priority(op, p))
            }
            return conditions.dropFirst().reduce(conditions[0]) { .or($0, $1) }
        case .latency:
            guard !ordered else { throw StoreError.condition("latency compares with = or != (or 'in')") }
            var classes: [LatencyClass] = []
            for v in values {
                guard let cls = LatencyClass(rawValue: v.lowercased()) else {
                    throw StoreError.condition("latency is realtime, interactive or batch, found '\(v)'")
                }
                classes.append(cls)
            }
            return .latency(op, classes)
        case .geo:
            guard !ordered, values.count == 1 else { throw StoreError.condition("geo compares with = yes or = no") }
            switch values[0].lowercased() {
            case "yes", "true": return op == .eq ? .geo(true) : .geo(false)
            case "no", "false": return op == .eq ? .geo(false) : .geo(true)
            default: throw StoreError.condition("geo is yes or no, found '\(values[0])'")
            }
        case .type, .source, .entity, .tag:
            guard !ordered else { throw StoreError.condition("\(field.rawValue) compares with = or != (or 'in'), not \(op.rawValue)") }
            return .text(field, op, values)
        }
    }
}
