import ArgumentParser
import CTASCore
import CTASFeeds
import CTASStore
import Foundation

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Query stored data.",
        subcommands: [QueryEventsCommand.self])
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, ndjson, csv
}

struct QueryEventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "List stored events matching every filter given, oldest first.")

    @Option(help: "Only events of this type (repeatable).")
    var type: [String] = []

    @Option(help: "Only events at or after this time (2026-11-20T10:00Z, 2026-11-20, 24h).")
    var since: TimeValue?

    @Option(help: "Only events before this time.")
    var until: TimeValue?

    @Option(help: "Only events from this source.")
    var source: String?

    @Option(help: "Only events about this entity.")
    var entity: String?

    @Option(help: "The event with this id.")
    var id: String?

    @Option(help: "Only events holding this indicator (listed or found in their text; any written form).")
    var indicator: String?

    @Option(help: "Only events located in this H3 cell (hex id, any resolution; finer cells included).")
    var cell: String?

    @Option(help: "Only events with at least this severity (1–10).")
    var minSeverity: Int?

    @Option(help: "At most this many events.")
    var limit: Int = 100

    @Flag(help: "Newest first.")
    var newestFirst = false

    @Option(help: "Output: table, json, ndjson or csv.")
    var format: OutputFormat = .table

    @OptionGroup var data: DataOptions

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit must be 0 or more") }
        if let minSeverity, !(1...10).contains(minSeverity) { throw ValidationError("--min-severity must be 1–10") }
        if let cell, GeoCell.parse(cell) == nil {
            throw ValidationError("--cell '\(SafeText.sanitize(cell))': expected an H3 cell id in hex, such as 8928308280fffff")
        }
    }

    func run() throws {
        var query = EventQuery()
        query.id = id
        query.types = type
        query.since = since?.timestamp
        query.until = until?.timestamp
        query.source = source
        query.entity = entity
        query.minimumSeverity = minSeverity
        query.cell = cell.flatMap(GeoCell.parse)
        query.limit = limit
        query.newestFirst = newestFirst
        var events: [Event]
        do throws(StoreError) {
            if let indicator {
                let found = try IndicatorSearch.events(holding: indicator, matching: query, databasePath: data.directory.warmDatabase)
                events = found.events
                if let value = found.indicator, found.pastWarmRetention > 0 {
                    writeError("ctas query events: \(found.pastWarmRetention) event(s) holding \(value.kind.name) \(SafeText.sanitize(value.value)) "
                               + "are in the graph tier but past the warm tier's retention")
                }
            } else {
                events = try WarmReader(path: data.directory.warmDatabase).events(query)
            }
        } catch {
            throw error
        }
        let toTerminal = isTerminal(1)
        let text: String
        switch format {
        case .ndjson: text = events.map(NDJSONEventWriter.line).joined()
        case .json: text = "[" + events.map { String(NDJSONEventWriter.line($0).dropLast()) }.joined(separator: ",\n ") + "]\n"
        case .csv:
            let body = CSVEventWriter.header + "\n" + events.map(CSVEventWriter.line).joined()
            text = toTerminal ? SafeText.sanitizeKeepingNewlines(body) : body
        case .table: text = EventTable.render(events)
        }
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
