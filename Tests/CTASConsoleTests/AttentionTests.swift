import CTASCore
import CTASEngine
import Testing
@testable import CTASConsole

/// The attention line: what it says, its keys, and hostile names.
@Suite struct AttentionTests {
    let reducer = Reducer(keymap: .standard)
    let now = Timestamp(microseconds: 1_795_169_735_000_000)

    func snapshot(critical: Int, entity: String = "host-49") -> Snapshot {
        var s = busySnapshot(events: 50)
        s.attention.critical = critical
        s.attention.high = critical + 30
        s.attention.topEntity = AttentionStatus.Top(name: entity, count: 41)
        s.attention.topType = AttentionStatus.Top(name: "c2_beacon", count: 77)
        return s
    }

    func ctx(_ snapshot: Snapshot, _ state: ViewState) -> Reducer.Context {
        Reducer.Context(snapshot: snapshot, feedList: FeedList.events(snapshot, state.feed), feedRows: 10, now: now)
    }

    func line(_ snapshot: Snapshot, _ state: ViewState) -> String {
        ScreenRenderer.render(width: 160, height: 30, context: context(snapshot, state: state)).row(28)
    }

    @Test func criticalEventsCountUntilMarkedSeenThenOnlyNewOnes() {
        var state = ViewState(panes: [.feed, .metrics], themeName: "default")
        var s = snapshot(critical: 12)
        #expect(line(s, state).contains("12 critical new (a seen)"), "\(line(s, state))")
        #expect(line(s, state).contains("42 sev≥7") && line(s, state).contains("last 5m: entity host-49 41 type c2_beacon 77"))
        _ = reducer.handle(.character("a"), state: &state, context: ctx(s, state))
        #expect(state.criticalSeen == 12)
        #expect(line(s, state).contains("no new critical"))
        s = snapshot(critical: 15)
        #expect(line(s, state).contains("3 critical new"))
    }

    @Test func bangTogglesSevereOnlyKeepingTheRestOfTheFilter() throws {
        var state = ViewState(panes: [.feed, .metrics], themeName: "default")
        state.feed.filter = try EventFilter(parsing: "type:c2_beacon")
        let s = snapshot(critical: 1)
        #expect(reducer.handle(.character("!"), state: &state, context: ctx(s, state)) == [.fetchHistory])
        #expect(state.feed.filter.text == "type:c2_beacon sev>=7")
        #expect(state.feed.filter.showsOnlySevere)
        #expect(FeedList.events(s, state.feed).allSatisfy { ($0.severity?.value ?? 0) >= 7 && $0.type == "c2_beacon" })
        #expect(line(s, state).contains("feed: sev≥7 only (!)"))
        _ = reducer.handle(.character("!"), state: &state, context: ctx(s, state))
        #expect(state.feed.filter.text == "type:c2_beacon")
        #expect(!line(s, state).contains("sev≥7 only"))
    }

    @Test func hostileNamesAreEscapedAndLongOnesCut() {
        let state = ViewState(panes: [.feed, .metrics], themeName: "default")
        let text = line(snapshot(critical: 0, entity: "evil\u{1B}]52;c;AAAA\u{07}" + String(repeating: "x", count: 200)), state)
        #expect(!text.contains("\u{1B}") && !text.contains("\u{07}"))
        #expect(text.contains("last 5m: entity evil"))
        #expect(!text.contains(String(repeating: "x", count: 30)))
    }
}
