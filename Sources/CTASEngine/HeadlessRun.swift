import CTASCore
import Foundation

/// Runs an engine without the console (`ctas ingest`, `ctas replay --headless`): SIGINT,
/// SIGTERM and SIGHUP stop it gracefully; a progress bar or status lines go to standard error;
/// optional control commands (the engine's command language) come from standard input.
public struct HeadlessRun {
    public var configuration: Engine.Configuration
    /// A one-line progress bar on stderr, redrawn in place (a terminal).
    public var progress: Bool
    /// A status line on stderr every second (replay).
    public var statusLines = false
    /// Read `pause`, `resume`, `speed N`, `seek TIME`, `stop` lines from stdin.
    public var commandsFromStdin = false
    /// Release events from this time on (events before it are skipped and counted).
    public var initialSeek: Timestamp?

    public init(configuration: Engine.Configuration, progress: Bool) {
        self.configuration = configuration
        self.progress = progress
    }

    /// Runs to the end of every source (or a signal, or `stop`) and returns the summary.
    public func run() async throws(EngineError) -> IngestSummary {
        // The trap is set before the engine opens its store (which can take seconds on a busy
        // machine): a signal during start-up stops the run cleanly once it has started.
        let target = Locked<(engine: Engine?, stopRequested: Bool)>((nil, false))
        let trap = SignalTrap { _ in
            let engine = target.withLock { state -> Engine? in
                if state.engine == nil { state.stopRequested = true }
                return state.engine
            }
            if let engine { Task { _ = await engine.send(.stop) } }
        }
        var configuration = configuration
        configuration.startAt = initialSeek ?? configuration.startAt
        let engine = try Engine(configuration)
        let stopAtOnce = target.withLock { state -> Bool in
            state.engine = engine
            return state.stopRequested
        }
        engine.start()
        if stopAtOnce { _ = await engine.send(.stop) }
        let progress = progress
        let statusLines = statusLines
        let reporter = Task {
            var lastStatus = UInt64(0)
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                let snapshot = engine.snapshot
                if progress {
                    StandardStreams.writeError("\r\u{1B}[K" + HeadlessReport.progressLine(snapshot))
                } else if statusLines {
                    let now = MonotonicClock.nanoseconds()
                    if now - lastStatus >= 1_000_000_000 {
                        lastStatus = now
                        StandardStreams.writeErrorLine(HeadlessReport.statusLine(snapshot))
                    }
                }
            }
        }
        let commands = commandsFromStdin ? Task.detached { await Self.readCommands(into: engine) } : nil
        var summary = await engine.waitUntilFinished()
        reporter.cancel()
        commands?.cancel()
        if progress { StandardStreams.writeError("\r\u{1B}[K" + HeadlessReport.progressLine(engine.snapshot) + "\n") }
        if trap.caught != nil { summary.interrupted = true }
        // Every source that failed says why (a directory of logs can hold several that are no
        // feed), then the run's failure when it was not a source's.
        let sourceFailures = engine.snapshot.sources.compactMap { source -> String? in
            if case .failed(let message) = source.state { message } else { nil }
        }
        for message in sourceFailures { StandardStreams.writeErrorLine("ctas: \(SafeText.sanitize(message))") }
        if let failure = summary.failure, !sourceFailures.contains(failure) {
            StandardStreams.writeErrorLine("ctas: \(SafeText.sanitize(failure))")
        }
        return summary
    }

    /// Control lines from stdin, in the engine's command language; relative seeks count back
    /// from the replay's event time.
    static func readCommands(into engine: Engine) async {
        while let line = Swift.readLine() {
            guard !line.allSatisfy({ $0 == " " || $0 == "\t" }) else { continue }
            let command: EngineCommand
            do throws(CommandError) {
                command = try EngineCommand(line: line, eventClock: engine.snapshot.replay.eventTime ?? .now())
            } catch {
                StandardStreams.writeErrorLine("ctas: \(error)")
                continue
            }
            if let problem = await engine.send(command) { StandardStreams.writeErrorLine("ctas: \(problem)") }
            if command == .stop { return }
        }
    }
}
