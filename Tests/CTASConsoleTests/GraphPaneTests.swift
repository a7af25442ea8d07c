import CTASCore
import CTASEngine
import Testing
@testable import CTASConsole

/// A neighborhood as the engine answers it: an event with a plain, an over-correlating and a
/// warninglisted indicator, and linked events via two kinds (one beyond the limit).
func sampleNeighborhood(hostile: Bool = false, includeOvercorrelated: Bool = false) -> Neighborhood {
    let t0: Int64 = 1_795_169_730_000_000
    func event(_ id: String, _ i: Int64) -> GraphEvent {
        GraphEvent(id: id, time: Timestamp(microseconds: t0 + i * 1_000_000), type: hostile ? "c2\u{1B}]0;x\u{7}" : "c2_beacon",
                   severity: Severity(Int(i % 10) + 1), indicatorCount: 2)
    }
    let ip = Indicator(.ipv4, "185.220.101.4")
    let domain = Indicator(.domain, hostile ? "evil\u{202E}moc.com" : "evil-cdn.com")
    let indicators = [
        GraphIndicator(indicator: ip, events: 4, overcorrelated: false, warninglisted: nil),
        GraphIndicator(indicator: domain, events: 3, overcorrelated: false, warninglisted: nil),
        GraphIndicator(indicator: Indicator(.domain, "popular.net"), events: 900, overcorrelated: true, warninglisted: nil),
        GraphIndicator(indicator: Indicator(.ipv4, "8.8.8.8"), events: 5_000, overcorrelated: true, warninglisted: "public resolvers"),
    ]
    let neighbors = [
        GraphNeighbor(event: event("evt-b", 9), distance: 1, via: ip),
        GraphNeighbor(event: event("evt-c", 8), distance: 1, via: ip),
        GraphNeighbor(event: event("evt-d", 7), distance: 1, via: domain),
        GraphNeighbor(event: event("evt-e", 3), distance: 2, via: domain, parent: "evt-d"),
    ]
    return Neighborhood(query: NeighborQuery(focus: .event("evt-a"), hops: 2, limit: 4, includeOvercorrelated: includeOvercorrelated),
                        event: event("evt-a", 1), indicators: indicators, neighbors: neighbors, total: 6,
                        totalByKind: [.ipv4: 3, .domain: 3], skippedOvercorrelated: 1, skippedWarninglisted: 1, truncated: false)
}

private func graphState(_ n: Neighborhood? = sampleNeighborhood()) -> ViewState {
    var s = ViewState(panes: [.feed, .metrics, .graph], themeName: "default")
    s.focus = .graph
    s.graph.focus = .event("evt-a")
    s.graph.hops = 2
    s.graph.result = n
    return s
}

@Suite struct GraphPaneTests {
    init() { _ = utf8Locale }

    @Test func valuesNotFollowedFurtherOutAreListedAndWalkable() {
        var n = sampleNeighborhood(hostile: true)
        let far = GraphIndicator(indicator: Indicator(.domain, "cdn\u{1B}[31m.example"), events: 412, overcorrelated: true, warninglisted: nil)
        // The focus's own over-correlating value is already listed above: not repeated.
        n.notFollowed = [far, n.indicators[2]]
        let rows = GraphPane.rows(n)
        let heading = rows.firstIndex(of: .heading("not followed (1)"))
        #expect(heading != nil)
        #expect(heading.map { rows[$0 + 1] } == .indicator(far))
        #expect(rows.filter { $0 == .indicator(n.indicators[2]) }.count == 1)
        #expect(GraphPane.Row.indicator(far).target == .indicator(far.indicator), "Enter focuses it")
        var state = graphState(n)
        state.graph.result = n
        let area = Rect(x: 0, y: 0, width: 110, height: 30)
        let b = renderIsolated(area, width: 110, height: 31) {
            GraphPane.render(into: &$0, area: area, context: context(busySnapshot(), state: state), focused: true)
        }
        #expect(b.text.contains("NOT FOLLOWED (1)") && b.text.contains("412 ev"))
        #expect(!b.text.contains("\u{1B}"), "feed strings never reach the terminal raw")
    }

    @Test func showsFocusIndicatorsMarksAndGroupsWithMore() throws {
        let area = Rect(x: 2, y: 1, width: 110, height: 20)
        let b = renderIsolated(area, width: 116, height: 23) {
            GraphPane.render(into: &$0, area: area, context: context(busySnapshot(), state: graphState()), focused: true)
        }
        let text = b.text
        #expect(text.contains("Correlation"))
        #expect(text.contains("event evt-a") && text.contains("c2_beacon") && text.contains("sev 2"))
        #expect(text.contains("hops 2") && text.contains("6 linked") && text.contains("1 over-corr. not followed"))
        #expect(text.contains("INDICATORS (4)"))
        #expect(text.contains("over-correlating (>20)"))
        #expect(text.contains("warninglisted: public resolvers"))
        #expect(text.contains("LINKED (6) VIA") && text.contains("IPV4 3") && text.contains("DOMAIN 3"), "\(text)")
        #expect(text.contains("+2 more"), "6 linked, 4 listed")
        #expect(text.contains("via 185.220.101.4") && text.contains("evt-e"))
        // The reach as a tree: the two-hop event sits under the one-hop event that led to it.
        let lines = text.split(separator: "\n").map(String.init)
        let d = try #require(lines.firstIndex { $0.contains("evt-d") })
        #expect(lines[d + 1].contains("└─") && lines[d + 1].contains("evt-e"), "\(lines[d + 1])")
        // The first selectable row (the first indicator) is highlighted.
        let firstIndicator = b.row(area.y + 1 + GraphPane.headerRows + 1)
        #expect(firstIndicator.contains("185.220.101.4"))
        #expect(b[area.x + 3, area.y + 1 + GraphPane.headerRows + 1].style.role == .selection)
    }

    /// A farther event whose nearer event was not listed (past the limit) comes last, naming
    /// the event it came through; rows keep their walk targets.
    @Test func furtherEventsThroughUnlistedOnesNameThem() {
        var n = sampleNeighborhood()
        n.neighbors[3] = GraphNeighbor(event: GraphEvent(id: "evt-far", time: n.neighbors[3].event.time, type: "dns", severity: nil, indicatorCount: 1),
                                       distance: 3, via: Indicator(.domain, "evil-cdn.com"), parent: "evt-unlisted")
        let rows = GraphPane.rows(n)
        let further = rows.firstIndex(of: .heading("further out, through events not listed (1)"))
        #expect(further != nil)
        #expect(further.map { rows[$0 + 1].target } == .event("evt-far"))
        let area = Rect(x: 0, y: 0, width: 120, height: 30)
        var state = graphState(n)
        state.graph.result = n
        let b = renderIsolated(area, width: 120, height: 31) {
            GraphPane.render(into: &$0, area: area, context: context(busySnapshot(), state: state), focused: true)
        }
        #expect(b.text.contains("from evt-unlisted"))
    }

    @Test func emptyFocusLoadingAndMissingStates() {
        let area = Rect(x: 0, y: 0, width: 80, height: 8)
        var s = ViewState(panes: [.feed, .metrics, .graph], themeName: "default")
        var snapshot = busySnapshot()
        snapshot.graph.loaded = true
        snapshot.graph.events = 1234
        var b = renderIsolated(area, width: 80, height: 8) {
            GraphPane.render(into: &$0, area: area, context: context(snapshot, state: s), focused: true)
        }
        #expect(b.text.contains("Select an event in the feed") && b.text.contains("1,234 events"))
        snapshot.graph.loaded = false
        b = renderIsolated(area, width: 80, height: 8) { GraphPane.render(into: &$0, area: area, context: context(snapshot, state: s), focused: true) }
        #expect(b.text.contains("loading the graph"))
        s.graph.focus = .indicator(Indicator(.domain, "nothing.example"))
        s.graph.missing = true
        b = renderIsolated(area, width: 80, height: 8) { GraphPane.render(into: &$0, area: area, context: context(snapshot, state: s), focused: true) }
        #expect(b.text.contains("domain nothing.example") && b.text.contains("not in the graph (yet)"))
    }

    @Test func hostileValuesAreSanitizedAndTinyAreasDoNotCrash() {
        let area = Rect(x: 0, y: 0, width: 100, height: 16)
        let b = renderIsolated(area, width: 100, height: 16) {
            GraphPane.render(into: &$0, area: area, context: context(busySnapshot(), state: graphState(sampleNeighborhood(hostile: true))), focused: true)
        }
        #expect(!b.text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x202E })
        for (w, h) in [(1, 1), (3, 2), (11, 3), (12, 4), (20, 5)] {
            let small = Rect(x: 0, y: 0, width: w, height: h)
            _ = renderIsolated(small, width: w, height: h) {
                GraphPane.render(into: &$0, area: small, context: context(busySnapshot(), state: graphState()), focused: true)
            }
        }
    }

    @Test func asciiGlyphsOnly() {
        let area = Rect(x: 0, y: 0, width: 90, height: 18)
        let b = renderIsolated(area, width: 90, height: 18) {
            GraphPane.render(into: &$0, area: area, context: context(busySnapshot(), state: graphState(), ascii: true), focused: true)
        }
        #expect(b.text.unicodeScalars.allSatisfy { $0.value < 0x80 || $0.value == 0xA4 })
    }
}

@Suite struct GraphReducerTests {
    let reducer = Reducer(keymap: .standard)
    let snapshot = busySnapshot(events: 100)

    func press(_ keys: [Key], _ state: inout ViewState) -> [Effect] {
        var effects: [Effect] = []
        for key in keys {
            let ctx = Reducer.Context(snapshot: snapshot, feedList: FeedList.events(snapshot, state.feed), feedRows: 10, graphRows: 5,
                                      now: Timestamp(microseconds: 1_795_169_735_000_000))
            effects += reducer.handle(key, state: &state, context: ctx)
        }
        return effects
    }

    @Test func enterWalksBackspaceReturnsAndHopsAsk() {
        var s = graphState()
        // Rows: indicators (4) then neighbors; the second selectable is evil-cdn.com.
        #expect(press([.down, .enter], &s) == [.queryGraph])
        #expect(s.graph.focus == .indicator(Indicator(.domain, "evil-cdn.com")))
        #expect(s.graph.history == [.event("evt-a")])
        #expect(s.graph.result == nil && s.graph.selected == 0, "a new question starts at the top")
        s.graph.result = sampleNeighborhood()
        // Down past the indicators to the first neighbor: an event.
        #expect(press([.down, .down, .down, .down, .enter], &s) == [.queryGraph])
        #expect(s.graph.focus == .event("evt-b"))
        #expect(s.graph.history.count == 2)
        #expect(press([.backspace], &s) == [.queryGraph])
        #expect(s.graph.focus == .indicator(Indicator(.domain, "evil-cdn.com")))
        #expect(press([.backspace], &s) == [.queryGraph])
        #expect(s.graph.focus == .event("evt-a"))
        #expect(press([.backspace], &s) == [.queryClusters], "at the start of the walk: back to the clusters")
        #expect(s.graph.focus == nil)
        s.graph.move(to: .event("evt-a"), resetting: true)
        s.graph.result = sampleNeighborhood()
        #expect(press([.character("3")], &s) == [.queryGraph])
        #expect(s.graph.hops == 3)
        #expect(press([.character("3")], &s) == [], "same depth: nothing to ask")
        #expect(press([.character("o")], &s) == [.queryGraph])
        #expect(s.graph.includeOvercorrelated)
        #expect(s.graph.query(threshold: 20)?.includeOvercorrelated == true)
    }

    @Test func selectionScrollsAndStaysInRange() {
        var s = graphState()
        _ = press(Array(repeating: .down, count: 50), &s)
        let selectable = GraphPane.selectable(GraphPane.rows(sampleNeighborhood()))
        #expect(s.graph.selected == selectable.count - 1)
        #expect(s.graph.scroll > 0, "scrolled to keep the selection visible")
        _ = press([.character("g")], &s)
        #expect(s.graph.selected == 0 && s.graph.scroll == 0)
        var empty = graphState(nil)
        #expect(press([.down, .enter, .pageDown], &empty) == [])
    }

    @Test func feedSelectionAndCorrelateFocusTheGraph() {
        var s = ViewState(panes: [.feed, .metrics, .graph], themeName: "default")
        #expect(press([.down], &s) == [.queryGraph])
        let second = FeedList.events(snapshot, s.feed)[1].id
        #expect(s.graph.focus == .event(second))
        #expect(s.focus == .feed, "moving in the feed keeps the feed focused")
        #expect(press([.character("c")], &s) == [], "already showing it")
        #expect(s.focus == .graph)
        var withoutGraph = ViewState(panes: [.feed, .metrics], themeName: "default")
        #expect(press([.down, .character("c")], &withoutGraph) == [])
        #expect(withoutGraph.graph.focus == nil)
    }

    @Test func graphCommands() {
        var s = ViewState(panes: [.feed, .metrics, .graph], themeName: "default")
        #expect(press([.character(":")] + "graph evil[.]com".map { .character($0) } + [.enter], &s) == [.findInGraph("evil[.]com")])
        #expect(press([.character(":")] + "hops 2".map { .character($0) } + [.enter], &s) == [])
        #expect(s.graph.hops == 2)
        _ = press([.character(":")] + "hops 7".map { .character($0) } + [.enter], &s)
        #expect(s.message?.isError == true)
        _ = press([.character(":")] + "graph".map { .character($0) } + [.enter], &s)
        #expect(s.message?.text.contains("needs an event id") == true)
    }
}

/// With nothing focused the pane lists the strongest clusters; enter focuses one, and
/// backspace at the start of a walk comes back.
@Suite struct ClusterPaneTests {
    init() { _ = utf8Locale }

    static func clusters() -> [EventCluster] {
        let t = Timestamp(microseconds: 1_795_169_700_000_000)
        func event(_ id: String, _ sev: Int) -> GraphEvent {
            GraphEvent(id: id, time: t, type: "c2_beacon", severity: Severity(sev), indicatorCount: 2)
        }
        var first = EventCluster(size: 12, first: t.shifted(byMicroseconds: -300_000_000), last: t, newest: event("evt-a", 9), maximumSeverity: Severity(9),
                                 indicators: [(Indicator(.domain, "evil-cdn.com"), 12), (Indicator(.ipv4, "185.220.101.4"), 7)],
                                 types: ["c2_beacon", "phishing"], timeline: [1, 0, 2, 0, 0, 1, 3, 0, 0, 2, 0, 3], score: 12)
        first.entities = [("host-49", 8), ("db\u{1B}[31m-2", 4)]
        first.intelScore = 72
        first.maximumRisk = 91
        return [
            first,
            EventCluster(size: 3, first: t, last: t, newest: event("evt-\u{1B}[2Jb", 4), maximumSeverity: Severity(4),
                         indicators: [(Indicator(.sha256, String(repeating: "b", count: 64)), 3)],
                         types: ["malware"], timeline: [3] + Array(repeating: 0, count: 11), score: 3),
        ]
    }

    func state() -> ViewState {
        var s = ViewState(panes: [.feed, .metrics, .graph], themeName: "default")
        s.focus = .graph
        s.graph.clusters = Self.clusters()
        return s
    }

    @Test func clustersAreListedWithWhatLinksThem() throws {
        var s = state()
        s.maximized = true
        let b = ScreenRenderer.render(width: 120, height: 30, context: context(busySnapshot(), state: s))
        let text = b.text
        #expect(text.contains("STRONGEST CLUSTERS NOW (2)"))
        #expect(text.contains("12 ev sev 9 ") && text.contains("c2_beacon, phishing"))
        #expect(text.contains("via evil-cdn.com (12), 185.220.101.4 (7)"))
        #expect(text.contains("intel 72 max risk 91") && text.contains("host-49 (8), db\\e[31m-2 (4)"), "\(text)")
        #expect(!text.contains("\u{1B}"))
        try GoldenScreen.check(b, "graph-clusters-120x30", title: "the correlation pane with nothing focused: the strongest clusters")
    }

    @Test func enterFocusesTheNewestEventAndBackspaceReturns() {
        let reducer = Reducer(keymap: .standard)
        var s = state()
        let ctx = Reducer.Context(snapshot: busySnapshot(), feedList: [], feedRows: 10)
        _ = reducer.handle(.down, state: &s, context: ctx)
        #expect(s.graph.clusterSelected == 1)
        _ = reducer.handle(.down, state: &s, context: ctx)
        #expect(s.graph.clusterSelected == 1, "stays on the last")
        _ = reducer.handle(.up, state: &s, context: ctx)
        #expect(reducer.handle(.enter, state: &s, context: ctx) == [.queryGraph])
        #expect(s.graph.focus == .event("evt-a"))
        #expect(reducer.handle(.backspace, state: &s, context: ctx) == [.queryClusters])
        #expect(s.graph.focus == nil && s.graph.result == nil)
        #expect(reducer.receive(.clusters([]), state: &s, context: ctx).isEmpty)
        #expect(s.graph.clusters == [] && s.graph.clusterSelected == 0)
    }

    /// `d` opens the full detail (with its pivots) of the selected linked event, a cluster's
    /// newest event, or the focus event from an indicator row; an event the warm tier no
    /// longer holds is said, not opened.
    @Test func dOpensTheSelectedEventsDetail() {
        let reducer = Reducer(keymap: .standard)
        var s = state()
        let ctx = Reducer.Context(snapshot: busySnapshot(), feedList: [], feedRows: 10)
        _ = reducer.handle(.down, state: &s, context: ctx)
        #expect(reducer.handle(.character("d"), state: &s, context: ctx) == [.openEvent("evt-\u{1B}[2Jb")])
        s.graph.focus = .event("evt-a")
        s.graph.result = sampleNeighborhood()
        s.graph.selected = 0
        #expect(reducer.handle(.character("d"), state: &s, context: ctx) == [.openEvent("evt-a")], "an indicator row: the focus event")
        s.graph.selected = 4   // the fifth selectable row: the first linked event
        #expect(reducer.handle(.character("d"), state: &s, context: ctx) == [.openEvent("evt-b")])
        let e = busySnapshot().recent[0]
        #expect(reducer.receive(.storedEvent(e.id, e), state: &s, context: ctx) == [.describeEvent(e.id)])
        #expect(s.overlay == .detail(e) && s.detailLinks == nil)
        s.overlay = nil
        #expect(reducer.receive(.storedEvent("gone", nil), state: &s, context: ctx).isEmpty)
        #expect(s.overlay == nil && s.message?.isError == true)
    }
}
