import ArgumentParser
import CTASCore
import Foundation

/// `ctas`: the Convergent Threat Analysis System.
struct CTAS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctas",
        abstract: "CTAS, the Convergent Threat Analysis System: ingest, store and analyse threat feeds.",
        discussion: """
            Exit codes: 0 done, 1 runtime error (or rejects with --strict), 2 usage error. \
            Data lives in $XDG_DATA_HOME/ctas (else ~/.local/share/ctas) unless --data-dir says otherwise.
            """,
        subcommands: [ConsoleCommand.self, IngestCommand.self, ReplayCommand.self, GenFeedCommand.self, QueryCommand.self,
                      BenchCommand.self, H3Command.self, IocCommand.self, GraphCommand.self,
                      HotspotsCommand.self, TimelineCommand.self, AnomaliesCommand.self, SchemaCommand.self, GeoIPCommand.self, IntelCommand.self, ExportCommand.self],
        defaultSubcommand: ConsoleCommand.self)
}

/// Runs the command line with CTAS's exit codes: usage errors exit 2 (ArgumentParser's
/// default is 64), runtime errors 1.
@main
enum Main {
    static func main() async {
        // Few malloc arenas: the pipeline's threads hand buffers to each other, and one arena
        // per thread only multiplies what stays resident after a free.
        _ = glibcMallopt(-8 /* M_ARENA_MAX */, 2)
        // Blocks of 128 KiB and more mapped on their own and returned when freed. glibc would
        // raise this threshold to the largest block freed so far (up to 32 MiB), after which
        // the big transient arrays (a day of hot-spot cells, a commit group's rows) stay in the
        // heap and resident memory keeps their peak: a 10M-event ingest peaked at 262 MB with
        // the moving threshold, 238 MB with this one.
        _ = glibcMallopt(-3 /* M_MMAP_THRESHOLD */, 128 << 10)
        do {
            var command = try CTAS.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // Messages quote what the user typed and what files hold: control characters and
            // escape sequences are made visible, never sent to the terminal.
            let words = ErrorWords.message(for: error)
            let code = words == nil ? CTAS.exitCode(for: error) : .failure
            let message = SafeText.sanitizeKeepingNewlines(words ?? CTAS.fullMessage(for: error))
            if code == .success {
                if !message.isEmpty { StandardStreams.writeOutput(message + "\n") }   // --help, --version
                Foundation.exit(0)
            }
            if !message.isEmpty { StandardStreams.writeError(message + "\n") }
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}

/// glibc's `mallopt` (its header is not part of the Glibc module).
@_silgen_name("mallopt")
func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
