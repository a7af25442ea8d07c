import CTASCore

/// How fast a kind of event must be readable; the rules file maps event types to it.
public enum LatencyClass: String, CaseIterable, Sendable, Hashable {
    case realtime, interactive, batch
}

/// A routing rules file, parsed: per tier, rules tried top to bottom (first match decides
/// whether the event is placed in that tier, and why), plus retention settings and the
/// event-type → latency table.
///
/// ```
/// [latency]
/// realtime = ransomware, exfiltration, c2_beacon
/// default = interactive
///
/// [hot]
/// ttl = 7d
/// memory = 64MiB
/// place when latency = realtime            "real-time threats need sub-ms reads"
/// skip  when size > 16KiB                  "large records stay out of memory"
/// place otherwise                          "recent window for the live view"
/// ```
/// Every accepted event is stored in the warm tier (the durability contract), so `[warm]`
/// takes settings only.
public struct RoutingRules: Sendable {
    public struct Rule: Sendable {
        public var place: Bool
        public var condition: Condition
        public var reason: String
        public var line: Int
    }

    public var rules: [Tier: [Rule]] = [:]
    public var latencyByType: [String: LatencyClass] = [:]
    public var defaultLatency: LatencyClass = .interactive
    public var hotTTL: Duration = .seconds(7 * 86_400)
    public var hotMemoryBytes = 48 << 20
    public var warmRetention: Duration = .seconds(30 * 86_400)
    public var coldRetention: Duration = .seconds(5 * 365 * 86_400)
    public var graphRetention: Duration = .seconds(365 * 86_400)
    /// A value seen in more events than this is over-correlating: kept and shown with its
    /// count, not followed from event to event unless asked.
    public var overcorrelationThreshold = CorrelationGraph.defaultOvercorrelationThreshold
    /// The most memory the graph's events may take in an engine that holds them (the console,
    /// replays); beyond it the oldest leave memory (their rows stay stored).
    public var graphMemoryBytes = 256 << 20
    /// Where the rules came from, for messages.
    public var origin: String

    /// The rules CTAS uses when no file is given (the same text as SampleData/routing.rules).
    public static let builtInText = """
    # CTAS tier routing rules (built-in default; SampleData/routing.rules is the same).
    [latency]
    realtime = ransomware, exfiltration, c2_beacon, lateral_movement, credential_access
    batch = port_scan, policy_violation
    default = interactive

    [hot]
    ttl = 7d
    memory = 48MiB
    place when latency = realtime                   "real-time threat types need sub-ms reads"
    place when priority >= high or severity >= 8    "high priority stays in memory"
    skip  when size > 16KiB                         "large records stay out of memory"
    skip  when latency = batch and severity <= 3    "low-value bulk telemetry skips memory"
    place otherwise                                 "recent window for the live view"

    [warm]
    retention = 30d

    [cold]
    retention = 5y
    place when latency = batch                      "bulk telemetry is archived for analytics"
    skip  otherwise                                 "kept warm only"

    [graph]
    retention = 1y
    overcorrelation = 20
    memory = 256MiB
    place when indicators > 0                       "has indicators to correlate"
    skip  otherwise                                 "nothing to correlate"
    """

    public static func builtIn() -> RoutingRules {
        // The built-in text is tested to parse; failing here would be a programming error.
        (try? RoutingRules(text: builtInText, origin: "built-in rules")) ?? RoutingRules(origin: "empty rules")
    }

    init(origin: String) { self.origin = origin }

    /// Parses rules text; errors name `origin`, the line and what was expected.
    public init(text: String, origin: String) throws(StoreError) {
        self.origin = origin
        var section: String?
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.last == "\r" { line = line.dropLast() }
            line = line.trimmed
            if line.isEmpty || line.first == "#" { continue }
            func fail(_ message: String) -> StoreError { .rules(origin: origin, line: lineNumber, problem: message) }
            if line.first == "[" {
                guard line.last == "]" else { throw fail("expected a section header like [hot]") }
                let name = String(line.dropFirst().dropLast()).trimmed.lowercased()
                guard name == "latency" || Tier(rawValue: name) != nil else {
                    throw fail("unknown section [\(name)]; expected [latency], [hot], [warm], [cold] or [graph]")
                }
                section = name
                continue
            }
            guard let section else { throw fail("expected a section header such as [hot] before rules") }
            if section == "latency" {
                guard let eq = line.firstIndex(of: "=") else { throw fail("expected 'CLASS = type, type…' in [latency]") }
                let key = line[..<eq].trimmed.lowercased()
                let values = line[line.index(after: eq)...].split(separator: ",").map { String($0.trimmed) }.filter { !$0.isEmpty }
                if key == "default" {
                    guard values.count == 1, let cls = LatencyClass(rawValue: values[0].lowercased()) else {
                        throw fail("default must be one of realtime, interactive, batch")
                    }
                    defaultLatency = cls
                } else {
                    guard let cls = LatencyClass(rawValue: String(key)) else {
                        throw fail("unknown latency class '\(key)'; expected realtime, interactive, batch or default")
                    }
                    for type in values { latencyByType[type] = cls }
                }
                continue
            }
            guard let tier = Tier(rawValue: section) else { continue }
            let words = line.split(separator: " ", maxSplits: 1).map(String.init)
            let verb = words[0].lowercased()
            if verb == "place" || verb == "skip" {
                guard tier != .warm else {
                    throw fail("[warm] takes settings only: every accepted event is stored warm (the durability contract)")
                }
                guard words.count == 2 else { throw fail("expected '\(verb) when CONDITION \"reason\"' or '\(verb) otherwise \"reason\"'") }
                let (conditionText, reason) = try Self.splitReason(words[1], fail: fail)
                var body = Substring(conditionText).trimmed
                if body.lowercased().hasPrefix("when ") { body = body.dropFirst(5).trimmed }
                let condition: Condition
                do throws(StoreError) {
                    var parser = try ConditionParser(text: String(body), latencyNames: Set(LatencyClass.allCases.map(\.rawValue)))
                    condition = try parser.parse()
                } catch {
                    throw fail(error.message)
                }
                rules[tier, default: []].append(Rule(place: verb == "place", condition: condition, reason: reason, line: lineNumber))
                continue
            }
            guard let eq = line.firstIndex(of: "=") else {
                throw fail("expected 'place when …', 'skip when …' or a setting like 'ttl = 7d'")
            }
            let key = line[..<eq].trimmed.lowercased()
            let value = String(line[line.index(after: eq)...].trimmed)
            switch (tier, key) {
            case (.hot, "ttl"): hotTTL = try Self.duration(value, fail: fail)
            case (.hot, "memory"): hotMemoryBytes = try Self.byteSize(value, fail: fail)
            case (.warm, "retention"): warmRetention = try Self.duration(value, fail: fail)
            case (.cold, "retention"): coldRetention = try Self.duration(value, fail: fail)
            case (.graph, "retention"): graphRetention = try Self.duration(value, fail: fail)
            case (.graph, "overcorrelation"):
                guard let n = Int(value), n >= 1 else { throw fail("overcorrelation must be a whole number of events, 1 or more, found '\(value)'") }
                overcorrelationThreshold = n
            case (.graph, "memory"):
                graphMemoryBytes = try Self.byteSize(value, fail: fail)
                guard graphMemoryBytes >= 1 << 20 else { throw fail("graph memory must be 1MiB or more, found '\(value)'") }
            default:
                let expected = tier == .hot ? "ttl or memory" : tier == .graph ? "retention, overcorrelation or memory" : "retention"
                throw fail("unknown setting '\(key)' in [\(tier.rawValue)]; expected \(expected)")
            }
        }
    }

    /// The latency requirement of an event type.
    public func latency(of type: String) -> LatencyClass { latencyByType[type] ?? defaultLatency }

    // MARK: helpers

    private static func splitReason(_ text: String, fail: (String) -> StoreError) throws(StoreError) -> (String, String) {
        guard text.last == "\"", let open = text.dropLast().lastIndex(of: "\"") else {
            throw fail("expected a reason in double quotes at the end of the rule")
        }
        let reason = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
        guard !reason.isEmpty else { throw fail("the reason in quotes is empty; say why the rule exists") }
        return (String(text[..<open]), reason)
    }

    /// The longest duration a rules file may set (retentions beyond it keep everything CTAS
    /// can store anyway: its times span years 0000–9999).
    public static let maximumDurationSeconds: Int64 = 10_000 * 31_536_000

    /// `30s`, `15m`, `12h`, `7d`, `2w`, `5y`, at most 10,000 years.
    public static func duration(_ text: String, fail: (String) -> StoreError) throws(StoreError) -> Duration {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800, "y": 31_536_000]
        guard let unit = text.last, let scale = units[unit], let n = Int64(text.dropLast()), n > 0 else {
            throw fail("expected a duration such as 30m, 12h, 7d or 5y, found '\(text)'")
        }
        let (seconds, overflow) = n.multipliedReportingOverflow(by: scale)
        guard !overflow, seconds <= maximumDurationSeconds else {
            throw fail("duration '\(text)' is out of range; expected at most 10000y")
        }
        return .seconds(seconds)
    }

    /// The largest size a rules file may set: 1 TiB.
    public static let maximumBytes = 1 << 40

    /// `512KiB`, `64MiB`, `1GiB`, or plain bytes.
    public static func byteSize(_ text: String, fail: (String) -> StoreError) throws(StoreError) -> Int {
        let units: [(String, Int)] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1000), ("B", 1)]
        func checked(_ n: Int, _ scale: Int) throws(StoreError) -> Int {
            let (bytes, overflow) = n.multipliedReportingOverflow(by: scale)
            guard !overflow, bytes <= maximumBytes else { throw fail("size '\(text)' is out of range; expected at most 1TiB") }
            return bytes
        }
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let n = Int(text.dropLast(suffix.count).trimmed), n >= 0 else { break }
            return try checked(n, scale)
        }
        if let n = Int(text), n >= 0 { return try checked(n, 1) }
        throw fail("expected a size such as 512KiB, 64MiB or 1GiB, found '\(text)'")
    }
}

extension StringProtocol {
    var trimmed: Substring {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}
