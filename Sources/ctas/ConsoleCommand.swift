import ArgumentParser
import CTASConsole
import CTASCore
import CTASEngine
import Foundation

struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "The analyst console (the default command): live panes over SSH, in tmux, on any terminal.",
        discussion: """
            Without feeds it replays the bundled demo feed in a loop, into a demo data directory of its own; \
            with --data-dir and no feed it opens that directory's stored events (map, timeline, correlation) with no live input. \
            Keys: ? help, : commands, / filter, p pause, [ ] speed, tab focus, z maximize, q quit. Keys can be \
            rebound in $XDG_CONFIG_HOME/ctas/config.toml; themes load from Themes/ and $XDG_CONFIG_HOME/ctas/themes. \
            SIGHUP (the SSH link dropped), SIGTERM and Ctrl-C flush, checkpoint, restore the terminal and exit 0.
            """)

    @Option(name: .long, help: "A recorded feed or a directory of logs to replay (repeatable).")
    var feed: [String] = []

    @Option(help: "Replay speed of recordings (--feed): a factor of event time (1, 10, 0.5) or max. Live sources (--follow, --stdin) are never paced.")
    var speed: ReplaySpeed?

    @Option(help: "Follow a growing file (surviving rotation) (repeatable).")
    var follow: [String] = []

    @Flag(help: "Read a live feed from standard input.")
    var stdin = false

    @Flag(help: "Replay files again from the top when they end.")
    var loop = false

    @Flag(help: "With --loop: every pass after the first is an episode of its own — its indicators get per-pass values (domains, public addresses, hashes; warninglisted and private values kept), so repeated passes do not over-correlate.")
    var episodes = false

    @Option(help: "Theme name (Themes/*.toml or $XDG_CONFIG_HOME/ctas/themes) or a .toml path.")
    var theme: String?

    @Flag(help: "Draw with ASCII only (automatic when the locale is not UTF-8).")
    var ascii = false

    @Option(help: "Frames per second, 1–60 (default 10).")
    var fps: Int?

    @Flag(help: "Enable the mouse (click to focus, wheel to scroll).")
    var mouse = false

    @OptionGroup var data: DataOptions
    @OptionGroup var ingest: IngestOptions

    func validate() throws {
        if let fps, !(1...60).contains(fps) { throw ValidationError("--fps must be 1–60") }
        if episodes && !loop { throw ValidationError("--episodes rewrites the passes of a loop; pass --loop too") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var request: ConsoleLauncher.Request
        let sources: [Engine.SourceSpec] = try feedFiles(feed).map { .file($0) } + follow.map { .follow($0) } + (stdin ? [.stdin] : [])
        if sources.isEmpty && data.dataDir == nil {
            let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            request = ConsoleLauncher.Request(engine: try DemoSession.configuration(environment: environment, executable: executable))
            request.demo = true
            if !ingest.geoip.files.isEmpty || ingest.geoip.disabled {
                request.engine.geolocator = try ingest.geoip.locator(environment: environment)
            }
            if let speed { request.engine.speed = speed }
            if ingest.noAnomalies { request.engine.anomalies = nil }
        } else {
            // No feed and a data directory: the console opens what it stores (map, timeline,
            // correlation), with no live input.
            if sources.isEmpty, !FileManager.default.fileExists(atPath: data.directory.warmDatabase) {
                throw RuntimeError("\(SafeText.sanitize(data.directory.path)): no stored events to open; give a feed (--feed FILE|DIR, --follow FILE, --stdin) or the data directory of an earlier ingest")
            }
            var configuration = Engine.Configuration(sources: sources, dataDirectory: data.directory)
            try ingest.apply(to: &configuration)
            configuration.speed = speed ?? .factor(1)
            configuration.loop = loop
            configuration.loopEpisodes = loop && episodes
            configuration.holdAtEnd = true
            request = ConsoleLauncher.Request(engine: configuration)
        }
        request.theme = theme
        request.ascii = ascii
        request.framesPerSecond = fps
        request.mouse = mouse ? true : nil
        let status = await ConsoleLauncher.run(request, environment: environment)
        if status != 0 { throw ExitCode(status) }
    }
}
