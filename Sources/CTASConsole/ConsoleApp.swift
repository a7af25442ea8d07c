import CTASCore
import CTASEngine
import H3
import Dispatch
import Glibc

/// How the console runs.
public struct ConsoleOptions: Sendable {
    /// Frames a second unless the command line or the config says otherwise.
    public static let defaultFramesPerSecond = 10
    public var framesPerSecond = defaultFramesPerSecond
    public var ascii = false
    public var mouse = false
    public var demo = false

    public init() {}
}

/// The console: reads input, applies it through the reducer, renders the latest engine
/// snapshot into a screen buffer and hands it to the terminal, at most at the frame rate
/// and only when something changed. It never waits on the engine.
@MainActor
public final class ConsoleApp {
    let engine: Engine
    let terminal: any Terminal
    let options: ConsoleOptions
    let reducer: Reducer
    let catalog: ThemeCatalog
    public private(set) var state: ViewState
    public private(set) var theme: Theme
    let glyphs: Glyphs
    private let wake = Wakeup()
    private let quitFlag = Locked(false)
    private let suspendFlag = Locked(false)
    private var frameTimes: [UInt64] = []
    private var frameStats = FrameStats()
    /// The frame drawn into, kept from frame to frame (see `ScreenRenderer.render(into:width:height:context:)`).
    private var frame = ScreenBuffer(width: 0, height: 0)
    private var dirty = true
    private var lastSequence = -1
    private var lastSecond: Int64 = -1
    private var inputSource: DispatchSourceRead?
    private var lastGraphQuery: UInt64 = 0
    /// The graph's event count when the pane last got an answer.
    private var graphSequence = -1
    private var lastClusterQuery: UInt64 = 0
    private var clusterSequence = -1
    private let inputSuspended = SharedFlag()
    private var lastHeatmapQuery: UInt64 = 0
    private var lastSummarized: H3Index?
    private var lastSummaryQuery: UInt64 = 0

    public init(engine: Engine, terminal: any Terminal, options: ConsoleOptions, keymap: Keymap, theme: Theme, catalog: ThemeCatalog,
                panes: [PaneKind] = [.feed, .heatmap, .graph, .metrics, .timeline], landMask: LandMask? = nil, atlas: WorldAtlas? = nil,
                startupMessage: String? = nil) {
        self.engine = engine
        self.terminal = terminal
        self.options = options
        reducer = Reducer(keymap: keymap)
        self.catalog = catalog
        self.theme = theme
        glyphs = options.ascii ? .plain : .unicode
        state = ViewState(panes: panes, themeName: theme.name)
        state.demo = options.demo
        state.heatmap.land = landMask
        state.heatmap.atlas = atlas
        if let startupMessage { state.say(startupMessage, error: true) }
    }

    /// Asks the loop to finish (signals call this from any thread).
    public nonisolated func requestQuit() {
        quitFlag.withLock { $0 = true }
        wake.signal()
    }

    /// Asks the loop to hand the terminal back to the shell and stop (Ctrl-Z), between
    /// frames, so a frame being drawn can never re-enter the screen after it was left.
    public nonisolated func requestSuspend() {
        suspendFlag.withLock { $0 = true }
        wake.signal()
    }

    /// Wakes the loop when the terminal has input.
    public func watchInput(fileDescriptor fd: Int32) {
        inputSource = Self.makeInputSource(fd: fd, wake: wake, suspended: inputSuspended)
    }

    /// Built outside the main actor: a handler formed in main-actor code would be isolated to
    /// it and trap when dispatch runs it on another queue.
    private nonisolated static func makeInputSource(fd: Int32, wake: Wakeup, suspended: SharedFlag) -> DispatchSourceRead {
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: .global())
        // The handler only suspends its own source (dispatch sources are thread-safe); it is
        // cancelled at shutdown, which releases the handler and this reference.
        let box = UncheckedSource(source)
        source.setEventHandler { @Sendable in
            // Level-triggered: pause the source until the loop has read what is there.
            suspended.set(true)
            box.source.suspend()
            wake.signal()
        }
        source.resume()
        return source
    }

    /// Runs until quit; returns the engine's summary after it has flushed and checkpointed.
    ///
    /// The loop runs on the main actor; what it waits for (the frame timer, the engine's
    /// answers) runs on CTAS's own threads (`ThreadPoolExecutor.shared`), like the engine:
    /// frames keep coming whatever holds the cooperative pool.
    public func run() async -> IngestSummary {
        await withTaskExecutorPreference(ThreadPoolExecutor.shared) { await loop() }
    }

    private func loop() async -> IngestSummary {
        engine.start()
        while true {
            if suspendFlag.withLock({ flag in defer { flag = false }; return flag }) {
                terminal.suspendToShell()
                terminal.invalidate()
                dirty = true
            }
            handleInput()
            if quitFlag.withLock({ $0 }) || state.quitRequested { break }
            refreshGraphIfStale()
            refreshHeatmapIfStale()
            renderIfNeeded()
            let snapshot = engine.snapshot
            let idle = snapshot.replay.paused || snapshot.finished
            let fps = max(1, min(60, options.framesPerSecond))
            await wake.wait(timeout: .milliseconds(idle ? Self.untilNextSecond(Timestamp.now()) : 1000 / fps))
        }
        state.say("stopping: committing what is in flight…")
        renderIfNeeded(force: true)
        let summary = await engine.stop()
        inputSource?.cancel()
        if inputSuspended.isSet { inputSource?.resume() }
        terminal.shutdown()
        return summary
    }

    /// Milliseconds from `now` to just past the next whole second of the wall clock: an idle
    /// console (paused, or the feed ended) wakes once a second, when its clock changes, and
    /// at once for a key or an answer.
    nonisolated static func untilNextSecond(_ now: Timestamp) -> Int {
        let intoSecond = Int(((now.microseconds % 1_000_000) + 1_000_000) % 1_000_000)
        return (1_000_000 - intoSecond) / 1_000 + 2
    }

    // MARK: input

    func handleInput() {
        let inputs = terminal.readInput()
        if inputSuspended.take() { inputSource?.resume() }
        for input in inputs {
            dirty = true
            switch input {
            case .resize:
                terminal.invalidate()
            case .key(let key):
                apply(reducer.handle(key, state: &state, context: reducerContext()))
            case .scroll(let up):
                // The wheel zooms the map (scrolls everything else).
                let map = state.focus == .heatmap && state.heatmap.drill == nil
                apply(reducer.perform(map ? (up ? .zoomIn : .zoomOut) : (up ? .up : .down), state: &state, context: reducerContext()))
            case .click(let x, let y):
                let main = ScreenRenderer.mainArea(width: terminal.width, height: terminal.height)
                for (pane, rect) in Layout.panes(state.panes, in: main, focus: state.focus, maximized: state.maximized,
                                                 tabbed: Layout.isTabbed(width: terminal.width, height: terminal.height))
                where rect.contains(x: x, y: y) {
                    state.focus = pane
                    if pane == .timeline {
                        apply(reducer.clickTimeline(column: x - rect.x - 1, state: &state, context: reducerContext()))
                    }
                    if pane == .heatmap {
                        let map = HeatmapPane.mapArea(in: rect)
                        apply(reducer.clickMap(column: x - map.x, row: y - map.y, state: &state, context: reducerContext()))
                    }
                }
            }
        }
    }

    func reducerContext() -> Reducer.Context {
        let snapshot = engine.snapshot
        let rows = ScreenRenderer.feedArea(width: terminal.width, height: terminal.height, state: state).map(FeedPane.listRows) ?? 0
        let graphRows = ScreenRenderer.area(of: .graph, width: terminal.width, height: terminal.height, state: state).map(GraphPane.listRows) ?? 0
        let heatmapArea = ScreenRenderer.area(of: .heatmap, width: terminal.width, height: terminal.height, state: state)
        let map = heatmapArea.map(HeatmapPane.mapArea) ?? Rect(x: 0, y: 0, width: 0, height: 0)
        let timeline = ScreenRenderer.area(of: .timeline, width: terminal.width, height: terminal.height, state: state)
        return Reducer.Context(snapshot: snapshot, feedList: FeedList.events(snapshot, state.feed), feedRows: rows, graphRows: graphRows,
                               heatmapSize: (map.width, map.height), drillRows: heatmapArea.map(HeatmapPane.listRows) ?? 0,
                               timelineColumns: timeline.map(TimelinePane.columns) ?? 0)
    }

    func apply(_ effects: [Effect]) {
        for effect in effects {
            switch effect {
            case .engine(let command):
                Task { [engine] in
                    if let problem = await engine.send(command) { self.deliver(.engineProblem(problem)) }
                }
            case .redraw:
                terminal.invalidate()
            case .fetchHistory:
                fetchHistory()
            case .queryGraph:
                queryGraph()
            case .queryClusters:
                queryClusters()
            case .describeEvent(let id):
                let query = NeighborQuery(focus: .event(id), hops: 1, limit: 0, overcorrelationThreshold: engine.overcorrelationThreshold)
                let time: Timestamp = if case .detail(let e) = state.overlay, e.id == id { e.timestamp } else { .now() }
                Task { [engine] in
                    let answer = await engine.neighbors(query)
                    let intel = await engine.intelScores(of: answer?.indicators.map(\.indicator) ?? [], at: time)
                    self.deliver(.eventIndicators(id, answer?.indicators, intel: intel))
                }
            case .openEvent(let id):
                Task { [engine] in
                    let event = await engine.storedEvent(id: id)
                    self.deliver(.storedEvent(id, event))
                }
            case .findInGraph(let text):
                findInGraph(text)
            case .queryHeatmap:
                queryHeatmap()
            case .drillCell:
                drillCell()
            case .summarizeCursor:
                summarizeCursor()
            case .copy(let text):
                copy(text)
            case .export(var request):
                // `~/` as a shell would read it; a relative name is under the directory ctas started in.
                if request.path.hasPrefix("~/"), let home = getenv("HOME").map({ String(cString: $0) }), home.hasPrefix("/") {
                    request.path = home + request.path.dropFirst(1)
                }
                Task { [engine] in
                    let result = await engine.export(request)
                    self.deliver(.exported(result))
                }
            case .loadTheme(let name):
                if name.isEmpty {
                    state.say("themes: " + catalog.names.joined(separator: ", ") + " (now \(theme.name))")
                } else {
                    do throws(ConfigError) {
                        theme = try catalog.load(name)
                        state.themeName = theme.name
                        state.say("theme \(theme.name)")
                        terminal.invalidate()
                    } catch {
                        state.say(error.message, error: true)
                    }
                }
            }
        }
    }

    /// An answer from the engine: through the reducer, then whatever it asks for next.
    func deliver(_ arrival: Arrival) {
        apply(reducer.receive(arrival, state: &state, context: reducerContext()))
        dirty = true
        wake.signal()
    }

    // MARK: clipboard

    /// The terminal's clipboard (OSC 52) when it can be asked, and always a file the analyst
    /// can read back ($XDG_STATE_HOME/ctas/clipboard.txt), since many terminals ignore OSC 52.
    func copy(_ text: String) {
        let asked = terminal.copyToClipboard(text)
        switch ClipboardFile.write(text) {
        case .success(let path): state.say((asked ? "copied (OSC 52); also in " : "copied to ") + path)
        case .failure(let problem): state.say(asked ? "copied (OSC 52); " + problem.message : problem.message, error: !asked)
        }
    }

    // MARK: history

    func fetchHistory() {
        guard !state.feed.historyLoading, !state.feed.historyExhausted else { return }
        state.feed.historyLoading = true
        let filter = state.feed.filter
        let before = state.feed.historyNext
        let generation = state.feed.historyGeneration
        Task { [engine] in
            let page = await engine.history(matching: filter, before: before, limit: 200)
            self.deliver(.historyPage(page, generation: generation))
        }
    }

    // MARK: graph

    /// Asks the engine the correlation pane's question; a late answer to an older question
    /// is dropped.
    func queryGraph() {
        guard let query = state.graph.query(threshold: engine.overcorrelationThreshold) else { return }
        state.graph.loading = true
        lastGraphQuery = MonotonicClock.nanoseconds()
        let generation = state.graph.generation
        Task { [engine] in
            let answer = await engine.neighbors(query)
            if generation == self.state.graph.generation { self.graphSequence = self.engine.snapshot.graph.events }
            self.deliver(.neighborhood(answer, generation: generation))
        }
    }

    /// Asks the engine for the strongest clusters (the pane with nothing focused).
    func queryClusters() {
        lastClusterQuery = MonotonicClock.nanoseconds()
        clusterSequence = engine.snapshot.graph.events
        let query = ClusterQuery(overcorrelationThreshold: engine.overcorrelationThreshold, range: state.graph.range)
        Task { [engine] in
            let clusters = await engine.clusters(query)
            self.deliver(.clusters(clusters))
        }
    }

    private func findInGraph(_ text: String) {
        Task { [engine] in
            let focus = await engine.resolveInGraph(text)
            self.deliver(.graphFocus(focus, text: text))
        }
    }

    /// While events arrive, asks again about once a second so new links appear.
    private func refreshGraphIfStale() {
        if state.panes.contains(.graph), state.graph.focus == nil {
            // The clusters, every two seconds while events arrive.
            let events = engine.snapshot.graph.events
            if events != clusterSequence, MonotonicClock.nanoseconds() - lastClusterQuery > 2_000_000_000 { queryClusters() }
            return
        }
        guard state.panes.contains(.graph), state.graph.focus != nil, !state.graph.loading else { return }
        let events = engine.snapshot.graph.events
        guard events != graphSequence, MonotonicClock.nanoseconds() - lastGraphQuery > 1_000_000_000 else { return }
        queryGraph()
    }

    // MARK: heatmap

    /// The heatmap's map size now (0×0 when the pane is not shown).
    private var heatmapMap: Rect? {
        guard let area = ScreenRenderer.area(of: .heatmap, width: terminal.width, height: terminal.height, state: state) else { return nil }
        let map = HeatmapPane.mapArea(in: area)
        return map.width > 0 && map.height > 0 ? map : nil
    }

    /// Asks the engine for the heatmap's densities and hot spots (off the main actor), and
    /// again for what the crosshair cell holds; when only new events changed the map
    /// (`onlyNewEvents`), that summary is asked at most every five seconds (a scan of the
    /// cell's stored events, once a second, was 6% of the demo's CPU).
    func queryHeatmap(onlyNewEvents: Bool = false) {
        guard let map = heatmapMap else { return }
        let query = state.heatmap.query(width: map.width, height: map.height)
        state.heatmap.loading = true
        lastHeatmapQuery = MonotonicClock.nanoseconds()
        let generation = state.heatmap.generation
        Task { [engine] in
            let data = await engine.heatmap(query)
            self.deliver(.heatmap(data, generation: generation))
        }
        if !onlyNewEvents || MonotonicClock.nanoseconds() - lastSummaryQuery > 5_000_000_000 { summarizeCursor(force: true) }
    }

    /// Asks again when the geo index changed (at most once a second) or the question did.
    private func refreshHeatmapIfStale() {
        guard let map = heatmapMap, state.heatmap.drill == nil else { return }
        let wanted = state.heatmap.query(width: map.width, height: map.height)
        let version = engine.snapshot.geo.version
        let current = state.heatmap.data
        if state.heatmap.loading { return }
        if current?.query != wanted { queryHeatmap(); return }
        if let current, current.version != version, MonotonicClock.nanoseconds() - lastHeatmapQuery > 1_000_000_000 {
            queryHeatmap(onlyNewEvents: true)
        }
    }

    /// Fetches what the crosshair cell holds, when it moved to another cell.
    func summarizeCursor(force: Bool = false) {
        guard let map = heatmapMap, let cell = state.heatmap.cursorCell(width: map.width, height: map.height) else { return }
        guard force || cell != lastSummarized else { return }
        lastSummarized = cell
        lastSummaryQuery = MonotonicClock.nanoseconds()
        let since = state.heatmap.range?.from ?? state.heatmap.data?.windowStart
        let until = state.heatmap.range?.until
        Task { [engine] in
            let summary = await engine.drill(into: cell, since: since, until: until, limit: 0)
            self.deliver(.cursorSummary(summary))
        }
    }

    /// Fetches the drill-down cell's events, newest first.
    func drillCell() {
        guard let drill = state.heatmap.drill else { return }
        let since = state.heatmap.range?.from ?? (state.heatmap.window == .all ? nil : state.heatmap.data?.windowStart)
        let until = state.heatmap.range?.until
        let generation = drill.generation
        let cell = drill.cell
        Task { [engine] in
            let result = await engine.drill(into: cell, since: since, until: until, limit: HeatmapViewState.drillLimit)
            self.deliver(.drill(result, generation: generation))
        }
    }

    // MARK: rendering

    func renderIfNeeded(force: Bool = false) {
        let snapshot = engine.snapshot
        let now = Timestamp.now()
        let second = now.microseconds / 1_000_000
        let changed = snapshot.sequence != lastSequence && !(snapshot.replay.paused || snapshot.finished)
        guard force || dirty || changed || second != lastSecond || state.needsFullRedraw else { return }
        if state.needsFullRedraw {
            terminal.invalidate()
            state.needsFullRedraw = false
        }
        if let message = state.message, message.expires <= now { state.message = nil }
        let started = MonotonicClock.nanoseconds()
        var context = RenderContext(snapshot: snapshot, state: state, glyphs: glyphs, keymap: reducer.keymap, frames: frameStats,
                                    now: now, canSeek: engine.canSeek, colorDepth: terminal.colorDepth)
        context.densityColours = theme.hasDensityColours
        let feedShown = state.focus == .feed || state.panes.contains(.feed)
        if feedShown { context.feedList = FeedList.events(snapshot, state.feed) }
        ScreenRenderer.render(into: &frame, width: terminal.width, height: terminal.height, context: context)
        terminal.present(frame, theme: theme)
        recordFrame(MonotonicClock.nanoseconds() - started)
        dirty = false
        lastSequence = snapshot.sequence
        lastSecond = second
        // Fill the feed from the store when the live list does not reach the bottom.
        if feedShown {
            let rows = ScreenRenderer.feedArea(width: terminal.width, height: terminal.height, state: state).map(FeedPane.listRows) ?? 0
            let count = context.feedList?.count ?? 0
            // A console with nothing live to show (no source: opened on a store) starts from
            // the stored events.
            let nothingLive = snapshot.finished && snapshot.recent.isEmpty
            if state.feed.historyStarted || !state.feed.filter.isEmpty || !state.feed.following || nothingLive,
               FeedList.needsHistory(listCount: count, feed: state.feed, rows: rows) {
                fetchHistory()
            }
        }
    }

    private func recordFrame(_ nanos: UInt64) {
        frameTimes.append(nanos / 1000)
        if frameTimes.count > 240 { frameTimes.removeFirst(frameTimes.count - 240) }
        let sorted = frameTimes.sorted()
        frameStats.frames += 1
        frameStats.p50Micros = sorted[sorted.count / 2]
        frameStats.p99Micros = sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
    }

    /// The console's own frame times so far (for the benchmark and the metrics pane).
    public var frames: FrameStats { frameStats }
}
