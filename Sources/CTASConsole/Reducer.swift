import CTASCore
import CTASEngine

/// Applies keys to the view state and says what else must happen (engine commands, a theme
/// to load, history to fetch). Pure: the tests drive it without a terminal.
public struct Reducer: Sendable {
    public let keymap: Keymap

    public init(keymap: Keymap) { self.keymap = keymap }

    /// What the reducer needs to know of the screen: the feed's list and its visible rows.
    public struct Context {
        public var snapshot: Snapshot
        public var feedList: FeedList
        public var feedRows: Int
        /// Visible list rows of the correlation pane.
        public var graphRows: Int
        /// The heatmap's map, in characters (0×0 when not shown), and its drill-down rows.
        public var heatmapSize: (width: Int, height: Int)
        public var drillRows: Int
        /// Bar columns of the timeline pane (0 when not shown).
        public var timelineColumns: Int
        public var now: Timestamp

        public init(snapshot: Snapshot, feedList: FeedList, feedRows: Int, graphRows: Int = 10,
                    heatmapSize: (width: Int, height: Int) = (0, 0), drillRows: Int = 10, timelineColumns: Int = 0,
                    now: Timestamp = .now()) {
            self.timelineColumns = timelineColumns
            self.heatmapSize = heatmapSize
            self.drillRows = drillRows
            self.snapshot = snapshot
            self.feedList = feedList
            self.feedRows = feedRows
            self.graphRows = graphRows
            self.now = now
        }
    }

    public func handle(_ key: Key, state: inout ViewState, context: Context) -> [Effect] {
        if state.prompt != nil { return editPrompt(key, state: &state, context: context) }
        if let overlay = state.overlay {
            switch overlay {
            case .help:
                switch key {
                case .down, .character("j"): state.overlayScroll += 1
                case .up, .character("k"): state.overlayScroll = max(0, state.overlayScroll - 1)
                case .pageDown: state.overlayScroll += 10
                case .pageUp: state.overlayScroll = max(0, state.overlayScroll - 10)
                default:
                    state.overlay = nil
                    state.overlayScroll = 0
                }
            case .detail(let event):
                // The original record can be long: the same keys scroll it. Tab selects a field
                // to act on (DetailTarget).
                switch key {
                case .down, .character("j"): state.overlayScroll += 1
                case .up, .character("k"): state.overlayScroll = max(0, state.overlayScroll - 1)
                case .pageDown, .character(" "): state.overlayScroll += 10
                case .pageUp: state.overlayScroll = max(0, state.overlayScroll - 10)
                case .tab, .backTab:
                    let count = DetailTarget.targets(of: event, links: state.detailLinks).count
                    guard count > 0 else { break }
                    state.detailSelected = (state.detailSelected + (key == .tab ? 1 : count - 1)) % count
                case .enter, .character("c"), .character("m"), .character("y"):
                    return detailAction(key, event: event, state: &state, context: context)
                default:
                    state.overlay = nil
                    state.overlayScroll = 0
                }
            }
            return []
        }
        guard let action = keymap.action(for: key, in: state.focus.context) else { return [] }
        return perform(action, state: &state, context: context)
    }

    public func perform(_ action: Action, state: inout ViewState, context: Context) -> [Effect] {
        switch action {
        case .quit:
            state.quitRequested = true
        case .help:
            state.overlay = .help
            state.overlayScroll = 0
        case .command:
            state.prompt = Prompt(kind: .command, text: "", historyIndex: nil)
        case .filter:
            state.prompt = Prompt(kind: .filter, text: state.feed.filter.text, historyIndex: nil)
        case .pause:
            return [.engine(.togglePause)]
        case .acknowledge:
            state.criticalSeen = context.snapshot.attention.critical
            state.say("critical events so far marked seen", error: false, now: context.now)
        case .pivotEntity, .pivotType, .pivotSource, .pivotIndicator:
            return pivot(action, state: &state, context: context)
        case .toggleSevere:
            let filter = state.feed.filter.togglingSevere()
            state.filterHistory.append(filter.text)
            return setFilter(filter, state: &state)
        case .speedUp:
            return [.engine(.speed(context.snapshot.replay.speed.stepped(up: true)))]
        case .speedDown:
            return [.engine(.speed(context.snapshot.replay.speed.stepped(up: false)))]
        case .focusNext, .focusPrevious:
            guard let i = state.panes.firstIndex(of: state.focus), !state.panes.isEmpty else { break }
            let step = action == .focusNext ? 1 : state.panes.count - 1
            state.focus = state.panes[(i + step) % state.panes.count]
        case .maximize:
            state.maximized.toggle()
        case .redraw:
            state.needsFullRedraw = true
            return [.redraw]
        case .back:
            if state.focus == .timeline, state.timeline.anchor != nil {
                state.timeline.anchor = nil
                state.say("selection dropped", now: context.now)
                return []
            }
            if state.focus == .heatmap, state.heatmap.drill != nil {
                state.heatmap.drill = nil
                return [.queryHeatmap]
            }
            if state.focus == .graph, let previous = state.graph.history.popLast() {
                state.graph.focus = previous
                state.graph.changed()
                return [.queryGraph]
            }
            if state.focus == .graph, state.graph.focus != nil {
                // At the start of a walk: back to the strongest clusters.
                state.graph.focus = nil
                state.graph.result = nil
                state.graph.changed()
                return [.queryClusters]
            }
            if state.range != nil {
                return follow(nil, state: &state, context: context)
            }
            if state.maximized {
                state.maximized = false
            } else if !state.feed.filter.isEmpty {
                return setFilter(.all, state: &state)
            }
        case .selectRange, .fit:
            if state.focus == .timeline { return timelineAction(action, state: &state, context: context) }
        case .toggleView:
            if state.focus == .metrics { return anomaliesAction(action, state: &state, context: context) }
        case .details:
            guard state.focus == .graph else { break }
            if state.graph.focus == nil {
                let clusters = state.graph.clusters ?? []
                guard !clusters.isEmpty else { break }
                return [.openEvent(clusters[min(clusters.count - 1, state.graph.clusterSelected)].newest.id)]
            }
            guard let result = state.graph.result else { break }
            let rows = GraphPane.rows(result)
            let selectable = GraphPane.selectable(rows)
            if selectable.indices.contains(state.graph.selected), case .event(let id) = rows[selectable[state.graph.selected]].target {
                return [.openEvent(id)]
            }
            // An indicator row: the focus event, when the focus is one.
            if case .event(let id) = state.graph.focus { return [.openEvent(id)] }
        case .left, .right, .zoomIn, .zoomOut, .goTo, .nextHotspot, .previousHotspot, .cycleWindow, .cycleOrder:
            if state.focus == .metrics { return anomaliesAction(action, state: &state, context: context) }
            if state.focus == .heatmap { return heatmapAction(action, state: &state, context: context) }
            if state.focus == .timeline { return timelineAction(action, state: &state, context: context) }
        case .up, .down, .pageUp, .pageDown, .top, .live, .open:
            if state.focus == .metrics { return anomaliesAction(action, state: &state, context: context) }
            if state.focus == .heatmap { return heatmapAction(action, state: &state, context: context) }
            if state.focus == .timeline { return timelineAction(action, state: &state, context: context) }
            if state.focus == .graph { return navigateGraph(action, state: &state, context: context) }
            guard state.focus == .feed else { break }
            let before = state.feed.selected
            var effects = navigateFeed(action, state: &state, context: context)
            if state.feed.selected != before || action == .top { effects += followFeedSelection(state: &state, context: context) }
            return effects
        case .correlate:
            let list = FeedList.events(context.snapshot, state.feed)
            guard list.indices.contains(state.feed.selected), state.panes.contains(.graph) else { break }
            state.focus = .graph
            let target = GraphFocus.event(list[state.feed.selected].id)
            guard state.graph.focus != target else { break }
            state.graph.move(to: target, resetting: true)
            return [.queryGraph]
        case .hops1, .hops2, .hops3:
            let hops = action == .hops1 ? 1 : action == .hops2 ? 2 : 3
            guard state.graph.hops != hops else { break }
            state.graph.hops = hops
            state.graph.changed()
            return state.graph.focus == nil ? [] : [.queryGraph]
        case .toggleOverCorrelated:
            state.graph.includeOvercorrelated.toggle()
            state.graph.changed()
            state.say(state.graph.includeOvercorrelated ? "following over-correlating values too" : "over-correlating values shown, not followed",
                      now: context.now)
            return state.graph.focus == nil ? [] : [.queryGraph]
        }
        return []
    }

    // MARK: feed

    private func navigateFeed(_ action: Action, state: inout ViewState, context: Context) -> [Effect] {
        var feed = state.feed
        let rows = max(1, context.feedRows)
        var list = context.feedList
        if action == .live {
            feed.following = true
            feed.frozen = nil
            feed.selected = 0
            feed.scroll = 0
            state.feed = feed
            return []
        }
        if action == .open {
            guard list.indices.contains(feed.selected) else { return [] }
            state.overlay = .detail(list[feed.selected])
            state.detailLinks = nil
            state.detailSelected = 0
            return [.describeEvent(list[feed.selected].id)]
        }
        if feed.following {
            // Hold the list still while the analyst reads it.
            feed.following = false
            feed.frozen = Array(list.prefix(context.snapshot.recent.count))
            list = FeedList.events(context.snapshot, feed)
        }
        let last = max(0, list.count - 1)
        switch action {
        case .up: feed.selected = max(0, feed.selected - 1)
        case .down: feed.selected = min(last, feed.selected + 1)
        case .pageUp: feed.selected = max(0, feed.selected - rows)
        case .pageDown: feed.selected = min(last, feed.selected + rows)
        case .top: feed.selected = 0
        default: break
        }
        if feed.selected < feed.scroll { feed.scroll = feed.selected }
        if feed.selected >= feed.scroll + rows { feed.scroll = feed.selected - rows + 1 }
        state.feed = feed
        return FeedList.needsHistory(listCount: list.count, feed: feed, rows: rows) ? [.fetchHistory] : []
    }

    /// Moving through the feed shows the selected event's correlations (a new walk).
    private func followFeedSelection(state: inout ViewState, context: Context) -> [Effect] {
        guard state.panes.contains(.graph) else { return [] }
        let list = FeedList.events(context.snapshot, state.feed)
        guard list.indices.contains(state.feed.selected) else { return [] }
        let focus = GraphFocus.event(list[state.feed.selected].id)
        guard state.graph.focus != focus else { return [] }
        state.graph.move(to: focus, resetting: true)
        return [.queryGraph]
    }

    // MARK: graph

    private func navigateGraph(_ action: Action, state: inout ViewState, context: Context) -> [Effect] {
        if state.graph.focus == nil { return navigateClusters(action, state: &state, context: context) }
        var graph = state.graph
        guard let result = graph.result else { return [] }
        let rows = GraphPane.rows(result)
        let selectable = GraphPane.selectable(rows)
        guard !selectable.isEmpty else { return [] }
        let page = max(1, context.graphRows - 1)
        let last = selectable.count - 1
        switch action {
        case .up: graph.selected = max(0, graph.selected - 1)
        case .down: graph.selected = min(last, graph.selected + 1)
        case .pageUp: graph.selected = max(0, graph.selected - page)
        case .pageDown: graph.selected = min(last, graph.selected + page)
        case .top, .live: graph.selected = 0
        case .open:
            let index = selectable[min(last, graph.selected)]
            guard let target = rows[index].target else { return [] }
            graph.move(to: target)
            state.graph = graph
            return [.queryGraph]
        default: break
        }
        graph.selected = min(last, graph.selected)
        // Keep the selected row, and the heading above the first, on screen.
        let row = selectable[graph.selected]
        let visible = max(1, context.graphRows)
        if graph.selected == 0 { graph.scroll = 0 }
        if row < graph.scroll { graph.scroll = row }
        if row >= graph.scroll + visible { graph.scroll = row - visible + 1 }
        state.graph = graph
        return []
    }

    /// With nothing focused the pane lists clusters: move through them; enter focuses the
    /// selected cluster's newest event.
    private func navigateClusters(_ action: Action, state: inout ViewState, context: Context) -> [Effect] {
        let clusters = state.graph.clusters ?? []
        guard !clusters.isEmpty else { return [] }
        let last = clusters.count - 1
        let page = max(1, context.graphRows / 2)
        switch action {
        case .up: state.graph.clusterSelected = max(0, state.graph.clusterSelected - 1)
        case .down: state.graph.clusterSelected = min(last, state.graph.clusterSelected + 1)
        case .pageUp: state.graph.clusterSelected = max(0, state.graph.clusterSelected - page)
        case .pageDown: state.graph.clusterSelected = min(last, state.graph.clusterSelected + page)
        case .top, .live: state.graph.clusterSelected = 0
        case .open:
            let cluster = clusters[min(last, state.graph.clusterSelected)]
            state.graph.move(to: .event(cluster.newest.id), resetting: true)
            return [.queryGraph]
        default: break
        }
        state.graph.clusterSelected = min(last, state.graph.clusterSelected)
        return []
    }

    /// Narrows the feed to the selected event's entity, type, source or indicator (exact
    /// match); the same key again moves to its next indicator, or back to the filter before.
    private func pivot(_ action: Action, state: inout ViewState, context: Context) -> [Effect] {
        let list = context.feedList
        let field = switch action {
        case .pivotEntity: "entity"
        case .pivotType: "type"
        case .pivotSource: "src"
        default: "ind"
        }
        guard list.indices.contains(state.feed.selected) else {
            // A pivot's list can be empty while its stored history loads: the same key still
            // goes back, as its message promised.
            if let before = state.feed.beforePivot, state.feed.filter.text.hasPrefix(field + "=") {
                return pivotBack(to: before, state: &state, context: context)
            }
            state.say("no event selected to pivot on", error: true, now: context.now)
            return []
        }
        let e = list[state.feed.selected]
        let (label, values): (String, [String]) = switch action {
        case .pivotEntity: ("entity", e.entity.map { [$0] } ?? [])
        case .pivotType: ("type", [e.type])
        case .pivotSource: ("source", e.source.map { [$0] } ?? [])
        default: ("indicator", e.indicators)
        }
        // A filter term is one word: values with spaces or quotes cannot be one.
        let terms = values.filter { !$0.isEmpty && !$0.contains(where: { $0 == " " || $0 == "\"" }) }.map { field + "=" + $0 }
        guard !terms.isEmpty else {
            state.say(values.isEmpty ? "this event has no \(label)" : "its \(label) has spaces or quotes; filter with / instead",
                      error: true, now: context.now)
            return []
        }
        let current = state.feed.filter.text
        let next: String? = if let k = terms.firstIndex(of: current) { k + 1 < terms.count ? terms[k + 1] : nil } else { terms[0] }
        let before = state.feed.beforePivot ?? state.feed.filter
        guard let next, let filter = try? EventFilter(parsing: next) else {
            return pivotBack(to: before, state: &state, context: context)
        }
        let effects = setFilter(filter, state: &state)
        state.feed.beforePivot = before
        state.say("feed: " + SafeText.sanitize(next) + " (same key: " + (field == "ind" ? "next indicator or back" : "back") + ")",
                  error: false, now: context.now)
        return effects
    }

    /// Ends a pivot: the feed's filter is again the one before it.
    private func pivotBack(to before: EventFilter, state: inout ViewState, context: Context) -> [Effect] {
        let effects = setFilter(before, state: &state)
        state.say(before.isEmpty ? "feed: every event again" : "feed: filter " + SafeText.sanitize(before.text) + " again", error: false, now: context.now)
        return effects
    }

    /// The feed's filter changes; unless told not to, the range the other panes follow becomes
    /// the filter's own `time>=… time<…` span (typed, or dropped by a pivot or edit).
    func setFilter(_ filter: EventFilter, state: inout ViewState, syncRange: Bool = true) -> [Effect] {
        var effects: [Effect] = []
        if syncRange, filter.timeRange != state.range {
            state.range = filter.timeRange
            state.heatmap.range = state.range
            state.graph.range = state.range
            state.graph.clusters = nil
            state.graph.clusterSelected = 0
            effects = [.queryHeatmap, .queryClusters]
        }
        state.feed.beforePivot = nil
        state.feed.filter = filter
        state.feed.selected = 0
        state.feed.scroll = 0
        state.feed.following = true
        state.feed.frozen = nil
        state.feed.resetHistory()
        return effects + [.fetchHistory]
    }

    // MARK: prompt

    private func editPrompt(_ key: Key, state: inout ViewState, context: Context) -> [Effect] {
        guard var prompt = state.prompt else { return [] }
        let history = prompt.kind == .command ? state.commandHistory : prompt.kind == .filter ? state.filterHistory : []
        switch key {
        case .escape:
            state.prompt = nil
            return []
        case .enter:
            state.prompt = nil
            let text = prompt.text.trimmingCharacters(in: " ")
            if prompt.kind == .command {
                if !text.isEmpty { state.commandHistory.append(text) }
                return runCommand(text, state: &state, context: context)
            }
            if prompt.kind == .goTo {
                return text.isEmpty ? [] : goTo(text, state: &state, context: context)
            }
            do throws(FilterError) {
                let filter = try EventFilter(parsing: text)
                if !text.isEmpty { state.filterHistory.append(text) }
                return setFilter(filter, state: &state)
            } catch {
                state.prompt = prompt   // keep what was typed, to correct it
                state.say("filter: \(error.message)", error: true, now: context.now)
                return []
            }
        case .backspace, .delete:
            if prompt.text.isEmpty {
                state.prompt = nil
                return []
            }
            prompt.text.removeLast()
        case .control("u"):
            prompt.text = ""
        case .tab:
            complete(&prompt, state: &state, now: context.now)
        case .up:
            guard !history.isEmpty else { break }
            let i = max(0, (prompt.historyIndex ?? history.count) - 1)
            prompt.historyIndex = i
            prompt.text = history[i]
        case .down:
            guard let i = prompt.historyIndex else { break }
            if i + 1 < history.count {
                prompt.historyIndex = i + 1
                prompt.text = history[i + 1]
            } else {
                prompt.historyIndex = nil
                prompt.text = ""
            }
        case .character(let c):
            guard !c.isNewline, c.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }),
                  prompt.text.count < 512 else { break }
            prompt.text.append(c)
        default:
            break
        }
        state.prompt = prompt
        return []
    }

    public func runCommand(_ text: String, state: inout ViewState, context: Context) -> [Effect] {
        let words = text.split(separator: " ", maxSplits: 1).map(String.init)
        guard let word = words.first else { return [] }
        let argument = words.count > 1 ? words[1].trimmingCharacters(in: " ") : ""
        func fail(_ message: String) -> [Effect] {
            state.say(message, error: true, now: context.now)
            return []
        }
        guard let verb = ConsoleVerb(word: word) else { return fail("unknown command ':\(word)'; try :help") }
        switch verb {
        case .quit:
            state.quitRequested = true
        case .help:
            state.overlay = .help
        case .pause, .resume, .speed, .seek:
            // The engine's own words; relative times count back from the event clock.
            let command: EngineCommand?
            do throws(CommandError) {
                command = try EngineCommand(verb: verb.rawValue, argument: argument,
                                            eventClock: context.snapshot.replay.eventTime ?? context.now)
            } catch {
                return fail(":\(error)")
            }
            guard let command else { return [] }
            switch command {
            case .speed(let speed): state.say("speed \(speed)", now: context.now)
            case .seek(let target):
                state.feed.following = true
                state.feed.frozen = nil
                // The timeline shows where the replay goes: its cursor moves there (▼ follows
                // as the replay gets there).
                state.timeline.cursor = target
                if let zoom = state.timeline.zoom, !zoom.contains(target) { state.timeline.zoom = nil }
                state.say("seeking to \(target.rfc3339) (the timeline's cursor marks it)", now: context.now)
            default: break
            }
            return [.engine(command)]
        case .theme:
            return [.loadTheme(argument)]
        case .themes:
            return [.loadTheme("")]
        case .filter:
            do throws(FilterError) {
                return setFilter(try EventFilter(parsing: argument), state: &state)
            } catch {
                return fail("filter: \(error.message)")
            }
        case .sort:
            guard let order = FeedOrder(rawValue: argument.lowercased()) else { return fail(":sort \(SafeText.sanitize(argument)): expected time or risk") }
            state.feed.order = order
            state.feed.selected = 0
            state.feed.scroll = 0
            state.focus = .feed
        case .live:
            return perform(.live, state: &state, context: context)
        case .focus:
            guard let pane = PaneKind(named: argument), state.panes.contains(pane) else {
                return fail(":focus \(SafeText.sanitize(argument)): expected one of "
                            + state.panes.map { "\($0.rawValue) (\($0.title.lowercased()))" }.joined(separator: ", "))
            }
            state.focus = pane
            let word = argument.lowercased()
            if pane == .metrics { state.anomalies.shown = word.hasPrefix("anomal") }
        case .graph:
            guard !argument.isEmpty else { return fail(":graph needs an event id or an indicator value") }
            guard state.panes.contains(.graph) else { return fail(":graph: the correlation pane is not shown") }
            return [.findInGraph(argument)]
        case .export:
            return export(argument, state: &state, context: context)
        case .hops:
            guard let n = Int(argument), (1...3).contains(n) else { return fail(":hops \(argument): expected 1, 2 or 3") }
            return perform(n == 1 ? .hops1 : n == 2 ? .hops2 : .hops3, state: &state, context: context)
        case .goto:
            guard state.panes.contains(.heatmap) else { return fail(":goto: the heatmap pane is not shown") }
            return goTo(argument, state: &state, context: context)
        case .window:
            guard let window = GeoWindow(rawValue: argument.lowercased()) else { return fail(":window \(argument): expected 1h, 24h or all") }
            state.heatmap.window = window
            state.heatmap.hotspotIndex = nil
            return [.queryHeatmap]
        case .weight:
            guard let weighting = GeoWeighting(rawValue: argument.lowercased()) else { return fail(":weight \(argument): expected count or severity") }
            state.heatmap.weighting = weighting
            state.heatmap.hotspotIndex = nil
            return [.queryHeatmap]
        case .k:
            guard let k = Int(argument), (1...5).contains(k) else { return fail(":k \(argument): expected 1 to 5") }
            state.heatmap.k = k
            state.heatmap.hotspotIndex = nil
            return [.queryHeatmap]
        case .maximize:
            state.maximized.toggle()
        }
        return []
    }

    /// Tab in the `:` prompt: completes the verb being typed (the common prefix of the verbs
    /// it could be; one verb gets a space after it), and says the choices when there are several.
    func complete(_ prompt: inout Prompt, state: inout ViewState, now: Timestamp) {
        guard prompt.kind == .command, !prompt.text.contains(" ") else { return }
        let matches = ConsoleVerb.completions(of: prompt.text)
        guard let first = matches.first else { return }
        if matches.count == 1 {
            prompt.text = first.rawValue + " "
            return
        }
        var common = first.rawValue
        for verb in matches.dropFirst() {
            while !verb.rawValue.hasPrefix(common) { common.removeLast() }
        }
        if common.count > prompt.text.count { prompt.text = common }
        state.say(matches.map { ":" + $0.rawValue }.joined(separator: " "), now: now)
    }
}
