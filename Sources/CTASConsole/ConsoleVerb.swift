import CTASEngine

/// The commands of the `:` prompt, declared once: the reducer parses with this table, the
/// help overlay lists it and tab completes from it, so none of them can go stale. The verbs
/// the engine also takes headless (pause, resume, speed, seek) share its words.
public enum ConsoleVerb: String, CaseIterable, Sendable {
    case speed, pause, resume, seek
    case theme, themes, filter, sort, live, focus
    case graph, hops, export
    case goto, window, weight, k
    case maximize, help, quit

    /// Other words for the verb (all lower case).
    public var aliases: [String] {
        switch self {
        case .resume: ["play"]
        case .graph: ["correlate", "corr"]
        case .goto: ["go"]
        case .maximize: ["max"]
        case .help: ["h"]
        case .quit: ["q", "exit"]
        default: []
        }
    }

    /// How it is typed, for the help overlay.
    public var usage: String {
        switch self {
        case .speed: ":speed N|max"
        case .pause: ":pause"
        case .resume: ":resume"
        case .seek: ":seek TIME"
        case .theme: ":theme NAME"
        case .themes: ":themes"
        case .filter: ":filter TEXT"
        case .sort: ":sort time|risk"
        case .live: ":live"
        case .focus: ":focus PANE"
        case .graph: ":graph ID|VALUE"
        case .hops: ":hops N"
        case .export: ":export FMT FILE"
        case .goto: ":goto LAT,LNG|CELL"
        case .window: ":window 1h|24h|all"
        case .weight: ":weight count|severity"
        case .k: ":k N"
        case .maximize: ":max"
        case .help: ":help"
        case .quit: ":quit"
        }
    }

    /// What it does, for the help overlay.
    public var summary: String {
        switch self {
        case .speed, .pause, .resume, .seek:
            let engine = EngineCommand.verbs.first { $0.names.contains(rawValue) }?.summary ?? ""
            return self == .speed ? engine + " (also ] and [)" : engine
        case .theme: return "switch theme"
        case .themes: return "list the themes"
        case .filter: return "filter the feed, as /"
        case .sort: return "order the feed: newest first, or riskiest first"
        case .live: return "back to the newest events"
        case .focus: return "focus a pane: feed, metrics, graph (correlation), heatmap (density)"
        case .graph: return "correlations of an event or an indicator (evil[.]com, a hash…)"
        case .hops: return "correlation hop depth 1–3"
        case .export: return "save the pane's events: stix misp misp-feed csv zeek-intel"
        case .goto: return "centre the heatmap there"
        case .window: return "heatmap time window"
        case .weight: return "heatmap density: events or summed severity"
        case .k: return "hot spot neighbourhood rings 1–5"
        case .maximize: return "maximize the focused pane (also z)"
        case .help: return "this help"
        case .quit: return "quit"
        }
    }

    /// The verb a typed word names (its name or an alias, any case).
    public init?(word: String) {
        let lower = word.lowercased()
        guard let verb = Self.allCases.first(where: { $0.rawValue == lower || $0.aliases.contains(lower) }) else { return nil }
        self = verb
    }

    /// The verbs whose name starts with `prefix` (tab completion), in table order.
    public static func completions(of prefix: String) -> [ConsoleVerb] {
        let lower = prefix.lowercased()
        return allCases.filter { $0.rawValue.hasPrefix(lower) }
    }
}
