import ArgumentParser
import CTASCore
import CTASEngine
import CTASFeeds
import CTASStore
import Foundation

struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Ingest feed files (or stdin) at full speed into the data directory.",
        discussion: """
            Prints a JSON summary on stdout (accepted, rejected, duplicates, rejectReasons, seconds,
            eventsPerSecond, per-tier counts); a progress bar on stderr when it is a terminal.
            A restart resumes each file from its checkpoint: nothing accepted is lost or stored twice.
            Rejected lines go to dead-letter.ndjson in the data directory, with their reasons.
            """)

    @Argument(help: "Feed files; '-' reads standard input.")
    var files: [String] = []

    @Flag(help: "Read standard input.")
    var stdin = false

    @Option(name: .long, help: "Follow a growing file (surviving rotation) until interrupted.")
    var follow: [String] = []

    @Option(help: "Also listen for feed lines as UDP datagrams on HOST:PORT (a live source; drops are counted).")
    var udp: String?

    @Flag(help: "Exit 1 when any line was rejected.")
    var strict = false

    @Flag(help: "No progress bar.")
    var quiet = false

    @OptionGroup var data: DataOptions
    @OptionGroup var ingest: IngestOptions

    func validate() throws {
        if files.isEmpty && !stdin && follow.isEmpty && udp == nil {
            throw ValidationError("no feed given; expected FILE…, '-', --stdin, --follow FILE or --udp HOST:PORT")
        }
        if let udp, SourceParsing.udp(udp) == nil {
            throw ValidationError("--udp \(udp): expected HOST:PORT such as 127.0.0.1:5514")
        }
    }

    func run() async throws {
        var sources: [Engine.SourceSpec] = files.map { $0 == "-" ? .stdin : .file($0) }
        if stdin { sources.append(.stdin) }
        sources += follow.map { .follow($0) }
        if let udp, let (host, port) = SourceParsing.udp(udp) { sources.append(.udp(host: host, port: port)) }
        var configuration = Engine.Configuration(sources: sources, dataDirectory: data.directory)
        configuration.geoIndex = false
        try ingest.apply(to: &configuration)
        let summary = try await HeadlessRun(configuration: configuration, progress: !quiet && isTerminal(2)).run()
        print(summary.json())
        if summary.failure != nil { throw ExitCode.failure }
        if strict && summary.rejected > 0 {
            writeError("ctas ingest: \(summary.rejected) line(s) rejected (--strict); see \(summary.deadLetterFile)")
            throw ExitCode.failure
        }
    }
}

enum SourceParsing {
    /// `127.0.0.1:5514` → host and port.
    static func udp(_ text: String) -> (String, UInt16)? {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        let host = String(text[..<colon])
        return host.isEmpty ? nil : (host, port)
    }
}

/// Runs an engine headless: signals stop it gracefully; a progress bar or status lines go to
/// stderr; optional control commands come from stdin.
struct HeadlessRun {
    var configuration: Engine.Configuration
    var progress: Bool
    var statusLines = false
    var commandsFromStdin = false
    var initialSeek: Timestamp?

    func run() async throws -> IngestSummary {
        let engine: Engine
        do throws(EngineError) {
            engine = try Engine(configuration)
        } catch {
            throw RuntimeError(error.message)
        }
        let trap = SignalTrap { _ in Task { _ = await engine.send(.stop) } }
        engine.start()
        if let initialSeek, let problem = await engine.send(.seek(initialSeek)) { writeError("ctas: \(problem)") }
        let reporter = Task {
            var lastStatus = UInt64(0)
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                let snapshot = engine.snapshot
                if progress {
                    writeRaw("\r\u{1B}[K" + HeadlessReport.progressLine(snapshot))
                } else if statusLines {
                    let now = DispatchTime.now().uptimeNanoseconds
                    if now - lastStatus >= 1_000_000_000 {
                        lastStatus = now
                        writeError(HeadlessReport.statusLine(snapshot))
                    }
                }
            }
        }
        let commands = commandsFromStdin ? Task.detached { await HeadlessCommands.read(into: engine) } : nil
        var summary = await engine.waitUntilFinished()
        reporter.cancel()
        commands?.cancel()
        if progress { writeRaw("\r\u{1B}[K" + HeadlessReport.progressLine(engine.snapshot) + "\n") }
        if trap.caught != nil { summary.interrupted = true }
        if let failure = summary.failure { writeError("ctas: \(failure)") }
        return summary
    }
}

/// Control commands read line by line from stdin in headless replay:
/// `pause`, `resume`, `speed 10`, `speed max`, `seek 2026-11-20T10:00Z`, `stop`.
enum HeadlessCommands {
    static func read(into engine: Engine) async {
        while let line = Swift.readLine() {
            let words = line.split(separator: " ").map(String.init)
            guard let verb = words.first?.lowercased() else { continue }
            let argument = words.dropFirst().joined(separator: " ")
            let command: EngineCommand?
            switch verb {
            case "pause": command = .pause
            case "resume": command = .resume
            case "stop", "quit": command = .stop
            case "speed": command = ReplaySpeed(argument).map { .speed($0) }
            case "seek": command = (try? TimeArgument.parse(argument)).map { .seek($0) }
            default: command = nil
            }
            guard let command else {
                writeError("ctas: unknown command '\(line)'; expected pause, resume, speed N|max, seek TIME or stop")
                continue
            }
            if let problem = await engine.send(command) { writeError("ctas: \(problem)") }
            if command == .stop { return }
        }
    }
}

struct RuntimeError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

func writeRaw(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
