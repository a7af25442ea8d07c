import CTASCore
import CTASEngine

/// The console's panes. Heatmap and graph take their place in the layout once they exist.
public enum PaneKind: String, Sendable, CaseIterable, Hashable {
    case feed, heatmap, graph, metrics, timeline

    public var title: String {
        switch self {
        case .feed: "Feed"
        case .heatmap: "Threat density"
        case .graph: "Correlation"
        case .metrics: "Metrics"
        case .timeline: "Timeline"
        }
    }

    /// A word for the tab bar when the titles do not fit beside the hint.
    public var shortTitle: String {
        switch self {
        case .feed: "Feed"
        case .heatmap: "Map"
        case .graph: "Graph"
        case .metrics: "Metrics"
        case .timeline: "Time"
        }
    }

    /// The pane a typed name means: its `:focus` name or a word of its title (`correlation`,
    /// `density`, `threat-density`, `map`), any case.
    public init?(named name: String) {
        let word = name.lowercased()
        if let pane = PaneKind(rawValue: word) { self = pane; return }
        switch word {
        case "correlation", "correlations": self = .graph
        case "density", "threat-density", "threat", "map": self = .heatmap
        case "performance", "anomalies", "anomaly": self = .metrics
        case "events": self = .feed
        case "time", "histogram": self = .timeline
        default: return nil
        }
    }

    public var context: KeyContext {
        switch self {
        case .feed: .feed
        case .heatmap: .heatmap
        case .graph: .graph
        case .metrics: .metrics
        case .timeline: .timeline
        }
    }
}

/// What the feed pane shows and where the analyst is in it.
/// How the feed orders what it lists.
public enum FeedOrder: String, Sendable, CaseIterable {
    /// Newest first (arrival order, then the store's history).
    case time
    /// Highest risk score first; equal scores newest first; events never scored last.
    case risk
}

public struct FeedViewState: Sendable {
    public var filter: EventFilter = .all
    public var order: FeedOrder = .time
    /// The filter before a pivot key (`e`, `t`, `s`, `i`) replaced it: the same key again
    /// goes back to it. Any other change of filter forgets it.
    public var beforePivot: EventFilter?
    /// Index of the selected event in the displayed list (0: the newest).
    public var selected = 0
    /// First displayed row.
    public var scroll = 0
    /// While following, the list moves with new events; once the analyst moves, it holds
    /// still (`frozen` keeps the list as it was) until `live` is asked for.
    public var following = true
    public var frozen: [Event]?
    /// Older events fetched from the store for the current filter, newest first.
    public var history: [Event] = []
    public var historyNext: Int64?
    public var historyStarted = false
    public var historyExhausted = false
    public var historyLoading = false
    /// Bumped when the filter changes, so a page for the old filter is ignored.
    public var historyGeneration = 0

    public init() {}

    mutating func resetHistory() {
        history = []
        historyNext = nil
        historyStarted = false
        historyExhausted = false
        historyLoading = false
        historyGeneration += 1
    }
}

/// What the correlation pane shows: a focus (event or indicator) and the walk that led
/// there, the hop depth, and the engine's latest answer.
public struct GraphViewState: Sendable {
    public var focus: GraphFocus?
    /// Earlier foci, most recent last (Backspace returns to them).
    public var history: [GraphFocus] = []
    public var hops = 1
    public var includeOvercorrelated = false
    /// Index of the selected row among the pane's selectable rows.
    public var selected = 0
    public var scroll = 0
    /// The answer for the current question (nil until it arrives).
    public var result: Neighborhood?
    public var loading = false
    /// The focus was asked for but the graph does not hold it (yet).
    public var missing = false
    /// Bumped whenever the question changes, so a late answer to an old one is ignored.
    public var generation = 0
    /// Neighbor events asked for per query.
    public static let limit = 200
    /// With nothing focused: the strongest clusters of recent events (nil until asked).
    public var clusters: [EventCluster]?
    public var clusterSelected = 0
    /// The clusters' span of event time (the timeline's selection; nil: the newest events).
    public var range: TimeRange?

    public init() {}

    /// The question the pane asks the engine.
    public func query(threshold: Int) -> NeighborQuery? {
        focus.map { NeighborQuery(focus: $0, hops: hops, limit: Self.limit, includeOvercorrelated: includeOvercorrelated,
                                  overcorrelationThreshold: threshold) }
    }

    /// Moves the focus (remembering the current one unless `resetting` the walk).
    mutating func move(to focus: GraphFocus, resetting: Bool = false) {
        if resetting {
            history = []
        } else if let current = self.focus, current != focus {
            history.append(current)
            if history.count > 100 { history.removeFirst() }
        }
        guard self.focus != focus || resetting else { return }
        self.focus = focus
        changed()
    }

    /// The question changed: start over at the top and ask again.
    mutating func changed() {
        selected = 0
        scroll = 0
        result = nil
        missing = false
        generation += 1
    }
}

/// A line of input being typed at the bottom of the screen.
public struct Prompt: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case command, filter, goTo }
    public var kind: Kind
    public var text: String
    public var historyIndex: Int?
}

/// Something shown over the panes.
public enum Overlay: Sendable, Equatable {
    case help
    case detail(Event)
}

/// A message on the status line, until it expires.
public struct StatusMessage: Sendable, Equatable {
    public var text: String
    public var isError: Bool
    public var expires: Timestamp
}

/// An event's indicators as the correlation graph holds them, for the detail view.
public struct DetailLinks: Sendable, Equatable {
    public var eventID: String
    /// Nil when the graph does not hold the event (yet).
    public var indicators: [GraphIndicator]?
    /// Those the intelligence store holds, with their decayed score at the event's time.
    public var intel: [Indicator: Double]
    public init(eventID: String, indicators: [GraphIndicator]?, intel: [Indicator: Double] = [:]) {
        self.eventID = eventID
        self.indicators = indicators
        self.intel = intel
    }
}

/// Everything about the console that is not engine data: focus, overlays, prompts, the feed
/// view. Changed only by the reducer.
public struct ViewState: Sendable {
    public var panes: [PaneKind]
    public var focus: PaneKind
    public var maximized = false
    public var overlay: Overlay?
    public var prompt: Prompt?
    public var commandHistory: [String] = []
    public var filterHistory: [String] = []
    public var message: StatusMessage?
    public var feed = FeedViewState()
    public var graph = GraphViewState()
    public var heatmap = HeatmapViewState()
    public var timeline = TimelineViewState()
    public var anomalies = AnomaliesViewState()
    /// The span of event time selected on the timeline, which the feed (its filter), the map
    /// (its window) and the correlation pane (its clusters) follow; nil: all of it.
    public var range: TimeRange?
    public var themeName: String
    public var demo = false
    /// The detail view's event's indicators as the graph knows them (with event counts).
    public var detailLinks: DetailLinks?
    /// The detail view's selected field (an index into `DetailTarget.targets`).
    public var detailSelected = 0
    /// The critical-event total when the analyst last marked them seen (`a`).
    public var criticalSeen = 0
    public var quitRequested = false
    /// Set when the screen must be repainted from scratch.
    public var needsFullRedraw = false
    /// The help overlay's first line, when it is longer than the screen.
    public var overlayScroll = 0

    public init(panes: [PaneKind], themeName: String) {
        self.panes = panes
        focus = panes.first ?? .feed
        self.themeName = themeName
    }

    public mutating func say(_ text: String, error: Bool = false, now: Timestamp = .now()) {
        message = StatusMessage(text: text, isError: error, expires: now + .seconds(error ? 8 : 4))
    }
}

/// What handling a key asks of the outside world.
public enum Effect: Sendable, Equatable {
    case engine(EngineCommand)
    case loadTheme(String)
    case fetchHistory
    /// Ask the engine for the graph pane's current question.
    case queryGraph
    /// Ask the engine for the strongest clusters (the graph pane with nothing focused).
    case queryClusters
    /// Ask the graph how many events hold each indicator of this event (the detail view).
    case describeEvent(String)
    /// Fetch a stored event whole and open its detail (from the correlation pane).
    case openEvent(String)
    /// Find what the analyst typed (an event id or an indicator) in the graph and focus it.
    case findInGraph(String)
    /// Put a value on the clipboard (OSC 52) and in the clipboard file.
    case copy(String)
    /// Ask the engine the heatmap's densities and hot spots for its current question.
    case queryHeatmap
    /// Fetch the events of the drill-down's cell.
    case drillCell
    /// Fetch what the crosshair cell holds (types, sources).
    case summarizeCursor
    /// Write events out (`:export`).
    case export(ExportRequest)
    case redraw
}
