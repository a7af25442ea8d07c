import ArgumentParser
import CTASBehaviour
import CTASCore
import Foundation

struct AnomaliesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anomalies",
        abstract: "Find what entities did unlike themselves: bursts, silences and firsts in the stored events.",
        discussion: """
            Rate: each entity's events per hour (and each entity × event type's) are compared with its own \
            cycle — the median of the same hour of the week with three weeks of history or more, else of the \
            same hour of the day — after Anscombe's variance-stabilising transform, and the departures are \
            tested with the seasonal hybrid ESD test (generalized ESD on median and MAD). --alpha is the chance \
            of one false rate anomaly over all series, shared out evenly (Bonferroni). Series with under 72 hours \
            of history are not scored, and counted. Rare: the first time an entity with at least --min-events \
            events and 72 hours of history shows an event type, a country, an AS number or an indicator kind. \
            Score 0–100: 50 is at the test's threshold; a first scores more the more history its entity has.
            """)

    @Option(help: "Report anomalies starting at or after this time (2026-11-20T10:00Z, 2026-11-20, 24h ago as 24h); default: all stored.")
    var since: TimeValue?

    @Option(help: "The end of the window (default: the hour after the newest stored event).")
    var until: TimeValue?

    @Option(help: "History before --since that the baselines and firsts learn from (7d, 28d).")
    var history = "28d"

    @Option(help: "Only this entity's anomalies (every entity is still tested).")
    var entity: String?

    @Option(help: "Only rate (bursts and silences) or rare (firsts); both by default.")
    var kind: Anomaly.Kind?

    @Option(help: "Only anomalies scoring at least this (0–100).")
    var minScore = 0.0

    @Option(help: "The chance of one false rate anomaly across every series tested (0–1).")
    var alpha = 0.05

    @Option(help: "Events an entity must have shown before a first counts.")
    var minEvents = 20

    @Option(help: "Output: table, json or csv.")
    var format: Format = .table

    @Flag(help: "CSV: write feed strings exactly as stored, for programs, not terminals.")
    var raw = false

    @OptionGroup var data: DataOptions

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, csv }

    var historyDuration: Duration? { TimeArgument.relative(history) }

    func validate() throws {
        guard alpha > 0, alpha < 1 else { throw ValidationError("--alpha must be between 0 and 1 (got \(alpha))") }
        guard (0...100).contains(minScore) else { throw ValidationError("--min-score must be 0–100 (got \(minScore))") }
        guard minEvents >= 0 else { throw ValidationError("--min-events must be 0 or more") }
        guard historyDuration != nil else {
            throw ValidationError("--history '\(SafeText.sanitize(history))': expected a span such as 7d or 28d")
        }
        if let since, let until, since.timestamp >= until.timestamp {
            throw ValidationError("--since must be before --until")
        }
    }

    func run() throws {
        let path = data.directory.warmDatabase
        var options = AnomalyOptions()
        options.since = since?.timestamp
        options.until = until?.timestamp
        options.alpha = alpha
        options.minimumEvents = minEvents
        options.minimumScore = minScore
        options.entity = entity
        if let kind { options.kinds = [kind] }
        let report = try AnomalyDetector.scan(warmDatabase: path, options: options, history: historyDuration ?? .seconds(0))
        let text = switch format {
        case .table: report.table
        case .json: report.json
        case .csv: report.csv(sanitized: !raw)
        }
        StandardStreams.writeOutput(text)
    }
}

extension Anomaly.Kind: ExpressibleByArgument {}
