import CTASCore
import CTASEngine
import Foundation
import H3
import Testing
@testable import CTASConsole
import CTASTestSupport

/// Every field of the detail view is a pivot: tab selects it; enter filters the feed on it,
/// c focuses it in the correlation pane, m shows the event's place on the map, y copies it.
@Suite struct DetailPivotTests {
    let reducer = Reducer(keymap: .standard)
    let now = Timestamp(microseconds: 1_795_169_735_000_000)

    static let event = Event(id: "evt-1", timestamp: Timestamp(microseconds: 1_795_169_700_000_000), type: "c2_beacon",
                             severity: Severity(9), source: "sensor-1", location: GeoPoint(latitude: 48.8566, longitude: 2.3522),
                             entity: "host-7", indicators: ["185.220.101.4", "evil cdn.com"])

    func opened() -> (ViewState, Snapshot) {
        var s = Snapshot()
        s.recent = [Self.event]
        var state = ViewState(panes: [.feed, .heatmap, .graph], themeName: "default")
        state.focus = .feed
        _ = reducer.handle(.enter, state: &state, context: context(s, state))
        return (state, s)
    }

    func context(_ s: Snapshot, _ state: ViewState) -> Reducer.Context {
        Reducer.Context(snapshot: s, feedList: FeedList.events(s, state.feed), feedRows: 10, heatmapSize: (100, 30), now: now)
    }

    @Test func tabSelectsAFieldAndEnterFiltersTheFeedOnIt() throws {
        var (state, s) = opened()
        #expect(state.overlay == .detail(Self.event))
        #expect(DetailTarget.targets(of: Self.event, links: nil) == [.entity("host-7"), .type("c2_beacon"), .source("sensor-1"),
                                                                   .indicator("185.220.101.4"), .indicator("evil cdn.com"),
                                                                   .location(try #require(Self.event.location))])
        // The first field is the entity: enter filters on it exactly and closes the view.
        let effects = reducer.handle(.enter, state: &state, context: context(s, state))
        #expect(state.overlay == nil && state.focus == .feed)
        #expect(state.feed.filter.text == "entity=host-7" && effects.contains(.fetchHistory))
        // Tab three times: the first indicator; shift-tab wraps from the first field to the last.
        (state, s) = opened()
        for _ in 0..<3 { _ = reducer.handle(.tab, state: &state, context: context(s, state)) }
        _ = reducer.handle(.enter, state: &state, context: context(s, state))
        #expect(state.feed.filter.text == "ind=185.220.101.4")
        (state, s) = opened()
        _ = reducer.handle(.backTab, state: &state, context: context(s, state))
        #expect(state.detailSelected == 5)
        _ = reducer.handle(.enter, state: &state, context: context(s, state))
        #expect(state.overlay != nil && state.message?.text.contains("m shows it on the map") == true, "a place is not a filter")
        // A value with a space cannot be one filter word: said, nothing changes.
        (state, s) = opened()
        for _ in 0..<4 { _ = reducer.handle(.tab, state: &state, context: context(s, state)) }
        _ = reducer.handle(.enter, state: &state, context: context(s, state))
        #expect(state.feed.filter.isEmpty && state.message?.isError == true)
    }

    @Test func cCorrelatesMShowsThePlaceAndYCopies() throws {
        var (state, s) = opened()
        for _ in 0..<3 { _ = reducer.handle(.tab, state: &state, context: context(s, state)) }
        #expect(reducer.handle(.character("c"), state: &state, context: context(s, state)) == [.findInGraph("185.220.101.4")])
        #expect(state.focus == .graph && state.overlay == nil)
        (state, s) = opened()
        #expect(reducer.handle(.character("c"), state: &state, context: context(s, state)) == [.queryGraph])
        #expect(state.graph.focus == .event("evt-1"))
        (state, s) = opened()
        #expect(reducer.handle(.character("m"), state: &state, context: context(s, state)) == [.drillCell])
        #expect(state.focus == .heatmap && state.heatmap.drill != nil)
        let drilled = try #require(state.heatmap.drill?.cell)
        #expect(try H3.cellToParent(try H3.latLngToCell(lat: 48.8566, lng: 2.3522, res: 15), res: drilled.resolution) == drilled)
        (state, s) = opened()
        _ = reducer.handle(.tab, state: &state, context: context(s, state))
        #expect(reducer.handle(.character("y"), state: &state, context: context(s, state)) == [.copy("c2_beacon")])
        #expect(state.overlay != nil, "copying keeps the view open")
    }

    @MainActor @Test func theClipboardFileIsWhereTheStateDirectorySays() throws {
        let dir = Scratch.path("clipboard")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = ClipboardFile.write("evil[.]com \u{1b}[2J", environment: ["XDG_STATE_HOME": dir])
        let path = try result.get()
        #expect(path == dir + "/ctas/clipboard.txt")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "evil[.]com \u{1b}[2J\n", "copied exactly as stored")
        #expect(ClipboardFile.path(environment: ["HOME": "/home/a"]) == "/home/a/.local/state/ctas/clipboard.txt")
        if case .success = ClipboardFile.write("x", environment: ["XDG_STATE_HOME": "/proc/nonexistent"]) { Issue.record("wrote into /proc") }
        let terminal = MemoryTerminal(width: 80, height: 24)
        let asked = terminal.copyToClipboard("v")
        #expect(asked && terminal.copies == ["v"])
    }
}
