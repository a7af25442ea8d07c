/// What the correlation graph is asked about: an event (by id) or an indicator.
public enum GraphFocus: Hashable, Sendable, CustomStringConvertible {
    case event(String)
    case indicator(Indicator)

    public var description: String {
        switch self {
        case .event(let id): "event \(id)"
        case .indicator(let indicator): "\(indicator.kind.name) \(indicator.value)"
        }
    }
}

/// A neighbors question: around `focus`, events up to `hops` event-to-event steps away
/// (two events are one step apart when they share an indicator).
public struct NeighborQuery: Hashable, Sendable {
    public var focus: GraphFocus
    /// 1…3.
    public var hops: Int
    /// Neighbor events returned at most (nearest, then newest, first); the rest are counted.
    public var limit: Int
    /// Expand indicators seen in more than `overcorrelationThreshold` events too.
    public var includeOvercorrelated: Bool
    public var overcorrelationThreshold: Int

    public init(focus: GraphFocus, hops: Int = 1, limit: Int = 50, includeOvercorrelated: Bool = false,
                overcorrelationThreshold: Int = CorrelationGraph.defaultOvercorrelationThreshold) {
        self.focus = focus
        self.hops = min(3, max(1, hops))
        self.limit = max(0, limit)
        self.includeOvercorrelated = includeOvercorrelated
        self.overcorrelationThreshold = max(1, overcorrelationThreshold)
    }
}

/// An event as the graph knows it (the graph outlives the warm tier, so it keeps these).
public struct GraphEvent: Hashable, Sendable {
    public var id: String
    public var time: Timestamp
    public var type: String
    public var severity: Severity?
    public var indicatorCount: Int

    public init(id: String, time: Timestamp, type: String, severity: Severity?, indicatorCount: Int) {
        self.id = id
        self.time = time
        self.type = type
        self.severity = severity
        self.indicatorCount = indicatorCount
    }
}

/// An indicator node with how many events hold it and why it may not be expanded.
public struct GraphIndicator: Hashable, Sendable {
    public var indicator: Indicator
    public var events: Int
    /// Seen in more events than the threshold: kept and shown, not expanded by default.
    public var overcorrelated: Bool
    /// The warninglist section that lists it: it never links events.
    public var warninglisted: String?

    public init(indicator: Indicator, events: Int, overcorrelated: Bool, warninglisted: String?) {
        self.indicator = indicator
        self.events = events
        self.overcorrelated = overcorrelated
        self.warninglisted = warninglisted
    }

    /// Whether the graph follows this indicator from event to event under `query`.
    public func isExpanded(includeOvercorrelated: Bool) -> Bool {
        warninglisted == nil && (includeOvercorrelated || !overcorrelated)
    }
}

/// One neighbor event: how far from the focus, the indicator that first reached it, and the
/// event one hop nearer whose indicator that was (the reach as a tree).
public struct GraphNeighbor: Hashable, Sendable {
    public var event: GraphEvent
    public var distance: Int
    public var via: Indicator
    /// The id of the event one hop nearer that led here; nil when the focus itself did (the
    /// focus event's neighbours, or the events holding a focus indicator).
    public var parent: String?

    public init(event: GraphEvent, distance: Int, via: Indicator, parent: String? = nil) {
        self.event = event
        self.distance = distance
        self.via = via
        self.parent = parent
    }
}

/// The answer to a `NeighborQuery`: the focus, its indicators, and its neighbor events.
public struct Neighborhood: Hashable, Sendable {
    public var query: NeighborQuery
    /// The focus event (nil when the focus is an indicator).
    public var event: GraphEvent?
    /// The focus event's indicators, or the focus indicator alone; by kind, then value.
    public var indicators: [GraphIndicator]
    /// Nearest first, newest first within a distance; at most `query.limit`.
    public var neighbors: [GraphNeighbor]
    /// All neighbor events found (`neighbors` plus those beyond the limit).
    public var total: Int
    /// All neighbor events found, by the kind of the indicator that reached them.
    public var totalByKind: [IndicatorKind: Int]
    /// All neighbor events found per distance (index 0: one hop).
    public var totalByDistance: [Int] = []
    /// Indicators met but not expanded.
    public var skippedOvercorrelated: Int
    public var skippedWarninglisted: Int
    /// The values met and not followed, named (the first 20 met; most events first), so
    /// the analyst can judge them and follow one on purpose.
    public var notFollowed: [GraphIndicator] = []
    /// True when the search stopped at its work budget (a huge expansion): counts are lower bounds.
    public var truncated: Bool

    public init(query: NeighborQuery, event: GraphEvent?, indicators: [GraphIndicator], neighbors: [GraphNeighbor], total: Int,
                totalByKind: [IndicatorKind: Int], skippedOvercorrelated: Int, skippedWarninglisted: Int, truncated: Bool) {
        self.query = query
        self.event = event
        self.indicators = indicators
        self.neighbors = neighbors
        self.total = total
        self.totalByKind = totalByKind
        self.skippedOvercorrelated = skippedOvercorrelated
        self.skippedWarninglisted = skippedWarninglisted
        self.truncated = truncated
    }

    /// Neighbors beyond the limit.
    public var more: Int { max(0, total - neighbors.count) }
}
