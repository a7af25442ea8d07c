import ArgumentParser
import CTASCore
import CTASEngine
import CTASFeeds
import CTASStore
import Foundation

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay recorded feeds paced by event time (or at max speed), storing what they carry.",
        discussion: """
            With --headless, status lines go to stderr each second and a JSON summary to stdout at the end. \
            With --commands, control lines are read from stdin: pause, resume, speed N|max, \
            seek 2026-11-20T10:00Z, stop. SIGINT/SIGTERM/SIGHUP stop cleanly.
            """)

    @Argument(help: "Recorded feed files or directories of logs (native NDJSON or CSV, Suricata EVE, Zeek TSV/JSON; gzip read directly), merged in time order.")
    var files: [String]

    @Option(help: "Replay speed: a factor of event time (1, 10, 0.5) or max.")
    var speed: ReplaySpeed = .factor(1)

    @Flag(help: "Start again from the top when a file ends (ids get ~PASS, times shift past the previous pass).")
    var loop = false

    @Flag(help: "With --loop: every pass after the first is an episode of its own — its indicators get per-pass values (domains, public addresses, hashes; warninglisted and private values kept), so repeated passes do not over-correlate.")
    var episodes = false

    @Option(help: "Start at the first event at or after this time (2026-11-20T10:00Z, 2026-11-20, 24h).")
    var seek: TimeValue?

    @Flag(help: "Start paused (with --commands, send 'resume').")
    var paused = false

    @Flag(help: "Shift event times so the first event happens now.")
    var rebaseToNow = false

    @Flag(help: "No console: status lines on stderr, a JSON summary on stdout.")
    var headless = false

    @Flag(help: "Read control commands from stdin (pause, resume, speed N, seek TIME, stop).")
    var commands = false

    @OptionGroup var data: DataOptions
    @OptionGroup var ingest: IngestOptions

    func validate() throws {
        if episodes && !loop { throw ValidationError("--episodes rewrites the passes of a loop; pass --loop too") }
        guard headless else {
            throw ValidationError("the interactive console for replay is `ctas console --feed FILE`; pass --headless for a headless replay")
        }
    }

    func run() async throws {
        var configuration = Engine.Configuration(sources: try feedFiles(files).map { .file($0) }, dataDirectory: data.directory)
        configuration.geoIndex = false
        configuration.keepsHotTier = false
        configuration.tallyAttention = false
        try ingest.apply(to: &configuration)
        configuration.speed = speed
        configuration.loop = loop
        configuration.loopEpisodes = loop && episodes
        configuration.startPaused = paused
        configuration.rebaseToNow = rebaseToNow
        var run = HeadlessRun(configuration: configuration, progress: false)
        run.statusLines = true
        run.commandsFromStdin = commands
        run.initialSeek = seek?.timestamp
        let summary = try await runHeadless { () throws(EngineError) in try await run.run() }
        print(summary.json())
        if summary.failure != nil { throw ExitCode.failure }
    }
}
