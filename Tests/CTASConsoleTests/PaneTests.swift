import CTASCore
import CTASEngine
import CTASStore
import Foundation
import Testing
@testable import CTASConsole

/// A snapshot as a busy engine publishes it.
func busySnapshot(events: Int = 1000, hostile: Bool = false) -> Snapshot {
    var s = Snapshot()
    s.sequence = 42
    s.totals.accepted = 1_234_567
    s.totals.rejected = 89
    s.totals.duplicates = 3
    s.totals.dropped = 7
    s.rateHistory = (0..<300).map { 1000 + ($0 * 37) % 900 }
    var source = SourceStatus(name: "/feeds/big-feed.ndjson", kind: .file)
    source.state = .reading
    source.bytesDone = 450
    source.bytesTotal = 1000
    source.etaSeconds = 75
    s.sources = [source]
    s.replay.speed = .factor(20)
    s.replay.eventTime = Timestamp(microseconds: 1_795_169_730_000_000)
    s.replay.rebased = true
    for (i, name) in ["read", "parse", "route", "write", "fanout"].enumerated() {
        var stage = StageStatus(name: name)
        stage.eventsPerSecond = 320_000
        stage.latency = LatencySummary()
        stage.latency.p50 = UInt64(100 * (i + 1))
        stage.latency.p99 = UInt64(1000 * (i + 1))
        stage.queueDepth = i
        stage.queueCapacity = 3
        s.stages.append(stage)
    }
    var hot = TierStatus(tier: .hot, available: true, retention: "ttl 7d, cap 48 MiB")
    hot.storedEvents = 230_000
    hot.bytes = 48 << 20
    hot.decisions = ["place: recent window for the live view": 1_000_000]
    var warm = TierStatus(tier: .warm, available: true, retention: "30d")
    warm.storedEvents = 1_234_567
    s.tiers = [hot, warm, TierStatus(tier: .cold, available: false, retention: "5y"), TierStatus(tier: .graph, available: false, retention: "1y")]
    s.recent = (0..<events).map { i in
        Event(id: "evt-\(i)", timestamp: Timestamp(microseconds: 1_795_169_730_000_000 + Int64(i) * 1_000_000),
              type: hostile && i % 2 == 0 ? "c2\u{1B}]0;pwned\u{7}" : ["c2_beacon", "phishing", "port_scan"][i % 3],
              severity: Severity(i % 10 + 1), source: "sensor-eu-\(i % 4)",
              entity: hostile ? "\u{9B}2J\u{202E}漢字漢字漢字漢字漢字" : "host-\(i % 50)",
              indicators: ["185.220.101.\(i % 200)", "evil-\(i).example"], description: "event \(i)")
    }
    return s
}

func context(_ snapshot: Snapshot, state: ViewState? = nil, ascii: Bool = false) -> RenderContext {
    RenderContext(snapshot: snapshot, state: state ?? ViewState(panes: [.feed, .metrics], themeName: "default"),
                  glyphs: ascii ? .plain : .unicode, keymap: .standard, now: Timestamp(microseconds: 1_795_169_735_000_000))
}

/// Renders a pane into a rectangle of a buffer filled with a marker; fails when anything
/// outside the rectangle changed.
func renderIsolated(_ area: Rect, width: Int, height: Int, _ draw: (inout ScreenBuffer) -> Void) -> ScreenBuffer {
    var b = ScreenBuffer(width: width, height: height, fill: Cell("¤"))
    draw(&b)
    for y in 0..<height {
        for x in 0..<width where !area.contains(x: x, y: y) {
            #expect(b[x, y].text == "¤", "drew outside its area at (\(x), \(y))")
        }
    }
    return b
}

@Suite struct PaneTests {
    init() { _ = utf8Locale }

    @Test func feedPaneStaysInsideAndShowsTheNewestFirst() {
        let area = Rect(x: 3, y: 2, width: 100, height: 20)
        let b = renderIsolated(area, width: 110, height: 26) { FeedPane.render(into: &$0, area: area, context: context(busySnapshot()), focused: true) }
        let text = b.text
        #expect(text.contains("Feed"))
        #expect(text.contains("big-feed.ndjson") && text.contains("45%") && text.contains("ETA 1m15s"))
        #expect(text.contains("accepted 1,234,567") && text.contains("rejected 89") && text.contains("dropped 7"))
        #expect(text.contains("TIME") && text.contains("INDICATORS"))
        let firstRow = b.row(area.y + 1 + FeedPane.headerRows)
        #expect(firstRow.contains("185.220.101.199") && firstRow.contains("evt") == false, "newest first, ids not shown in rows")
        #expect(firstRow.range(of: #"│\d\d:\d\d:\d\d +10 +- c2_beacon "#, options: .regularExpression) != nil,
                "the severity column holds 10 between the time and the type, then the risk (none given): \(firstRow)")
        // Severity colours: the newest event (index 999) has severity 10 → critical.
        let sevCell = b[area.x + 1 + 9 + 1, area.y + 1 + FeedPane.headerRows]
        #expect(sevCell.style.role == .selection, "the newest row is selected when focused")
        let second = area.y + 2 + FeedPane.headerRows
        #expect(b[area.x + 1 + 9 + 1, second].style.role == .severityCritical || b[area.x + 1 + 10, second].style.role == .severityCritical)
    }

    @Test func narrowFeedDropsColumnsAndASCIIUsesNoUnicode() {
        let area = Rect(x: 0, y: 0, width: 62, height: 12)
        let b = renderIsolated(area, width: 62, height: 12) {
            FeedPane.render(into: &$0, area: area, context: context(busySnapshot(), ascii: true), focused: false)
        }
        #expect(!b.text.contains("SOURCE") && !b.text.contains("ENTITY"))
        #expect(b.text.unicodeScalars.allSatisfy { $0.value < 0x80 || $0.value == 0xA4 }, "ASCII only (besides the test marker)")
    }

    @Test func hostileFeedContentNeverReachesTheScreenRaw() {
        let area = Rect(x: 0, y: 0, width: 120, height: 30)
        let snapshot = busySnapshot(hostile: true)
        var state = ViewState(panes: [.feed, .metrics], themeName: "default")
        for kind in [Overlay?.none, .detail(snapshot.recent[998])] {
            state.overlay = kind
            let b = ScreenRenderer.render(width: 120, height: 30, context: context(snapshot, state: state))
            for cell in b.cells {
                #expect(!cell.text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.value == 0x202E },
                        "a control character reached the buffer: \(cell.text.debugDescription)")
            }
            #expect(b.text.contains("\\e]0;pwned\\x07") || b.text.contains("\\e]0;pwned"))
        }
        // Wide characters are measured: rows keep their width.
        let feed = renderIsolated(area, width: 120, height: 30) { FeedPane.render(into: &$0, area: area, context: context(snapshot), focused: false) }
        for y in 1..<(area.height - 1) { #expect(DisplayText.width(feed.row(y)) == 120) }
    }

    @Test func metricsPaneShowsStagesTiersAndProcess() {
        let area = Rect(x: 5, y: 1, width: 90, height: 32)
        var ctx = context(busySnapshot())
        ctx.frames.p50Micros = 1200
        ctx.frames.p99Micros = 3400
        let b = renderIsolated(area, width: 100, height: 35) { MetricsPane.render(into: &$0, area: area, context: ctx, focused: false) }
        let text = b.text
        for expected in ["stage", "read", "parse", "route", "write", "fanout", "320k", "p95", "queue", "hot", "230,000", "48.0M", "warm",
                         "1,234,567", "(later)", "routing decisions", "recent window", "frame p50 1.2ms p99 3.4ms", "rate"] {
            #expect(text.contains(expected), "metrics show \(expected)")
        }
        // Narrow: fewer columns, still inside.
        let small = Rect(x: 0, y: 0, width: 40, height: 10)
        _ = renderIsolated(small, width: 40, height: 10) { MetricsPane.render(into: &$0, area: small, context: ctx, focused: true) }
    }

    /// The writer's upkeep under the tiers, once there was any; failed merge steps in the
    /// warning colour (a store whose merges keep failing commits ever more slowly).
    @Test func metricsPaneShowsTheWritersUpkeep() throws {
        let area = Rect(x: 0, y: 0, width: 100, height: 34)
        let none = renderIsolated(area, width: 100, height: 34) { MetricsPane.render(into: &$0, area: area, context: context(busySnapshot()), focused: false) }
        #expect(!none.text.contains("upkeep"), "nothing done yet, no line")
        var snapshot = busySnapshot()
        snapshot.upkeep.idleCheckpoints = 57
        snapshot.upkeep.forcedCheckpoints = 3
        snapshot.upkeep.mergeSteps = 1_445
        let b = renderIsolated(area, width: 100, height: 34) { MetricsPane.render(into: &$0, area: area, context: context(snapshot), focused: false) }
        let row = try #require((0..<34).first { b.row($0).contains("warm upkeep") })
        #expect(b.row(row).contains("warm upkeep  checkpoints 57 idle 3 forced  merge steps 1,445"), "\(b.row(row))")
        #expect(!b.row(row).contains("failed"))
        let tiers = try #require((0..<34).first { b.row($0).contains("(later)") })
        #expect(row > tiers, "under the tiers")
        #expect(b[1, row].style.role == .muted)
        snapshot.upkeep.mergeFailures = 2
        let failing = renderIsolated(area, width: 100, height: 34) { MetricsPane.render(into: &$0, area: area, context: context(snapshot), focused: false) }
        #expect(failing.row(row).contains("merge steps 1,445  failed 2"), "\(failing.row(row))")
        #expect(failing[1, row].style.role == .warning)
        let narrowArea = Rect(x: 0, y: 0, width: 50, height: 30)
        let narrow = renderIsolated(narrowArea, width: 50, height: 30) { MetricsPane.render(into: &$0, area: narrowArea, context: context(snapshot), focused: false) }
        #expect(narrow.text.contains("upkeep ckpt 57+3 merge 1,445  failed 2"), "\(narrow.text)")
    }

    @Test func metricsPaneShowsLiveAnomaliesSafely() {
        let area = Rect(x: 0, y: 0, width: 100, height: 34)
        var snapshot = busySnapshot()
        var status = AnomalyStatus()
        status.tracked = 120
        status.rate = 3
        status.rare = 1
        status.recent = [AnomalyStatus.Note(entity: "ws\u{1B}[2J-7", kind: "rate", start: "2026-11-20T14:00:00Z", end: "2026-11-20T15:00:00Z",
                                            observed: 130, expected: 12.5, score: 88.4, detail: "burst")]
        snapshot.anomalies = status
        let b = renderIsolated(area, width: 100, height: 34) { MetricsPane.render(into: &$0, area: area, context: context(snapshot), focused: false) }
        let text = b.text
        #expect(text.contains("anomalies 3 rate  1 rare  newest ws\\e[2J-7 burst 14:00 (88)"), "\(text)")
        #expect(!b.cells.contains { $0.text.unicodeScalars.contains { $0.value == 0x1B } })
        // Without live detection, no line.
        let off = renderIsolated(area, width: 100, height: 34) { MetricsPane.render(into: &$0, area: area, context: context(busySnapshot()), focused: false) }
        #expect(!off.text.contains("anomalies"))
    }

    @Test func layoutAdaptsAndSaysWhenTooSmall() {
        let wide = Layout.panes([.feed, .metrics], in: Rect(x: 0, y: 0, width: 200, height: 59), focus: .feed, maximized: false)
        #expect(wide[0].1.y == wide[1].1.y, "side by side when wide")
        let narrow = Layout.panes([.feed, .metrics], in: Rect(x: 0, y: 0, width: 80, height: 23), focus: .feed, maximized: false)
        #expect(narrow[0].1.x == narrow[1].1.x, "stacked when narrow")
        let max = Layout.panes([.feed, .metrics], in: Rect(x: 0, y: 0, width: 80, height: 23), focus: .metrics, maximized: true)
        #expect(max.count == 1 && max[0].0 == .metrics)
        let all = Layout.panes(PaneKind.allCases, in: Rect(x: 0, y: 0, width: 200, height: 59), focus: .feed, maximized: false)
        #expect(all.count == 5)
        // The timeline is a strip across the foot, the others share the grid above it, none overlapping.
        let strip = all.first { $0.0 == .timeline }?.1
        #expect(strip?.width == 200 && strip?.maxY == 59 && (strip?.height ?? 0) >= 7)
        for (i, a) in all.enumerated() {
            for b in all.dropFirst(i + 1) {
                let overlap = a.1.x < b.1.maxX && b.1.x < a.1.maxX && a.1.y < b.1.maxY && b.1.y < a.1.maxY
                #expect(!overlap, "\(a.0) and \(b.0) overlap")
            }
        }
        #expect(all.reduce(0) { $0 + $1.1.width * $1.1.height } == 200 * 59, "the panes fill the screen")
        let tiny = ScreenRenderer.render(width: 30, height: 8, context: context(busySnapshot()))
        #expect(tiny.text.contains("terminal too small: need 60×15"))
        let one = ScreenRenderer.render(width: 1, height: 1, context: context(busySnapshot()))
        #expect(one.width == 1)
        let zero = ScreenRenderer.render(width: 0, height: 0, context: context(busySnapshot()))
        #expect(zero.cells.isEmpty)
    }

    @Test func statusBarAndOverlays() {
        var state = ViewState(panes: [.feed, .metrics], themeName: "default")
        state.demo = true
        var b = ScreenRenderer.render(width: 120, height: 30, context: context(busySnapshot(), state: state))
        let status = b.row(29)
        #expect(status.contains("DEMO REPLAY 20x") && status.contains("event 2026-11-20 10:15:30Z") && status.contains("? help"))
        state.overlay = .help
        b = ScreenRenderer.render(width: 120, height: 40, context: context(busySnapshot(), state: state))
        for expected in ["Help", "quit (flush and checkpoint first)", "Feed pane", ":seek TIME", "sev>=7"] {
            #expect(b.text.contains(expected), "help shows \(expected)")
        }
        state.overlay = nil
        state.prompt = Prompt(kind: .filter, text: "sev>=7", historyIndex: nil)
        b = ScreenRenderer.render(width: 120, height: 30, context: context(busySnapshot(), state: state))
        #expect(b.row(29).hasPrefix("/sev>=7█"))
    }

    /// Event time against wall time is said only where the two meet: a rebased replay (the
    /// demo) or a live source; never for an old recording or a feed that has ended.
    @Test func behindIsSaidOnlyWhereEventTimeMeetsWallTime() {
        func status(_ kind: SourceStatus.Kind, rebased: Bool, finished: Bool = false, eventTime: Int64 = 1_795_169_730_000_000) -> String {
            var s = busySnapshot()
            s.sources[0] = SourceStatus(name: "feed", kind: kind)
            s.replay.rebased = rebased
            s.replay.eventTime = Timestamp(microseconds: eventTime)
            s.finished = finished
            return ScreenRenderer.render(width: 160, height: 30, context: context(s)).row(29)
        }
        #expect(status(.file, rebased: true).contains("behind 5s"))
        #expect(status(.file, rebased: false, eventTime: 1_426_500_000_000_000).contains("event 2015-03-16"))
        #expect(!status(.file, rebased: false, eventTime: 1_426_500_000_000_000).contains("behind"), "an old recording is not behind")
        for kind in [SourceStatus.Kind.follow, .stdin, .pipe, .udp] {
            #expect(status(kind, rebased: false).contains("behind 5s"), "\(kind) is live")
            #expect(!status(kind, rebased: false, finished: true).contains("behind"), "\(kind) ended")
        }
    }
}

@Suite struct MetricsQueueTests {
    @Test func aFullQueueWithSendersHeldBackNeverReadsAsMoreThanFull() {
        var stage = StageStatus(name: "write")
        stage.queueCapacity = 3
        stage.queueDepth = 4
        #expect(MetricsPane.queue(stage) == "3/3+1")
        stage.queueDepth = 2
        #expect(MetricsPane.queue(stage) == "2/3")
        stage.queueCapacity = 0
        #expect(MetricsPane.queue(stage) == "-")
    }
}
