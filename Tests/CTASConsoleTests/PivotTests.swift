import CTASCore
import CTASEngine
import Testing
@testable import CTASConsole

/// Pivot keys in the feed: the selected event's entity, type, source or indicator becomes
/// the filter (exactly), the same key again moves on or goes back.
@Suite struct PivotTests {
    let reducer = Reducer(keymap: .standard)
    let now = Timestamp(microseconds: 1_795_169_735_000_000)

    static func events() -> [Event] {
        [
            Event(id: "a", timestamp: Timestamp(microseconds: 1), type: "c2_beacon", severity: Severity(8), source: "sensor-1",
                  entity: "host-1", indicators: ["185.220.101.4", "evil-cdn.com"]),
            Event(id: "b", timestamp: Timestamp(microseconds: 2), type: "c2_beacon", severity: Severity(3), source: "sensor-2",
                  entity: "host-12", indicators: ["evil-cdn.com"]),
            Event(id: "c", timestamp: Timestamp(microseconds: 3), type: "port_scan", severity: Severity(5), source: "sensor-1",
                  entity: "host-1", indicators: []),
            Event(id: "d", timestamp: Timestamp(microseconds: 4), type: "note", entity: "two words", indicators: []),
        ]
    }

    func snapshot() -> Snapshot {
        var s = Snapshot()
        s.recent = Self.events()
        return s
    }

    func press(_ key: Character, _ state: inout ViewState) -> [Effect] {
        let s = snapshot()
        let list = FeedList.events(s, state.feed)
        return reducer.handle(.character(key), state: &state, context: Reducer.Context(snapshot: s, feedList: list, feedRows: 10, now: now))
    }

    func select(_ id: String, _ state: inout ViewState) {
        let list = FeedList.events(snapshot(), state.feed)
        state.feed.selected = list.firstIndex { $0.id == id } ?? -1
    }

    func shown(_ state: ViewState) -> [String] { FeedList.events(snapshot(), state.feed).map(\.id) }

    @Test func entityPivotMatchesExactlyAndTheSameKeyGoesBack() throws {
        var state = ViewState(panes: [.feed, .metrics], themeName: "default")
        state.feed.filter = try EventFilter(parsing: "-note")
        select("a", &state)
        #expect(press("e", &state) == [.fetchHistory])
        #expect(state.feed.filter.text == "entity=host-1")
        #expect(Set(shown(state)) == ["a", "c"], "host-12 is another entity")
        #expect(state.message?.text.contains("entity=host-1") == true)
        select("c", &state)
        _ = press("e", &state)
        #expect(state.feed.filter.text == "-note", "back to the filter before")
        #expect(state.feed.beforePivot == nil)
    }

    /// A pivot's list is empty until its stored history arrives (an event older than the
    /// live window): the same key still goes back, another key says there is nothing to pivot on.
    @Test func theSameKeyGoesBackWhileThePivotsListIsEmpty() throws {
        var state = ViewState(panes: [.feed, .metrics], themeName: "default")
        state.feed.filter = try EventFilter(parsing: "sev>=7")
        select("a", &state)
        _ = press("e", &state)
        #expect(state.feed.filter.text == "entity=host-1")
        let empty = Snapshot()
        func pressOnEmpty(_ key: Character) -> [Effect] {
            reducer.handle(.character(key), state: &state, context: Reducer.Context(snapshot: empty, feedList: [], feedRows: 10, now: now))
        }
        #expect(pressOnEmpty("t").isEmpty)
        #expect(state.message?.text == "no event selected to pivot on" && state.feed.filter.text == "entity=host-1")
        #expect(pressOnEmpty("e") == [.fetchHistory])
        #expect(state.feed.filter.text == "sev>=7" && state.feed.beforePivot == nil)
        #expect(state.message?.text == "feed: filter sev>=7 again")
        #expect(pressOnEmpty("e").isEmpty, "no pivot left to end")
        #expect(state.feed.filter.text == "sev>=7")
    }

    @Test func typeSourceAndIndicatorsInTurn() {
        var state = ViewState(panes: [.feed, .metrics], themeName: "default")
        select("a", &state)
        _ = press("t", &state)
        #expect(Set(shown(state)) == ["a", "b"])
        _ = press("t", &state)
        #expect(state.feed.filter.isEmpty)
        select("a", &state)
        _ = press("s", &state)
        #expect(Set(shown(state)) == ["a", "c"])
        _ = press("s", &state)
        select("a", &state)
        _ = press("i", &state)
        #expect(state.feed.filter.text == "ind=185.220.101.4" && shown(state) == ["a"])
        select("a", &state)
        _ = press("i", &state)
        #expect(state.feed.filter.text == "ind=evil-cdn.com" && Set(shown(state)) == ["a", "b"], "the next indicator")
        select("a", &state)
        _ = press("i", &state)
        #expect(state.feed.filter.isEmpty, "after the last indicator, back")
    }

    @Test func nothingToPivotOnIsSaidAndChangesNothing() throws {
        var state = ViewState(panes: [.feed, .metrics], themeName: "default")
        select("c", &state)
        #expect(press("i", &state).isEmpty)
        #expect(state.message?.isError == true && state.message?.text == "this event has no indicator")
        select("d", &state)
        #expect(press("e", &state).isEmpty)
        #expect(state.message?.text.contains("spaces or quotes") == true)
        #expect(state.feed.filter.isEmpty)
        // A manual filter after a pivot forgets the way back.
        select("a", &state)
        _ = press("e", &state)
        #expect(state.feed.beforePivot != nil)
        _ = press("!", &state)
        #expect(state.feed.beforePivot == nil)
    }

    @Test func exactFieldTermsInTheFilterLanguage() throws {
        let events = Self.events()
        func ids(_ text: String) throws -> [String] {
            let f = try EventFilter(parsing: text)
            return events.filter(f.matches).map(\.id)
        }
        #expect(try ids("entity=HOST-1") == ["a", "c"])
        #expect(try ids("entity:host-1") == ["a", "b", "c"], "':' still means contains")
        #expect(try ids("ind=evil-cdn.com") == ["a", "b"])
        #expect(try ids("ind=evil-cdn") == [])
        #expect(try ids("-type=c2_beacon") == ["c", "d"])
        #expect(try ids("sev=8") == ["a"])
        #expect(throws: FilterError.self) { try EventFilter(parsing: "entity=") }
        #expect(try ids("x=y") == [], "not a field: a word")
    }
}

/// The detail view asks the graph how many events hold each of the event's indicators.
@Suite struct DetailLinksTests {
    @Test func openingAnEventAsksTheGraphAndShowsTheCounts() {
        let reducer = Reducer(keymap: .standard)
        var s = ViewState(panes: [.feed, .metrics], themeName: "default")
        var snapshot = Snapshot()
        snapshot.recent = PivotTests.events()
        let list = FeedList.events(snapshot, s.feed)
        let ctx = Reducer.Context(snapshot: snapshot, feedList: list, feedRows: 10)
        s.feed.selected = list.firstIndex { $0.id == "a" } ?? 0
        #expect(reducer.handle(.enter, state: &s, context: ctx) == [.describeEvent("a")])
        func detail() -> String { ScreenRenderer.render(width: 120, height: 40, context: context(snapshot, state: s)).text }
        #expect(detail().contains("asking the graph…"))
        // An answer for another event (the analyst moved on) is ignored.
        _ = reducer.receive(.eventIndicators("b", []), state: &s, context: ctx)
        #expect(s.detailLinks == nil)
        _ = reducer.receive(.eventIndicators("a", [
            GraphIndicator(indicator: Indicator(.ipv4, "185.220.101.4"), events: 7, overcorrelated: false, warninglisted: nil),
            GraphIndicator(indicator: Indicator(.domain, "evil\u{1B}[2J-cdn.com"), events: 31, overcorrelated: true, warninglisted: nil),
        ]), state: &s, context: ctx)
        let text = detail()
        #expect(text.contains("linked by") && text.contains("185.220.101.4") && text.contains("7 events"))
        #expect(text.contains("31 events  over-correlating"))
        #expect(!text.contains("\u{1B}"))
        _ = reducer.receive(.eventIndicators("a", nil), state: &s, context: ctx)
        #expect(detail().contains("not in the graph (yet)"))
    }
}

@Suite struct PaneNameTests {
    @Test func focusTakesThePaneNameOrAWordOfItsTitle() {
        let reducer = Reducer(keymap: .standard)
        var s = ViewState(panes: PaneKind.allCases, themeName: "default")
        let ctx = Reducer.Context(snapshot: Snapshot(), feedList: [], feedRows: 10)
        for (typed, pane) in [("correlation", PaneKind.graph), ("Density", .heatmap), ("map", .heatmap), ("graph", .graph), ("feed", .feed)] {
            for key in ":focus \(typed)" { _ = reducer.handle(.character(key), state: &s, context: ctx) }
            _ = reducer.handle(.enter, state: &s, context: ctx)
            #expect(s.focus == pane, "\(typed)")
        }
        for key in ":focus \u{1B}[2Jnowhere" { _ = reducer.handle(.character(key), state: &s, context: ctx) }
        _ = reducer.handle(.enter, state: &s, context: ctx)
        #expect(s.message?.isError == true && s.message?.text.contains("graph (correlation)") == true)
        #expect(s.message?.text.contains("\u{1B}") == false)
        #expect(PaneKind(named: "nowhere") == nil)
    }
}
