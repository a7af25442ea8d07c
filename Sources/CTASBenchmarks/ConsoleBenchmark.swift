import CTASConsole
import CNCurses
import CTASCore
import CTASEngine
import CTASFeeds
import H3
import Foundation

/// `ctas bench console`: frame times (render into the buffer, and render plus the ncurses
/// blit onto a pseudo-terminal) at 80×24 and 200×60 from a busy, changing snapshot; and the
/// console's own CPU use (its thread) while a replay runs at max speed and while paused.
public enum ConsoleBenchmark {
    public struct Frames: Codable, Sendable {
        public var size: String
        public var frames: Int
        public var renderP50Micros: Double
        public var renderP99Micros: Double
        public var frameP50Micros: Double
        public var frameP99Micros: Double
    }

    public struct Result: Codable, Sendable {
        public var frames: [Frames]
        /// The console thread's CPU, percent of one core.
        public var consoleCPUPercentReplayingMax: Double
        public var consoleCPUPercentPaused: Double
        /// The whole process (engine included), percent of one core.
        public var processCPUPercentReplayingMax: Double
        public var processCPUPercentPaused: Double
        /// How long the events already read took to go through after the pause (what was
        /// queued is stored, not dropped); the paused CPU is measured after that.
        public var pausedSettleSeconds: Double?
        public var eventsPerSecondWhileDrawing: Double
        public var consoleFramesPerSecondTarget: Int
        /// The demo as `ctas` opens it (bundled feed and telemetry at 20×, every pane live at
        /// 200×60): the whole process's CPU, percent of one core, and the console's own frame
        /// times over its last 240 frames (what the metrics pane shows).
        public var demo: Demo?
    }

    public struct Demo: Codable, Sendable {
        public var sources: Int
        public var seconds: Double
        public var processCPUPercent: Double
        public var eventsPerSecond: Double
        public var frameP50Micros: UInt64
        public var frameP99Micros: UInt64
    }

    /// A pseudo-terminal whose other end is drained, so the console can draw at full speed.
    final class PseudoTerminal: @unchecked Sendable {   // descriptors are set once; `draining` is read by the drain thread only after the owner stops it
        let master: Int32
        let slave: Int32
        let stream: UnsafeMutablePointer<FILE>
        private var draining = true

        init(width: Int, height: Int) throws {
            master = cn_openpt(O_RDWR | O_NOCTTY)
            guard master >= 0, cn_grantpt(master) == 0, cn_unlockpt(master) == 0, let name = cn_ptsname(master) else {
                throw TerminalError("cannot open a pseudo-terminal")
            }
            slave = open(name, O_RDWR | O_NOCTTY)
            guard slave >= 0, let stream = fdopen(slave, "r+") else { throw TerminalError("cannot open the pseudo-terminal's slave") }
            self.stream = stream
            resize(width: width, height: height)
            let fd = master
            Thread { [self] in
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                while draining {
                    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if n <= 0 { break }
                }
            }.start()
        }

        func resize(width: Int, height: Int) {
            var size = winsize(ws_row: UInt16(height), ws_col: UInt16(width), ws_xpixel: 0, ws_ypixel: 0)
            _ = ioctl(slave, UInt(TIOCSWINSZ), &size)
        }

        func close() {
            draining = false
            fclose(stream)
            Glibc.close(master)
        }
    }

    @MainActor
    /// Frames are of the whole console — feed, map (with the land mask and atlas when given:
    /// coastlines, borders, names), correlation, metrics and timeline.
    public static func run(directory: String, seconds: Double = 5, frames count: Int = 400, landMask: LandMask? = nil,
                           atlas: WorldAtlas? = nil, demoEnvironment: [String: String]? = nil, executable: String = "") async throws -> Result {
        setlocale(LC_ALL, "C.UTF-8")
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)

        // A feed to draw from, and to replay for the live part.
        var options = FeedGenerator.Options()
        options.seed = 99
        var generator = FeedGenerator(options: options)
        var events: [Event] = []
        for _ in 0..<3000 { events.append(generator.nextEvent()) }
        let feedPath = directory + "/bench-feed.ndjson"
        try BufferedOutput.writeFile(atPath: feedPath) { generator.write(events: 200_000, to: $0) }

        let pty = try PseudoTerminal(width: 80, height: 24)
        defer { pty.close() }
        let terminal = try NCursesTerminal(term: "xterm-256color", output: pty.stream, input: pty.stream)
        let theme = ThemeCatalog.standard
        var results: [Frames] = []
        for (w, h) in [(80, 24), (200, 60)] {
            pty.resize(width: w, height: h)
            resizeterm(Int32(h), Int32(w))
            terminal.invalidate()
            var render: [Double] = []
            var frame: [Double] = []
            var state = ViewState(panes: [.feed, .heatmap, .graph, .metrics, .timeline], themeName: theme.name)
            state.demo = true
            state.heatmap.land = landMask
            state.heatmap.atlas = atlas
            if let map = ScreenRenderer.area(of: .heatmap, width: w, height: h, state: state).map(HeatmapPane.mapArea) {
                var geo = GeoIndex()
                for e in events {
                    if let p = e.location, let cell = try? H3.latLngToCell(lat: p.latitude, lng: p.longitude, res: 9) {
                        geo.add(cell: cell, time: e.timestamp, severity: e.severity.map { Int($0.value) })
                    }
                }
                let query = state.heatmap.query(width: map.width, height: map.height)
                state.heatmap.data = HeatmapData(query: query, tallies: geo.tallies(resolution: query.resolution, window: .all))
            }
            // One buffer for every frame, as the console keeps one.
            var buffer = ScreenBuffer(width: 0, height: 0)
            for i in 0..<count {
                let snapshot = busySnapshot(events, frame: i)
                let context = RenderContext(snapshot: snapshot, state: state, glyphs: .unicode, keymap: .standard,
                                            now: Timestamp(microseconds: 1_795_169_730_000_000 + Int64(i) * 100_000))
                let t0 = MonotonicClock.nanoseconds()
                ScreenRenderer.render(into: &buffer, width: w, height: h, context: context)
                let t1 = MonotonicClock.nanoseconds()
                terminal.present(buffer, theme: theme)
                let t2 = MonotonicClock.nanoseconds()
                render.append(Double(t1 - t0) / 1000)
                frame.append(Double(t2 - t0) / 1000)
            }
            render.sort()
            frame.sort()
            // The first frames draw everything; they are part of the percentiles as they happen.
            results.append(Frames(size: "\(w)x\(h)", frames: count, renderP50Micros: round(render[count / 2]),
                                  renderP99Micros: round(render[count * 99 / 100]), frameP50Micros: round(frame[count / 2]),
                                  frameP99Micros: round(frame[count * 99 / 100])))
        }

        // Live: the real console loop on the pseudo-terminal at 200×60, replaying at max speed in a loop.
        pty.resize(width: 200, height: 60)
        resizeterm(60, 200)
        var configuration = Engine.Configuration(sources: [.file(feedPath)], dataDirectory: .init(path: directory + "/data"))
        configuration.loop = true
        let engine = try Engine(configuration)
        var consoleOptions = ConsoleOptions()
        consoleOptions.framesPerSecond = 10
        let app = ConsoleApp(engine: engine, terminal: terminal, options: consoleOptions, keymap: .standard, theme: theme,
                             catalog: ThemeCatalog(userDirectory: nil), landMask: landMask, atlas: atlas)
        let running = Task { @MainActor in await app.run() }
        try await Task.sleep(for: .seconds(1))
        let (busyConsole, busyProcess, accepted) = try await measure(seconds: seconds, engine: engine)
        _ = await engine.send(.pause)
        let settleSeconds = try await untilSettled(engine)
        let (idleConsole, idleProcess, _) = try await measure(seconds: seconds, engine: engine)
        app.requestQuit()
        _ = await running.value
        var result = Result(frames: results, consoleCPUPercentReplayingMax: busyConsole, consoleCPUPercentPaused: idleConsole,
                            processCPUPercentReplayingMax: busyProcess, processCPUPercentPaused: idleProcess,
                            eventsPerSecondWhileDrawing: round(accepted), consoleFramesPerSecondTarget: consoleOptions.framesPerSecond)
        result.pausedSettleSeconds = round(settleSeconds * 10) / 10
        if let demoEnvironment {
            result.demo = try await demo(environment: demoEnvironment, executable: executable, seconds: max(10, 2 * seconds),
                                         pty: pty, landMask: landMask, atlas: atlas)
        }
        return result
    }

    /// The demo in the real console loop on the pseudo-terminal at 200×60, after a few
    /// seconds to fill its panes.
    @MainActor
    private static func demo(environment: [String: String], executable: String, seconds: Double, pty: PseudoTerminal,
                             landMask: LandMask?, atlas: WorldAtlas?) async throws -> Demo {
        let configuration = try DemoSession.configuration(environment: environment, executable: executable)
        let engine = try Engine(configuration)
        let terminal = try NCursesTerminal(term: "xterm-256color", output: pty.stream, input: pty.stream)
        resizeterm(60, 200)
        let app = ConsoleApp(engine: engine, terminal: terminal, options: ConsoleOptions(), keymap: .standard, theme: ThemeCatalog.standard,
                             catalog: ThemeCatalog(userDirectory: nil), landMask: landMask, atlas: atlas)
        let running = Task { @MainActor in await app.run() }
        try await Task.sleep(for: .seconds(5))
        let (_, process, accepted) = try await measure(seconds: seconds, engine: engine)
        let frames = app.frames
        app.requestQuit()
        _ = await running.value
        return Demo(sources: configuration.sources.count, seconds: seconds, processCPUPercent: process, eventsPerSecond: round(accepted),
                    frameP50Micros: frames.p50Micros, frameP99Micros: frames.p99Micros)
    }

    /// Waits (at least a second, at most 30) until the events released before a pause have
    /// gone through: the totals stood still for half a second. (The reader's queue stays
    /// full while paused: it holds what comes next.) Returns the seconds waited.
    @MainActor
    private static func untilSettled(_ engine: Engine) async throws -> Double {
        let started = MonotonicClock.nanoseconds()
        func seen(_ s: Snapshot) -> Int { s.totals.accepted + s.totals.rejected + s.totals.duplicates }
        try await Task.sleep(for: .seconds(1))
        var last = seen(engine.snapshot)
        var still = 0
        while MonotonicClock.nanoseconds() - started < 30_000_000_000 {
            try await Task.sleep(for: .milliseconds(100))
            let now = seen(engine.snapshot)
            still = now == last ? still + 1 : 0
            last = now
            if still >= 5 { break }
        }
        return Double(MonotonicClock.nanoseconds() - started) / 1e9
    }

    /// CPU of this (the console's) thread and of the process over `seconds`, in percent.
    @MainActor
    private static func measure(seconds: Double, engine: Engine) async throws -> (Double, Double, Double) {
        func threadCPU() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
        }
        let c0 = threadCPU(), p0 = ProcessStats.cpuSeconds(), w0 = MonotonicClock.nanoseconds()
        let a0 = engine.snapshot.totals.accepted
        try await Task.sleep(for: .seconds(seconds))
        let wall = Double(MonotonicClock.nanoseconds() - w0) / 1e9
        let accepted = Double(engine.snapshot.totals.accepted - a0) / wall
        return (round((threadCPU() - c0) / wall * 1000) / 10, round((ProcessStats.cpuSeconds() - p0) / wall * 1000) / 10, accepted)
    }

    /// A busy snapshot that changes every frame, as a max-speed replay looks.
    static func busySnapshot(_ events: [Event], frame: Int) -> Snapshot {
        var s = Snapshot()
        s.sequence = frame
        s.totals.accepted = 1_000_000 + frame * 30_000
        s.totals.rejected = 1_000 + frame
        s.totals.duplicates = frame / 3
        s.rateHistory = (0..<600).map { 280_000 + (($0 + frame) * 7919) % 60_000 }
        var source = SourceStatus(name: "/data/feeds/recorded-2026-11-20.ndjson", kind: .file)
        source.state = .reading
        source.bytesTotal = 1_000_000_000
        source.bytesDone = Int64(frame) * 1_000_000 % 1_000_000_000
        source.etaSeconds = Double(400 - frame % 400)
        s.sources = [source]
        s.replay.speed = .max
        s.replay.eventTime = events[frame % events.count].timestamp
        for (i, name) in StageName.allCases.enumerated() {
            var stage = StageStatus(name: name.rawValue)
            stage.events = frame * 30_000
            stage.eventsPerSecond = 300_000 + Double((frame * 13 + i) % 20_000)
            stage.latency.count = 1000
            stage.latency.p50 = UInt64(200 * (i + 1) + frame % 50)
            stage.latency.p95 = UInt64(900 * (i + 1))
            stage.latency.p99 = UInt64(2_000 * (i + 1) + frame % 100)
            stage.latency.max = UInt64(30_000 * (i + 1))
            stage.queueDepth = frame % 3
            stage.queueCapacity = 3
            stage.busy = 0.8
            s.stages.append(stage)
        }
        for tier in [Tier.hot, .warm, .cold, .graph] {
            var t = TierStatus(tier: tier, available: tier == .hot || tier == .warm, retention: "30d")
            t.storedEvents = 200_000 + frame * 100
            t.bytes = 48 << 20
            t.placedThisRun = frame * 25_000
            t.decisions = ["place: recent window for the live view": frame * 10_000, "skip: large records stay out of memory": frame * 100]
            s.tiers.append(t)
        }
        let start = (frame * 37) % max(1, events.count - 1000)
        s.recent = Array(events[start..<min(events.count, start + 1000)])
        for e in events { s.timeline.add(e.timestamp, severity: e.severity) }
        return s
    }
}

import CTASStore
