import Foundation
import CTASCore
import CTASEngine
import H3
import Testing
@testable import CTASConsole

/// Every pane, the whole screen and the overlays at 80×24 and 200×60, from one fixed
/// snapshot, compared whole against the reviewed files in `Golden/`.
@Suite struct GoldenScreenTests {
    init() { _ = utf8Locale }

    static let sizes = [(80, 24), (200, 60)]

    /// Planted densities around a few cities (fixed), so the map shows cells and hot spots.
    static func tallies(resolution: Int) -> [H3Index: CellTally] {
        var out: [H3Index: CellTally] = [:]
        let places: [(Double, Double, Int)] = [(48.86, 2.35, 400), (51.51, -0.13, 250), (52.52, 13.40, 120), (40.71, -74.0, 300),
                                               (35.68, 139.69, 180), (-23.55, -46.63, 60), (55.75, 37.62, 90), (39.04, -77.49, 500)]
        for (lat, lng, count) in places {
            guard let cell = try? H3.latLngToCell(lat: lat, lng: lng, res: resolution) else { continue }
            out[cell] = CellTally(count: count, severitySum: count * 6)
            for (i, ring) in ((try? H3.gridRing(cell, k: 1)) ?? []).enumerated() {
                out[ring, default: CellTally()].count += count / (4 + i)
                out[ring, default: CellTally()].severitySum += count / (4 + i) * 4
            }
        }
        return out
    }

    /// The full console state: five panes, the graph answered, the heatmap over the world.
    static func fullState(width: Int, height: Int) throws -> ViewState {
        var state = ViewState(panes: [.feed, .heatmap, .graph, .metrics, .timeline], themeName: "default")
        state.focus = .feed
        state.graph.focus = .event("evt-a")
        state.graph.hops = 2
        state.graph.result = sampleNeighborhood()
        state.heatmap.land = try LandMask(path: TestPaths.repository + "/SampleData/landmask.bin")
        state.heatmap.atlas = try WorldAtlas(path: TestPaths.repository + "/SampleData/atlas.txt")
        let main = ScreenRenderer.mainArea(width: width, height: height)
        let area = Layout.panes(state.panes, in: main, focus: .feed, maximized: false).first { $0.0 == .heatmap }?.1 ?? main
        let map = HeatmapPane.mapArea(in: area)
        state.heatmap.viewport = HeatmapViewport(centerLat: 30, centerLng: 0, zoom: 0)
        let query = state.heatmap.query(width: map.width, height: map.height)
        state.heatmap.data = HeatmapData(query: query, tallies: tallies(resolution: query.resolution))
        return state
    }

    static func snapshot() -> Snapshot {
        var s = busySnapshot(events: 300)
        s.graph.loaded = true
        s.geo.loaded = true
        s.attention.critical = 12
        s.attention.high = 340
        s.attention.topEntity = AttentionStatus.Top(name: "host-49", count: 341)
        s.attention.topType = AttentionStatus.Top(name: "port_scan", count: 1_234)
        s.attention.topSource = AttentionStatus.Top(name: "sensor-eu-3", count: 902)
        s.intelSightings = 5
        // Risk scores on most events (a third were stored before scores existed): the feed's
        // column and the detail view's parts.
        for i in s.recent.indices where i % 3 != 0 {
            s.recent[i].risk = RiskScore(severity: s.recent[i].severity, intelScore: i % 5 == 4 ? 80 : nil,
                                         anomalyScore: i % 7 == 5 ? 60 : nil, inHotspot: i % 4 == 3)
        }
        // A day of activity before the recent events: a daily swell, a burst of criticals,
        // a quiet hour, a few events without a severity.
        let dayStart = s.recent[0].timestamp.microseconds - 86_400_000_000
        for minute in 0..<1_440 where !(600..<660).contains(minute) {
            let t = Timestamp(microseconds: dayStart + Int64(minute) * 60_000_000)
            for k in 0..<(2 + (minute / 60 % 12)) { s.timeline.add(t, severity: Severity((minute + k) % 8 + 1)) }
            if (1_000..<1_030).contains(minute) { for _ in 0..<25 { s.timeline.add(t, severity: Severity(10)) } }
            if minute % 97 == 0 { s.timeline.add(t, severity: nil) }
        }
        for e in s.recent { s.timeline.add(e.timestamp, severity: e.severity) }
        // Intelligence sighted in the burst and an hour before the end.
        for minute in [1_005, 1_010, 1_380] { s.sightingTimeline.add(Timestamp(microseconds: dayStart + Int64(minute) * 60_000_000), severity: nil) }
        return s
    }

    @Test(arguments: sizes)
    func wholeScreen(width: Int, height: Int) throws {
        let state = try Self.fullState(width: width, height: height)
        let b = ScreenRenderer.render(width: width, height: height, context: context(Self.snapshot(), state: state))
        try GoldenScreen.check(b, "screen-\(width)x\(height)", title: "the console, four panes, feed focused")
    }

    @Test(arguments: sizes)
    func eachPaneMaximized(width: Int, height: Int) throws {
        for pane in [PaneKind.feed, .heatmap, .graph, .metrics, .timeline] {
            var state = try Self.fullState(width: width, height: height)
            state.focus = pane
            state.maximized = true
            if pane == .heatmap {
                let map = HeatmapPane.mapArea(in: ScreenRenderer.mainArea(width: width, height: height))
                let query = state.heatmap.query(width: map.width, height: map.height)
                state.heatmap.data = HeatmapData(query: query, tallies: Self.tallies(resolution: query.resolution))
            }
            let b = ScreenRenderer.render(width: width, height: height, context: context(Self.snapshot(), state: state))
            try GoldenScreen.check(b, "\(pane.rawValue)-\(width)x\(height)", title: "the \(pane.rawValue) pane maximized and focused")
        }
    }

    /// Live anomalies as the metrics pane's anomalies view shows them: strongest first, each
    /// with its entity's last hours against the band its cycle expects.
    static func anomalies() -> AnomalyStatus {
        var status = AnomalyStatus()
        status.tracked = 212
        status.rate = 3
        status.rare = 2
        func hours(_ burstAt: Int?, quietFrom: Int? = nil, history: Bool = true) -> [AnomalyStatus.Hour] {
            (0..<24).map { h in
                let base = 10 + 6 * sin(Double(h) / 24 * 2 * .pi)
                var observed = (base + Double(h % 3)).rounded()
                if let burstAt, h >= burstAt { observed = 90 + Double(h - burstAt) * 15 }
                if let quietFrom, h >= quietFrom { observed = 0 }
                return AnomalyStatus.Hour(observed: observed, low: history ? max(0, base - 7) : nil, high: history ? base + 8 : nil)
            }
        }
        var burst = AnomalyStatus.Note(entity: "host-17", kind: "rate", start: "2026-11-20T13:00:00Z", end: "2026-11-20T15:00:00Z",
                                       observed: 210, expected: 24, score: 100, detail: "burst")
        burst.hours = hours(22)
        var typed = AnomalyStatus.Note(entity: "db-prod-02", kind: "rate", start: "2026-11-20T14:00:00Z", end: "2026-11-20T15:00:00Z",
                                       observed: 41, expected: 3, score: 74, detail: "burst of smb")
        typed.hours = hours(23)
        var silence = AnomalyStatus.Note(entity: "sensor\u{1B}[2J-4", kind: "rate", start: "2026-11-20T11:00:00Z", end: "2026-11-20T14:00:00Z",
                                         observed: 0, expected: 38, score: 62, detail: "silence")
        silence.hours = hours(nil, quietFrom: 20)
        var first = AnomalyStatus.Note(entity: "host-3", kind: "rare", start: "2026-11-20T14:07:12Z", end: "2026-11-20T14:07:12Z",
                                       observed: 1, expected: 0, score: 58, detail: "new type smb")
        first.hours = hours(nil)
        var young = AnomalyStatus.Note(entity: "laptop-88", kind: "rare", start: "2026-11-20T14:20:00Z", end: "2026-11-20T14:20:00Z",
                                       observed: 1, expected: 0, score: 50, detail: "new type dns")
        young.hours = hours(nil, history: false)
        status.recent = [young, first, typed, burst, silence]
        return status
    }

    @Test(arguments: sizes)
    func anomaliesView(width: Int, height: Int) throws {
        var state = try Self.fullState(width: width, height: height)
        state.focus = .metrics
        state.anomalies.shown = true
        state.anomalies.selected = 1
        var snapshot = Self.snapshot()
        snapshot.anomalies = Self.anomalies()
        try GoldenScreen.check(ScreenRenderer.render(width: width, height: height, context: context(snapshot, state: state)),
                               "anomalies-\(width)x\(height)", title: "the metrics pane's anomalies view, second row selected")
        state.maximized = true
        try GoldenScreen.check(ScreenRenderer.render(width: width, height: height, context: context(snapshot, state: state)),
                               "anomalies-maximized-\(width)x\(height)", title: "the anomalies view maximized")
    }

    /// The anomalies view says where the monitor's history came from: rebuilt from the store,
    /// or the saved monitor with the events stored after it.
    @Test func anomaliesViewSaysWhereTheHistoryCameFrom() throws {
        var state = try Self.fullState(width: 200, height: 60)
        state.focus = .metrics
        state.anomalies.shown = true
        state.maximized = true   // the history is said from 90 columns
        var snapshot = Self.snapshot()
        var status = Self.anomalies()
        status.rebuiltFromEvents = 1_900_082
        status.rebuildSeconds = 2.3
        snapshot.anomalies = status
        let rebuilt = ScreenRenderer.render(width: 200, height: 60, context: context(snapshot, state: state)).text
        #expect(rebuilt.contains("history: 1,900,082 stored events in 2.3s"), "\(rebuilt)")
        status.resumedFromSaved = true
        status.rebuiltFromEvents = 0
        status.rebuildSeconds = 0.12
        snapshot.anomalies = status
        let resumed = ScreenRenderer.render(width: 200, height: 60, context: context(snapshot, state: state)).text
        #expect(resumed.contains("history: saved + 0 stored events in 0.1s"), "\(resumed)")
    }

    @Test(arguments: sizes)
    func overlays(width: Int, height: Int) throws {
        var state = try Self.fullState(width: width, height: height)
        state.overlay = .help
        try GoldenScreen.check(ScreenRenderer.render(width: width, height: height, context: context(Self.snapshot(), state: state)),
                               "help-\(width)x\(height)", title: "the help overlay")
        let snapshot = Self.snapshot()
        let shown = snapshot.recent[snapshot.recent.count - 1]
        state.overlay = .detail(shown)
        state.detailLinks = DetailLinks(eventID: shown.id, indicators: [
            GraphIndicator(indicator: Indicator(.ipv4, "185.220.101.99"), events: 6, overcorrelated: false, warninglisted: nil),
            GraphIndicator(indicator: Indicator(.domain, "evil-299.example"), events: 1, overcorrelated: false, warninglisted: "documentation names"),
            GraphIndicator(indicator: Indicator(.domain, "popular.net"), events: 900, overcorrelated: true, warninglisted: nil),
        ], intel: [Indicator(.ipv4, "185.220.101.99"): 80])
        try GoldenScreen.check(ScreenRenderer.render(width: width, height: height, context: context(snapshot, state: state)),
                               "detail-\(width)x\(height)", title: "an event's detail (one indicator known intelligence)")
    }

    /// The status bar when ingest cannot keep up: amber while events wait, red when they
    /// wait long or a live source drops lines; trouble shows even where the key hints must go.
    @Test func statusBarLag() throws {
        var state = try Self.fullState(width: 120, height: 30)
        state.focus = .metrics
        state.maximized = true
        var lines: [String] = []
        for (name, wait, queued, dropped) in [("slow", 4.2, 12_400, 0), ("behind", 16.0, 1_200_000, 0), ("dropping", 0.5, 300, 1_234)] {
            var s = Self.snapshot()
            s.lag.oldestWaitSeconds = wait
            s.lag.eventsInFlight = queued
            s.lag.recentlyDropped = dropped
            // A writer never idle: its checkpoints run inside commits.
            s.upkeep.idleCheckpoints = 4
            s.upkeep.forcedCheckpoints = 37
            s.upkeep.mergeSteps = 212
            let b = ScreenRenderer.render(width: 120, height: 30, context: context(s, state: state))
            if name == "behind" { try GoldenScreen.check(b, "status-behind-120x30", title: "the metrics pane while ingest falls behind") }
            lines.append(b.row(29))
        }
        #expect(lines[0].contains("lag 4s, 12k queued"), "\(lines[0])")
        #expect(lines[1].contains("FALLING BEHIND 16s, 1.2M queued"), "\(lines[1])")
        #expect(lines[2].contains("DROPPING 1.2k lines in 10s"), "\(lines[2])")
        var done = Self.snapshot()
        done.finished = true
        #expect(!ScreenRenderer.render(width: 200, height: 60, context: context(done, state: state)).row(59).contains("keeping up"))
    }

    /// The timeline with the cursor moved back, a range being selected, and a range every
    /// pane follows; in colour and without colours (each band its own shade).
    @Test func timelineSelection() throws {
        var state = try Self.fullState(width: 120, height: 30)
        state.focus = .timeline
        state.maximized = true
        let s = Self.snapshot()
        let columns = TimelinePane.columns(in: ScreenRenderer.mainArea(width: 120, height: 30))
        let reducer = Reducer(keymap: .standard)
        func press(_ key: Key) {
            _ = reducer.handle(key, state: &state, context: Reducer.Context(snapshot: s, feedList: FeedList.events(s, state.feed), feedRows: 10,
                                                                            timelineColumns: columns))
        }
        for _ in 0..<20 { press(.left) }
        press(.character("v"))
        for _ in 0..<6 { press(.left) }
        press(.enter)
        for _ in 0..<30 { press(.right) }
        press(.character("v"))
        press(.right)
        try GoldenScreen.check(ScreenRenderer.render(width: 120, height: 30, context: context(s, state: state)), "timeline-selection-120x30",
                               title: "the timeline: a range followed, another being selected")
        var mono = context(s, state: state, ascii: true)
        mono.colorDepth = .monochrome
        try GoldenScreen.check(ScreenRenderer.render(width: 120, height: 30, context: mono), "timeline-mono-120x30",
                               title: "the timeline without colours (--ascii, NO_COLOR)")
        #expect(state.range != nil && state.timeline.anchor != nil)
    }

    /// The map under NO_COLOR (the monochrome theme has no density colours, whatever the
    /// terminal): the glyph ramp and the outline dots carry it, with names and the legend.
    @Test(arguments: [(80, 24), (120, 30), (200, 60)])
    func mapWithoutDensityColours(width: Int, height: Int) throws {
        var state = try Self.fullState(width: width, height: height)
        state.focus = .heatmap
        state.maximized = true
        let map = HeatmapPane.mapArea(in: ScreenRenderer.mainArea(width: width, height: height))
        let query = state.heatmap.query(width: map.width, height: map.height)
        state.heatmap.data = HeatmapData(query: query, tallies: Self.tallies(resolution: query.resolution))
        var mono = context(Self.snapshot(), state: state)
        mono.densityColours = false
        let b = ScreenRenderer.render(width: width, height: height, context: mono)
        try GoldenScreen.check(b, "heatmap-nocolor-\(width)x\(height)", title: "the map under NO_COLOR: glyph ramp, outline dots, names, legend")
        #expect(!b.text.contains("▀"), "no half blocks without colours")
    }

    /// Under NO_COLOR's monochrome look the screen is the same cells; what differs is the
    /// theme, so the glyph-only (ASCII) form is the one to keep.
    @Test func asciiScreen() throws {
        let state = try Self.fullState(width: 80, height: 24)
        let b = ScreenRenderer.render(width: 80, height: 24, context: context(Self.snapshot(), state: state, ascii: true))
        try GoldenScreen.check(b, "screen-ascii-80x24", title: "the console under --ascii / LANG=C")
    }
}
