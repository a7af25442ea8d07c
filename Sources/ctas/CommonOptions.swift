import ArgumentParser
import CTASCore
import CTASEngine
import CTASFeeds
import CTASStore
import Foundation

/// Where data lives.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "Data directory (default: $XDG_DATA_HOME/ctas, else ~/.local/share/ctas).")
    var dataDir: String?

    var directory: DataDirectory {
        DataDirectory(path: dataDir ?? DataDirectory.defaultPath(environment: ProcessInfo.processInfo.environment))
    }
}

/// Options shared by the commands that ingest.
struct IngestOptions: ParsableArguments {
    @Option(help: "Feed format: auto (detected per file), ndjson (native), csv, eve (Suricata), zeek (TSV logs) or zeek-json.")
    var format: FeedFormat = .auto

    @Option(help: ArgumentHelp("The UTC offset of telemetry timestamps that carry none (UTC, +02:00, -0600); UTC by default.",
                               valueName: "offset"))
    var assumeTz: String?

    @Option(help: "Routing rules file (default: the built-in rules, as in SampleData/routing.rules).")
    var rules: String?

    @Option(help: "Also append every accepted event to FILE as native NDJSON, for replay later.")
    var record: String?

    @Flag(help: "Ignore stored checkpoints and read files from the start (stored ids count as duplicates).")
    var fromStart = false

    @Option(help: "Commit durability: normal survives a crash of ctas; full also survives power loss.")
    var sync: WarmTier.Sync = .normal

    @OptionGroup var warninglist: WarninglistOptions

    @OptionGroup var geoip: GeoIPOptions

    @Flag(help: "Do not look for behaviour anomalies while ingesting (bursts, silences, firsts per entity; see `ctas anomalies`).")
    var noAnomalies = false

    /// Applies these options to an engine configuration.
    func apply(to configuration: inout Engine.Configuration) throws {
        configuration.format = format
        if let assumeTz {
            guard let offset = UTCOffset(assumeTz) else {
                throw ValidationError("--assume-tz '\(SafeText.sanitize(assumeTz))': expected an offset such as UTC, +02:00 or -0600")
            }
            configuration.telemetry.assumedOffset = offset
        }
        configuration.rules = try loadRules()
        configuration.recordPath = record
        configuration.fromStart = fromStart
        configuration.sync = sync
        configuration.warninglist = try warninglist.load()
        configuration.geolocator = try geoip.locator(environment: ProcessInfo.processInfo.environment)
        if noAnomalies { configuration.anomalies = nil }
    }

    func loadRules() throws -> RoutingRules {
        guard let path = rules else { return .builtIn() }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("\(path): cannot read rules file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("\(path): rules file is not UTF-8 text")
        }
        do throws(StoreError) {
            return try RoutingRules(text: text, origin: path)
        } catch {
            throw ValidationError(error.message)
        }
    }
}

/// Which values never link events: the built-in warninglist, the user's file in the config
/// directory when present, and any given with --warninglist.
struct WarninglistOptions: ParsableArguments {
    @Option(name: .customLong("warninglist"), help: ArgumentHelp(
        "Add a warninglist file (repeatable); $XDG_CONFIG_HOME/ctas/warninglist.txt is read when present.",
        valueName: "file"))
    var files: [String] = []

    static func userFile(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return xdg + "/ctas/warninglist.txt" }
        return environment["HOME"].map { $0 + "/.config/ctas/warninglist.txt" }
    }

    func load() throws -> Warninglist {
        var list = Warninglist.builtIn()
        var paths = files
        if let user = Self.userFile(environment: ProcessInfo.processInfo.environment), FileManager.default.fileExists(atPath: user) {
            paths.insert(user, at: 0)
        }
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("\(path): cannot read warninglist file")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw ValidationError("\(path): warninglist is not UTF-8 text")
            }
            do throws(WarninglistError) {
                try list.add(text: text, origin: path)
            } catch {
                throw ValidationError(error.message)
            }
        }
        return list
    }
}

extension FeedFormat: ExpressibleByArgument {}
extension WarmTier.Sync: ExpressibleByArgument {}

extension ReplaySpeed: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// A time argument (`2026-11-20T10:00Z`, `2026-11-20`, `24h`).
struct TimeValue: ExpressibleByArgument {
    var timestamp: Timestamp
    init?(argument: String) {
        guard let t = try? TimeArgument.parse(argument) else { return nil }
        timestamp = t
    }
    static var defaultCompletionKind: CompletionKind { .default }
}

/// Files for feed arguments: a directory stands for its logs, oldest first.
func feedFiles(_ paths: [String]) throws -> [String] {
    do throws(FeedError) { return try FeedFileSet.expand(paths) } catch { throw RuntimeError(error.description) }
}

/// Runs a headless engine, its start-up error turned into the CLI's runtime error.
func runHeadless(_ body: () async throws(EngineError) -> IngestSummary) async throws -> IngestSummary {
    do throws(EngineError) { return try await body() } catch { throw RuntimeError(error.description) }
}

func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }
