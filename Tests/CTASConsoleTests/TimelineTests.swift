import CTASCore
import CTASEngine
import H3
import Testing
@testable import CTASConsole

/// The timeline pane's keys and what following a range does to the other panes.
@Suite struct TimelineTests {
    let reducer = Reducer(keymap: .standard)
    let now = Timestamp(microseconds: 1_795_169_735_000_000)
    static let base: Int64 = 1_795_161_600_000_000  // a whole day, 2026-11-21T00:00Z... at midnight UTC
    static let columns = 96

    /// A day of events, one a minute (severity cycling), an hour-long burst of criticals at 15:00,
    /// and the newest minutes in `recent`.
    static func snapshot() -> Snapshot {
        var s = Snapshot()
        for minute in 0..<1_440 {
            let t = Timestamp(microseconds: base + Int64(minute) * 60_000_000)
            s.timeline.add(t, severity: Severity(minute % 10 + 1))
            if (900..<960).contains(minute) { for _ in 0..<20 { s.timeline.add(t, severity: Severity(10)) } }
        }
        s.recent = (0..<200).map { i in
            Event(id: "e\(i)", timestamp: Timestamp(microseconds: base + Int64(1_240 + i) * 60_000_000), type: "scan", severity: Severity(i % 10 + 1))
        }
        s.replay.eventTime = Timestamp(microseconds: base + 1_439 * 60_000_000)
        return s
    }

    func context(_ s: Snapshot, _ state: ViewState) -> Reducer.Context {
        Reducer.Context(snapshot: s, feedList: FeedList.events(s, state.feed), feedRows: 10, timelineColumns: Self.columns, now: now)
    }

    func press(_ key: Key, _ state: inout ViewState, _ s: Snapshot = snapshot()) -> [Effect] {
        reducer.handle(key, state: &state, context: context(s, state))
    }

    func freshState() -> ViewState {
        var state = ViewState(panes: [.feed, .heatmap, .graph, .timeline], themeName: "default")
        state.focus = .timeline
        return state
    }

    @Test func aSelectedRangeIsFollowedByEveryPaneAndEscClearsIt() throws {
        let s = Self.snapshot()
        var state = freshState()
        state.feed.filter = try EventFilter(parsing: "sev>=7")
        let scale = try #require(state.timeline.scale(s.timeline, columns: Self.columns))
        #expect(scale.width == 15 * 60_000_000, "a day in 96 columns: quarter hours")
        #expect(state.timeline.cursorColumn(scale, histogram: s.timeline) == Self.columns - 1, "the cursor starts on the newest bucket")
        for _ in 0..<3 { _ = press(.left, &state) }
        _ = press(.character("v"), &state)
        #expect(state.timeline.anchor == scale.columnStart(Self.columns - 4))
        for _ in 0..<2 { _ = press(.character("h"), &state) }
        let effects = press(.enter, &state)
        let range = try #require(state.range)
        #expect(range.from == scale.columnStart(Self.columns - 6) && range.until == scale.columnStart(Self.columns - 3))
        #expect(state.timeline.anchor == nil)
        #expect(state.heatmap.range == range && state.graph.range == range)
        #expect(state.feed.filter.text == "sev>=7 " + range.filterText)
        #expect(effects.contains(.fetchHistory) && effects.contains(.queryHeatmap) && effects.contains(.queryClusters))
        // The feed shows only the range's events (and the filter's other terms).
        let shown = FeedList.events(s, state.feed)
        #expect(!shown.isEmpty)
        #expect(shown.allSatisfy { range.contains($0.timestamp) && ($0.severity?.value ?? 0) >= 7 })
        // The heatmap's question carries it.
        #expect(state.heatmap.query(width: 40, height: 10).range == range)
        // A single bucket: enter with no anchor.
        _ = press(.right, &state)
        _ = press(.enter, &state)
        #expect(state.range.map { $0.until.microseconds - $0.from.microseconds } == scale.width)
        #expect(state.feed.filter.text.hasPrefix("sev>=7 time>="))
        // esc: every pane back to all of time, the filter's own terms kept.
        let cleared = press(.escape, &state)
        #expect(state.range == nil && state.heatmap.range == nil && state.graph.range == nil)
        #expect(state.feed.filter.text == "sev>=7")
        #expect(cleared.contains(.queryHeatmap))
    }

    @Test func aClickMovesTheCursorAndASeekMarksItsTime() throws {
        let s = Self.snapshot()
        var state = freshState()
        _ = reducer.clickTimeline(column: 10, state: &state, context: context(s, state))
        let scale = try #require(state.timeline.scale(s.timeline, columns: Self.columns))
        #expect(state.timeline.cursor == scale.columnStart(10))
        _ = reducer.clickTimeline(column: Self.columns + 5, state: &state, context: context(s, state))
        #expect(state.timeline.cursor == scale.columnStart(10), "a click past the bars changes nothing")
        let effects = reducer.runCommand("seek 2h", state: &state, context: context(s, state))
        let target = Timestamp(microseconds: Self.base + 1_439 * 60_000_000 - 7_200_000_000)
        #expect(effects == [.engine(.seek(target))], "relative to the event clock, not the wall clock")
        #expect(state.timeline.cursor == target)
    }

    /// The feed's filter and the range stay one: typed time terms become the range the map and
    /// clusters follow; a filter without them (edited by hand, a pivot) lets every pane go back.
    @Test func typedTimeTermsAreTheRangeAndDroppingThemClearsIt() throws {
        let s = Self.snapshot()
        var state = freshState()
        let effects = reducer.runCommand("filter sev>=7 time>=2026-11-21T10:00Z time<2026-11-21T11:00Z", state: &state, context: context(s, state))
        let range = try #require(state.range)
        let from = try RFC3339.parse("2026-11-21T10:00:00Z"), until = try RFC3339.parse("2026-11-21T11:00:00Z")
        #expect(range.from == from && range.until == until)
        #expect(state.heatmap.range == range && state.graph.range == range)
        #expect(effects.contains(.queryHeatmap) && effects.contains(.queryClusters) && effects.contains(.fetchHistory))
        // Only one bound is not a range.
        _ = reducer.runCommand("filter time>=2026-11-21T10:00Z", state: &state, context: context(s, state))
        #expect(state.range == nil && state.heatmap.range == nil && state.graph.range == nil)
        // A range applied on the timeline, then the filter edited by hand without its time terms.
        _ = press(.left, &state)
        _ = press(.enter, &state)
        #expect(state.range != nil)
        _ = reducer.runCommand("filter sev>=9", state: &state, context: context(s, state))
        #expect(state.range == nil && state.heatmap.range == nil && state.graph.range == nil)
    }

    @Test func escWhileSelectingDropsOnlyTheSelection() {
        var state = freshState()
        _ = press(.left, &state)
        _ = press(.character(" "), &state)
        #expect(state.timeline.anchor != nil)
        _ = press(.escape, &state)
        #expect(state.timeline.anchor == nil && state.range == nil)
        #expect(state.timeline.cursor != nil, "the cursor stays where it was")
    }

    @Test func zoomHalvesTheSpanAroundTheCursorAndPansAtTheEdges() throws {
        let s = Self.snapshot()
        var state = freshState()
        for _ in 0..<40 { _ = press(.left, &state) }
        let before = try #require(state.timeline.scale(s.timeline, columns: Self.columns))
        let cursorTime = try #require(state.timeline.cursor)
        _ = press(.character("+"), &state)
        let zoomed = try #require(state.timeline.scale(s.timeline, columns: Self.columns))
        #expect(zoomed.width == 300_000_000 && before.width == 900_000_000)
        #expect(zoomed.column(of: cursorTime) != nil, "the cursor's time stays in view")
        // Zoomed, moving past the right edge pans the view.
        let zoom = try #require(state.timeline.zoom)
        for _ in 0..<(Self.columns * 2) { _ = press(.right, &state) }
        let panned = try #require(state.timeline.zoom)
        #expect(panned.from > zoom.from)
        // As fine as the data goes, zoom says so.
        var widths: [Int64] = []
        for _ in 0..<12 {
            _ = press(.character("+"), &state)
            widths.append(state.timeline.scale(s.timeline, columns: Self.columns)?.width ?? 0)
        }
        #expect(widths.prefix(3) == [120_000_000, 60_000_000, 60_000_000], "one nice width at a time, down to the data's minutes: \(widths)")
        let finest = try #require(state.timeline.scale(s.timeline, columns: Self.columns))
        #expect(finest.width >= s.timeline.width)
        #expect(state.message?.text.contains("finest already") == true)
        // Out until everything shows again; 0 fits at once.
        for _ in 0..<20 { _ = press(.character("-"), &state) }
        #expect(state.timeline.zoom == nil)
        _ = press(.character("+"), &state)
        _ = press(.character("0"), &state)
        #expect(state.timeline.zoom == nil)
        // end: back to the newest bucket, following it.
        _ = press(.end, &state)
        #expect(state.timeline.cursor == nil)
    }

    /// While the stored history loads, the timeline holds only this run's minutes and the map
    /// only live events: both say they are not whole yet, and stop saying so once loaded.
    @Test func whileTheStoredHistoryLoadsTheTimelineAndTheMapSaySo() throws {
        func header(_ s: Snapshot) -> String {
            var b = ScreenBuffer(width: 140, height: 12)
            let render = RenderContext(snapshot: s, state: freshState(), glyphs: .unicode, keymap: .standard, now: now)
            TimelinePane.render(into: &b, area: b.bounds, context: render, focused: true)
            return b.row(1)
        }
        var loading = Self.snapshot()
        loading.geo.loaded = false
        var loaded = loading
        loaded.geo.loaded = true
        #expect(header(loading).contains("events · loading stored events…"))
        #expect(!header(loaded).contains("loading"))
        var empty = Snapshot()
        empty.geo.loaded = false
        #expect(header(empty).contains("loading stored events…") && !header(empty).contains("no events yet"))
        empty.geo.loaded = true
        #expect(header(empty).contains("no events yet"))

        let viewport = HeatmapViewport()
        let res = viewport.displayResolution(width: 100)
        let cell = try #require(try? H3.latLngToCell(lat: 48.85, lng: 2.35, res: res))
        var state = heatmapState(viewport, width: 100, tallies: [cell: CellTally(count: 3, severitySum: 9)])
        state.heatmap.land = nil
        func mapHeader(_ s: Snapshot) -> String {
            var b = ScreenBuffer(width: 140, height: 40)
            HeatmapPane.render(into: &b, area: b.bounds, context: RenderContext(snapshot: s, state: state, glyphs: .unicode, keymap: .standard, now: now),
                               focused: true)
            return b.row(1)
        }
        #expect(mapHeader(loading).contains("events  loading stored events…  1 hot"), "live events on the map, the stored ones coming")
        #expect(mapHeader(loaded).contains("on map") && !mapHeader(loaded).contains("loading"))
    }

    @Test func anEmptyTimelineSaysSoAndRandomKeysNeverBreakIt() throws {
        var state = freshState()
        _ = press(.enter, &state, Snapshot())
        #expect(state.message?.text == "the timeline has no events yet")
        #expect(state.range == nil)
        // Random keys over random histograms (hostile times included): no trap, a range is always valid.
        var rng = SystemRandomNumberGenerator()
        let keys: [Key] = [.left, .right, .pageUp, .pageDown, .home, .end, .enter, .escape, .character("v"), .character("+"),
                           .character("-"), .character("0"), .character(" ")]
        for _ in 0..<12 {
            var s = Snapshot()
            for _ in 0..<Int.random(in: 1...300, using: &rng) {
                let t = Bool.random(using: &rng) ? Int64.random(in: Timestamp.earliest.microseconds...Timestamp.latest.microseconds, using: &rng)
                    : Self.base + Int64.random(in: 0...86_400_000_000, using: &rng)
                s.timeline.add(Timestamp(microseconds: t), severity: Severity(Int.random(in: 0...10, using: &rng)))
            }
            var state = freshState()
            for _ in 0..<100 {
                _ = reducer.handle(keys.randomElement(using: &rng) ?? .left, state: &state, context: context(s, state))
                if let range = state.range { #expect(range.from < range.until) }
                let columns = Int.random(in: 1...250, using: &rng)
                var b = ScreenBuffer(width: columns + 2, height: 12)
                let render = RenderContext(snapshot: s, state: state, glyphs: .unicode, keymap: .standard, now: now)
                TimelinePane.render(into: &b, area: b.bounds, context: render, focused: true)
            }
        }
    }
}
