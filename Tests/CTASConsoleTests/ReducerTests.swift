import CTASCore
import CTASEngine
import Testing
@testable import CTASConsole

@Suite struct ReducerTests {
    let reducer = Reducer(keymap: .standard)
    let snapshot = busySnapshot(events: 100)

    func ctx(_ state: ViewState) -> Reducer.Context {
        Reducer.Context(snapshot: snapshot, feedList: FeedList.events(snapshot, state.feed), feedRows: 10,
                        now: Timestamp(microseconds: 1_795_169_735_000_000))
    }

    func press(_ keys: [Key], _ state: inout ViewState) -> [Effect] {
        var effects: [Effect] = []
        for key in keys { effects += reducer.handle(key, state: &state, context: ctx(state)) }
        return effects
    }

    func type(_ text: String) -> [Key] { text.map { Key.character($0) } }

    @Test func globalKeys() {
        var s = ViewState(panes: [.feed, .metrics], themeName: "default")
        #expect(press([.character("p")], &s) == [.engine(.togglePause)])
        #expect(press([.character("]")], &s) == [.engine(.speed(.factor(50)))])
        #expect(press([.character("[")], &s) == [.engine(.speed(.factor(10)))])
        _ = press([.tab], &s)
        #expect(s.focus == .metrics)
        _ = press([.backTab], &s)
        #expect(s.focus == .feed)
        _ = press([.character("z")], &s)
        #expect(s.maximized)
        _ = press([.escape], &s)
        #expect(!s.maximized)
        _ = press([.character("?")], &s)
        #expect(s.overlay == .help)
        _ = press([.character("q")], &s)
        #expect(s.overlay == nil && !s.quitRequested, "q closes the help first")
        #expect(press([.control("l")], &s) == [.redraw])
        _ = press([.character("q")], &s)
        #expect(s.quitRequested)
        var unbound = ViewState(panes: [.feed], themeName: "default")
        #expect(press([.character("%"), .function(7), .delete], &unbound).isEmpty)
    }

    @Test func filterPrompt() {
        var s = ViewState(panes: [.feed, .metrics], themeName: "default")
        let effects = press([.character("/")] + type("sev>=7 type:c2") + [.enter], &s)
        #expect(effects == [.fetchHistory])
        #expect(s.feed.filter.text == "sev>=7 type:c2")
        #expect(s.prompt == nil)
        let shown = FeedList.events(snapshot, s.feed)
        #expect(!shown.isEmpty && shown.allSatisfy { ($0.severity?.value ?? 0) >= 7 && $0.type.contains("c2") })
        // A bad filter keeps the prompt open with an error.
        _ = press([.character("/"), .control("u")] + type("colour:red") + [.enter], &s)
        #expect(s.prompt?.text == "colour:red")
        #expect(s.message?.isError == true && s.message?.text.contains("unknown field 'colour'") == true)
        _ = press([.escape], &s)
        #expect(s.prompt == nil && s.feed.filter.text == "sev>=7 type:c2")
        // History: up recalls the previous filter.
        _ = press([.character("/"), .control("u"), .up], &s)
        #expect(s.prompt?.text == "sev>=7 type:c2")
        _ = press([.escape, .escape], &s)
        #expect(s.feed.filter.isEmpty, "esc in normal mode clears the filter")
        // Control characters typed into a prompt are refused.
        _ = press([.character("/"), .character("\u{1B}"), .character("a")], &s)
        #expect(s.prompt?.text == "a")
    }

    @Test func commandLine() {
        var s = ViewState(panes: [.feed, .metrics], themeName: "default")
        #expect(press([.character(":")] + type("speed 10") + [.enter], &s) == [.engine(.speed(.factor(10)))])
        #expect(press([.character(":")] + type("speed max") + [.enter], &s) == [.engine(.speed(.max))])
        #expect(press([.character(":")] + type("pause") + [.enter], &s) == [.engine(.pause)])
        #expect(press([.character(":")] + type("resume") + [.enter], &s) == [.engine(.resume)])
        let seek = press([.character(":")] + type("seek 2026-11-20T10:00Z") + [.enter], &s)
        #expect(seek == [.engine(.seek(Timestamp(microseconds: 1_795_168_800_000_000)))])
        #expect(press([.character(":")] + type("theme light") + [.enter], &s) == [.loadTheme("light")])
        #expect(press([.character(":")] + type("focus metrics") + [.enter], &s).isEmpty && s.focus == .metrics)
        for bad in ["speed fast", "seek yesterday", "focus nowhere", "frobnicate"] {
            _ = press([.character(":")] + type(bad) + [.enter], &s)
            #expect(s.message?.isError == true, "\(bad) → \(s.message?.text ?? "no message")")
        }
        #expect(s.commandHistory.count == 11)
        _ = press([.character(":"), .up, .up], &s)
        #expect(s.prompt?.text == "focus nowhere")
        _ = press([.enter], &s)
        _ = press([.character(":")] + type("quit") + [.enter], &s)
        #expect(s.quitRequested)
    }

    /// `:sort risk` lists the riskiest first (ties newest first, unscored last); `:sort time`
    /// goes back; anything else is refused with the choices.
    @Test func sortByRisk() {
        var s = ViewState(panes: [.feed, .metrics], themeName: "default")
        var snapshot = busySnapshot(events: 12)
        for i in snapshot.recent.indices where i % 4 != 0 {
            snapshot.recent[i].risk = RiskScore(severity: Severity(i % 10 + 1), intelScore: nil, anomalyScore: nil, inHotspot: false)
        }
        let byTime = FeedList.events(snapshot, s.feed).map(\.id)
        _ = press([.character(":")] + type("sort risk") + [.enter], &s)
        #expect(s.feed.order == .risk && s.message?.isError != true)
        let ranked = FeedList.events(snapshot, s.feed)
        let totals = ranked.map { $0.risk.map { Int($0.total) } ?? -1 }
        #expect(totals == totals.sorted(by: >), "\(totals)")
        #expect(ranked.suffix(3).allSatisfy { $0.risk == nil }, "unscored last")
        for (a, b) in zip(ranked, ranked.dropFirst()) where a.risk?.total == b.risk?.total {
            #expect((byTime.firstIndex(of: a.id) ?? 0) < (byTime.firstIndex(of: b.id) ?? 0), "ties keep newest first")
        }
        _ = press([.character(":")] + type("sort time") + [.enter], &s)
        #expect(FeedList.events(snapshot, s.feed).map(\.id) == byTime)
        _ = press([.character(":")] + type("sort \u{1B}[31mloud") + [.enter], &s)
        #expect(s.message?.isError == true && s.message?.text.contains("\u{1B}") == false)
    }

    /// The metrics pane's anomalies view: `v` shows it, the list keys move, `s` orders, enter
    /// narrows the feed to the entity over the anomaly's hours; names a filter cannot hold
    /// are refused with a message.
    @Test func anomaliesViewKeys() {
        var s = ViewState(panes: [.feed, .metrics], themeName: "default")
        var snap = busySnapshot(events: 20)
        var status = AnomalyStatus()
        status.recent = [
            AnomalyStatus.Note(entity: "host-3", kind: "rare", start: "2026-11-20T14:07:12Z", end: "2026-11-20T14:07:12Z",
                               observed: 1, expected: 0, score: 58, detail: "new type smb"),
            AnomalyStatus.Note(entity: "host-17", kind: "rate", start: "2026-11-20T13:00:00Z", end: "2026-11-20T15:00:00Z",
                               observed: 210, expected: 24, score: 100, detail: "burst"),
            AnomalyStatus.Note(entity: "two words", kind: "rate", start: "2026-11-20T11:00:00Z", end: "2026-11-20T12:00:00Z",
                               observed: 0, expected: 30, score: 40, detail: "silence"),
        ]
        snap.anomalies = status
        func keys(_ k: [Key]) -> [Effect] {
            var effects: [Effect] = []
            for key in k {
                let context = Reducer.Context(snapshot: snap, feedList: FeedList.events(snap, s.feed), feedRows: 10,
                                              now: Timestamp(microseconds: 1_795_169_735_000_000))
                effects += reducer.handle(key, state: &s, context: context)
            }
            return effects
        }
        s.focus = .metrics
        _ = keys([.character("v")])
        #expect(s.anomalies.shown)
        #expect(AnomaliesView.list(snap, s.anomalies).map(\.entity) == ["host-17", "host-3", "two words"], "strongest first")
        _ = keys([.character("s")])
        #expect(AnomaliesView.list(snap, s.anomalies).map(\.entity) == ["host-3", "host-17", "two words"], "newest first")
        _ = keys([.character("s"), .down, .down, .down, .down])
        #expect(s.anomalies.selected == 2, "stops at the last")
        _ = keys([.enter])
        #expect(s.message?.isError == true && s.feed.filter.isEmpty, "a name with a space cannot be a filter word")
        _ = keys([.up, .up, .enter])
        #expect(s.focus == .feed)
        #expect(s.feed.filter.text == "entity=host-17 time>=2026-11-20T13:00:00Z time<2026-11-20T15:00:00Z")
        #expect(s.range == s.feed.filter.timeRange && s.range != nil, "the map and clusters follow the anomaly's hours")
        // A first: the hour it fell in.
        s.focus = .metrics
        _ = keys([.down, .enter])
        #expect(s.feed.filter.text == "entity=host-3 time>=2026-11-20T14:00:00Z time<2026-11-20T15:00:00Z")
        s.focus = .metrics
        _ = keys([.character("v")])
        #expect(!s.anomalies.shown)
        _ = keys([.character(":")] + type("focus anomalies") + [.enter])
        #expect(s.focus == .metrics && s.anomalies.shown)
        _ = keys([.character(":")] + type("focus metrics") + [.enter])
        #expect(s.focus == .metrics && !s.anomalies.shown)
    }

    @Test func feedNavigationHoldsTheListAndOpensDetail() {
        var s = ViewState(panes: [.feed, .metrics], themeName: "default")
        _ = press([.down, .down, .down], &s)
        #expect(!s.feed.following && s.feed.frozen != nil)
        #expect(s.feed.selected == 3)
        _ = press([.pageDown], &s)
        #expect(s.feed.selected == 13 && s.feed.scroll == 4)
        _ = press([.enter], &s)
        guard case .detail(let e) = s.overlay else {
            Issue.record("no detail")
            return
        }
        #expect(e.id == "evt-86")
        _ = press([.escape], &s)
        #expect(s.overlay == nil)
        _ = press([.character("G")], &s)
        #expect(s.feed.following && s.feed.frozen == nil && s.feed.selected == 0)
        // Navigating beyond the recent events asks for history.
        let effects = press(Array(repeating: .pageDown, count: 12), &s)
        #expect(effects.contains(.fetchHistory))
        #expect(s.feed.selected == 99, "clamped to the last event")
    }
}
