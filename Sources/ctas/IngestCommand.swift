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
            Prints a JSON summary on stdout (accepted, rejected, duplicates, rejectReasons, seconds, \
            eventsPerSecond, per-tier counts); a progress bar on stderr when it is a terminal. \
            A restart resumes each file from its checkpoint: nothing accepted is lost or stored twice. \
            Rejected lines go to dead-letter.ndjson in the data directory, with their reasons.
            """)

    @Argument(help: "Feed files or directories of logs (Suricata EVE, Zeek TSV/JSON, native NDJSON or CSV; gzip read directly); '-' reads standard input.")
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
        if let udp, Engine.SourceSpec(udpAddress: udp) == nil {
            throw ValidationError("--udp \(udp): expected HOST:PORT such as 127.0.0.1:5514")
        }
    }

    func run() async throws {
        var sources: [Engine.SourceSpec] = try feedFiles(files.filter { $0 != "-" }).map { .file($0) }
        if files.contains("-") { sources.append(.stdin) }
        if stdin { sources.append(.stdin) }
        sources += follow.map { .follow($0) }
        if let udp, let spec = Engine.SourceSpec(udpAddress: udp) { sources.append(spec) }
        var configuration = Engine.Configuration(sources: sources, dataDirectory: data.directory)
        configuration.geoIndex = false
        configuration.keepsHotTier = false
        configuration.tallyAttention = false
        configuration.graphHoldsEvents = false
        try ingest.apply(to: &configuration)
        let summary = try await runHeadless { () throws(EngineError) in
            try await HeadlessRun(configuration: configuration, progress: !quiet && isTerminal(2)).run()
        }
        print(summary.json())
        if summary.failure != nil { throw ExitCode.failure }
        if strict && summary.rejected > 0 {
            StandardStreams.writeErrorLine("ctas ingest: \(summary.rejected) line(s) rejected (--strict); see \(summary.deadLetterFile)")
            throw ExitCode.failure
        }
    }
}

struct RuntimeError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

