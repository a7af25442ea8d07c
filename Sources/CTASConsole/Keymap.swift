/// A key press as the console sees it.
public enum Key: Hashable, Sendable, CustomStringConvertible {
    case character(Character)
    case control(Character)   // ctrl-a … ctrl-z, as lower-case letters
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace, delete
    case function(Int)

    /// The key's name in config files and the help overlay.
    public var description: String {
        switch self {
        case .character(" "): "space"
        case .character(let c): String(c)
        case .control(let c): "ctrl-\(c)"
        case .up: "up"
        case .down: "down"
        case .left: "left"
        case .right: "right"
        case .pageUp: "pgup"
        case .pageDown: "pgdn"
        case .home: "home"
        case .end: "end"
        case .enter: "enter"
        case .escape: "esc"
        case .tab: "tab"
        case .backTab: "shift-tab"
        case .backspace: "backspace"
        case .delete: "delete"
        case .function(let n): "f\(n)"
        }
    }

    /// Parses a key name (`q`, `space`, `ctrl-l`, `shift-tab`, `pgdn`, `f1`…).
    public init?(name: String) {
        let n = name.lowercased()
        switch n {
        case "space": self = .character(" ")
        case "up": self = .up
        case "down": self = .down
        case "left": self = .left
        case "right": self = .right
        case "pgup", "pageup": self = .pageUp
        case "pgdn", "pagedown": self = .pageDown
        case "home": self = .home
        case "end": self = .end
        case "enter", "return": self = .enter
        case "esc", "escape": self = .escape
        case "tab": self = .tab
        case "shift-tab", "backtab": self = .backTab
        case "backspace": self = .backspace
        case "delete", "del": self = .delete
        default:
            if n.hasPrefix("ctrl-"), n.count == 6, let c = n.last, c.isLetter { self = .control(c); return }
            if n.hasPrefix("f"), let k = Int(n.dropFirst()), (1...12).contains(k) { self = .function(k); return }
            guard name.count == 1, let c = name.first else { return nil }
            self = .character(c)
        }
    }
}

/// What a key asks for. The reducer applies it to the view state or turns it into an
/// engine command.
public enum Action: String, Hashable, Sendable, CaseIterable {
    case quit, help, command, filter, pause, speedUp = "speed-up", speedDown = "speed-down"
    case focusNext = "focus-next", focusPrevious = "focus-previous", maximize, redraw
    case up, down, pageUp = "page-up", pageDown = "page-down", top, live, open, back
    case left, right, zoomIn = "zoom-in", zoomOut = "zoom-out", goTo = "go-to"
    case nextHotspot = "next-hotspot", previousHotspot = "previous-hotspot", cycleWindow = "cycle-window"
    case hops1 = "hops-1", hops2 = "hops-2", hops3 = "hops-3", toggleOverCorrelated = "toggle-overcorrelated"
    case correlate
    case acknowledge, toggleSevere = "toggle-severe"
    case cycleOrder = "cycle-order"
    case toggleView = "toggle-view"
    case details
    case selectRange = "select-range", fit
    case pivotEntity = "pivot-entity", pivotType = "pivot-type", pivotSource = "pivot-source", pivotIndicator = "pivot-indicator"

    /// What the action does, for the help overlay.
    public var summary: String {
        switch self {
        case .quit: "quit (flush and checkpoint first)"
        case .help: "show or hide this help"
        case .command: "command line (:speed 10, :seek TIME, :theme NAME, :quit …)"
        case .filter: "filter events (text, sev>=7, type:…, src:…, entity:…)"
        case .pause: "pause or resume the replay"
        case .speedUp: "replay faster"
        case .speedDown: "replay slower"
        case .focusNext: "focus the next pane"
        case .focusPrevious: "focus the previous pane"
        case .maximize: "maximize or restore the focused pane"
        case .redraw: "redraw the screen"
        case .up: "move up"
        case .down: "move down"
        case .pageUp: "page up"
        case .pageDown: "page down"
        case .top: "first item"
        case .live: "back to the newest (live)"
        case .open: "open the selected item (in the correlation pane: walk to it)"
        case .back: "close, or go back"
        case .left: "move left"
        case .right: "move right"
        case .zoomIn: "zoom in"
        case .zoomOut: "zoom out"
        case .goTo: "go to a place (Paris, Kenya, DEU), lat,lng or a cell id"
        case .nextHotspot: "next hotspot"
        case .previousHotspot: "previous hotspot"
        case .cycleWindow: "cycle the time window"
        case .hops1: "one hop"
        case .hops2: "two hops"
        case .hops3: "three hops"
        case .toggleOverCorrelated: "follow over-correlating values too (or not)"
        case .correlate: "show the selected event's correlations"
        case .acknowledge: "mark the critical events so far as seen (the attention line counts new ones)"
        case .toggleSevere: "show only events of severity 7 or more in the feed (or all again)"
        case .cycleOrder: "order the list: the drilled cell's events (newest, severity, risk, type), anomalies (strongest, newest)"
        case .toggleView: "metrics pane: the engine's metrics, or the live behaviour anomalies"
        case .details: "correlation pane: the selected event's full detail (a cluster: its newest event), with its pivots"
        case .selectRange: "timeline: start a range at the cursor (move, then enter: every pane follows it)"
        case .fit: "timeline: show all of the stored events again"
        case .pivotEntity: "feed: only the selected event's entity (again: back to the filter before)"
        case .pivotType: "feed: only the selected event's type (again: back)"
        case .pivotSource: "feed: only the selected event's source (again: back)"
        case .pivotIndicator: "feed: only events holding the selected event's first indicator (again: the next one)"
        }
    }
}

/// Where a binding applies: everywhere, or only while a pane of a kind has focus.
public enum KeyContext: String, Sendable, CaseIterable, Hashable {
    case global, feed, metrics, heatmap, graph, timeline
}

/// Key bindings per context. The help overlay is generated from this, so it cannot go stale.
public struct Keymap: Sendable {
    public private(set) var bindings: [KeyContext: [Key: Action]] = [:]

    public static let standard: Keymap = {
        var map = Keymap()
        let global: [(String, Action)] = [
            ("q", .quit), ("?", .help), (":", .command), ("/", .filter), ("p", .pause), ("]", .speedUp), ("[", .speedDown),
            ("tab", .focusNext), ("shift-tab", .focusPrevious), ("z", .maximize), ("ctrl-l", .redraw), ("esc", .back),
            ("a", .acknowledge), ("!", .toggleSevere),
        ]
        let list: [(String, Action)] = [
            ("up", .up), ("k", .up), ("down", .down), ("j", .down), ("pgup", .pageUp), ("pgdn", .pageDown),
            ("home", .top), ("g", .top), ("end", .live), ("G", .live), ("enter", .open), ("c", .correlate),
            ("e", .pivotEntity), ("t", .pivotType), ("s", .pivotSource), ("i", .pivotIndicator),
        ]
        for (key, action) in global { map.bind(Key(name: key)!, to: action, in: .global) }
        for (key, action) in list { map.bind(Key(name: key)!, to: action, in: .feed) }
        let heatmap: [(String, Action)] = [
            ("up", .up), ("k", .up), ("down", .down), ("j", .down), ("left", .left), ("h", .left), ("right", .right), ("l", .right),
            ("+", .zoomIn), ("=", .zoomIn), ("-", .zoomOut), ("g", .goTo), ("n", .nextHotspot), ("N", .previousHotspot),
            ("w", .cycleWindow), ("enter", .open), ("s", .cycleOrder),
        ]
        for (key, action) in heatmap { map.bind(Key(name: key)!, to: action, in: .heatmap) }
        let graph: [(String, Action)] = [
            ("up", .up), ("k", .up), ("down", .down), ("j", .down), ("pgup", .pageUp), ("pgdn", .pageDown), ("home", .top), ("g", .top),
            ("enter", .open), ("backspace", .back),
            ("1", .hops1), ("2", .hops2), ("3", .hops3), ("o", .toggleOverCorrelated), ("d", .details),
        ]
        for (key, action) in graph { map.bind(Key(name: key)!, to: action, in: .graph) }
        let timeline: [(String, Action)] = [
            ("left", .left), ("h", .left), ("right", .right), ("l", .right), ("pgup", .pageUp), ("pgdn", .pageDown),
            ("home", .top), ("g", .top), ("end", .live), ("G", .live), ("v", .selectRange), ("space", .selectRange), ("enter", .open),
            ("+", .zoomIn), ("=", .zoomIn), ("-", .zoomOut), ("0", .fit),
        ]
        for (key, action) in timeline { map.bind(Key(name: key)!, to: action, in: .timeline) }
        let metrics: [(String, Action)] = [
            ("v", .toggleView), ("up", .up), ("k", .up), ("down", .down), ("j", .down), ("pgup", .pageUp), ("pgdn", .pageDown),
            ("home", .top), ("g", .top), ("enter", .open), ("s", .cycleOrder),
        ]
        for (key, action) in metrics { map.bind(Key(name: key)!, to: action, in: .metrics) }
        return map
    }()

    public mutating func bind(_ key: Key, to action: Action, in context: KeyContext) {
        bindings[context, default: [:]][key] = action
    }

    /// The action for `key` with a pane of `context` focused (pane bindings first).
    public func action(for key: Key, in context: KeyContext) -> Action? {
        bindings[context]?[key] ?? bindings[.global]?[key]
    }

    /// Applies a config file's `[keys]` (global) and `[keys.feed]`-style tables:
    /// `action = "key"` or `action = ["key", "key"]`. A rebound action loses its old keys in
    /// that context.
    public mutating func apply(_ doc: TOMLDocument) throws(ConfigError) {
        for entry in doc.entries where entry.table == "keys" || entry.table.hasPrefix("keys.") {
            func fail(_ message: String) -> ConfigError { ConfigError("\(doc.origin):\(entry.line): \(message)") }
            let contextName = entry.table == "keys" ? "global" : String(entry.table.dropFirst(5))
            guard let context = KeyContext(rawValue: contextName) else {
                throw fail("unknown table [\(entry.table)]; expected [keys] or [keys.feed], [keys.metrics], [keys.heatmap], [keys.graph], [keys.timeline]")
            }
            guard let action = Action(rawValue: entry.key) else {
                throw fail("unknown action '\(entry.key)'; expected one of \(Action.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let names: [String]
            switch entry.value {
            case .string(let s): names = [s]
            case .array(let items): names = items.compactMap(\.string)
            default: throw fail("'\(entry.key)': expected a key name or a list of key names")
            }
            var keys: [Key] = []
            for name in names {
                guard let key = Key(name: name) else {
                    throw fail("'\(entry.key)': '\(name)' is not a key; expected a character, space, enter, esc, tab, shift-tab, up, down, left, right, pgup, pgdn, home, end, backspace, ctrl-X or fN")
                }
                keys.append(key)
            }
            bindings[context] = bindings[context]?.filter { $0.value != action }
            for key in keys { bind(key, to: action, in: context) }
        }
    }

    /// The shortest key bound to an action in a context (or globally), for hints on screen.
    public func key(for action: Action, in context: KeyContext) -> String? {
        let keys = (bindings[context] ?? [:]).merging(bindings[.global] ?? [:]) { pane, _ in pane }
            .filter { $0.value == action }.map(\.key.description)
        return keys.sorted { $0.count == $1.count ? $0 < $1 : $0.count < $1.count }.first
    }

    /// Help lines for a context: each action once, with all its keys.
    public func helpLines(for context: KeyContext) -> [(keys: String, summary: String)] {
        guard let map = bindings[context] else { return [] }
        var byAction: [Action: [Key]] = [:]
        for (key, action) in map { byAction[action, default: []].append(key) }
        return Action.allCases.compactMap { action in
            guard let keys = byAction[action] else { return nil }
            return (keys.map(\.description).sorted { $0.count == $1.count ? $0 < $1 : $0.count < $1.count }.joined(separator: " "), action.summary)
        }
    }
}
