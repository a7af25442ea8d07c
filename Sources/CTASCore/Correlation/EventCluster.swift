/// What to look for in `CorrelationGraph.clusters`: the newest events to consider, how
/// many clusters to return, and which values are too common to link events.
public struct ClusterQuery: Hashable, Sendable {
    /// Only the newest this many events (in arrival order) are grouped.
    public var recentEvents: Int
    public var limit: Int
    /// Values in more events than this (in the whole graph) do not link (as in a walk).
    public var overcorrelationThreshold: Int
    /// Only events whose time lies in this span (the timeline's selection): the newest
    /// `recentEvents` of them.
    public var range: TimeRange?

    public init(recentEvents: Int = 20_000, limit: Int = 20,
                overcorrelationThreshold: Int = CorrelationGraph.defaultOvercorrelationThreshold, range: TimeRange? = nil) {
        self.range = range
        self.recentEvents = max(0, recentEvents)
        self.limit = max(0, limit)
        self.overcorrelationThreshold = max(1, overcorrelationThreshold)
    }
}

/// A group of recent events that share indicators (none warninglisted or over-correlating),
/// with what links them: the correlation pane's list when nothing is
/// focused.
public struct EventCluster: Hashable, Sendable {
    /// Events in the group.
    public var size: Int
    public var first: Timestamp
    public var last: Timestamp
    /// The newest event, which Enter focuses.
    public var newest: GraphEvent
    public var maximumSeverity: Severity?
    /// The values that link the most events of the group, most first (at most five), with
    /// how many of its events hold each.
    public var indicators: [(indicator: Indicator, events: Int)]
    /// Event types, most common first (at most three).
    public var types: [String]
    /// Events per twelfth of the window's time span, oldest first, for a sparkline.
    public var timeline: [Int]
    /// size × (0.5 + worst severity ÷ 20) ÷ (1 + hours between the group's newest event and
    /// the window's newest): bigger, worse and newer first; the engine multiplies it by
    /// (1 + intel score ÷ 100) once it knows the group's intelligence.
    public var score: Double
    /// The group's newest events' ids (at most `sampleLimit`), for what the graph does not
    /// keep: entities and risk, read from the warm tier by the engine.
    public var sampleIDs: [String] = []
    /// The entities of the sampled events, most events first (at most three).
    public var entities: [(name: String, events: Int)] = []
    /// The highest intelligence score (0–100) any sampled event's risk carried.
    public var intelScore: Double?
    /// The highest risk score of the sampled events.
    public var maximumRisk: Int?

    public static let sampleLimit = 200

    /// The base score (see `score`) of a group of `size` events whose worst severity is
    /// `worstSeverity` (0: none rated) and whose newest event is at `last`, in a window whose
    /// newest event is at `graphNewest` (microseconds).
    public static func score(size: Int, worstSeverity: Int, last: Int64, graphNewest: Int64) -> Double {
        let hoursBehind = Double(max(0, graphNewest &- last)) / 3_600_000_000
        return Double(size) * (0.5 + Double(worstSeverity) / 20) / (1 + hoursBehind)
    }

    public init(size: Int, first: Timestamp, last: Timestamp, newest: GraphEvent, maximumSeverity: Severity?,
                indicators: [(indicator: Indicator, events: Int)], types: [String], timeline: [Int], score: Double) {
        self.size = size
        self.first = first
        self.last = last
        self.newest = newest
        self.maximumSeverity = maximumSeverity
        self.indicators = indicators
        self.types = types
        self.timeline = timeline
        self.score = score
    }

    public static func == (a: EventCluster, b: EventCluster) -> Bool {
        a.size == b.size && a.first == b.first && a.last == b.last && a.newest == b.newest && a.maximumSeverity == b.maximumSeverity
            && a.indicators.map(\.indicator) == b.indicators.map(\.indicator) && a.indicators.map(\.events) == b.indicators.map(\.events)
            && a.types == b.types && a.timeline == b.timeline && a.score == b.score
            && a.entities.map(\.name) == b.entities.map(\.name) && a.entities.map(\.events) == b.entities.map(\.events)
            && a.intelScore == b.intelScore && a.maximumRisk == b.maximumRisk
    }

    public func hash(into h: inout Hasher) {
        h.combine(newest)
        h.combine(size)
    }
}
