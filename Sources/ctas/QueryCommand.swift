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

extension EventListWriter.Format: ExpressibleByArgument {}

enum ListOrder: String, ExpressibleByArgument, CaseIterable {
    case newest, oldest
}

struct QueryEventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "List stored events matching every filter given, newest first.",
        discussion: """
            Rows stream to the output as they are read (any number, flat memory). When --limit stops the list \
            while more events match, stderr says so. The table shows each event's indicators, listed and found \
            in its description; it cuts long cells only on a terminal. Feed strings are shown escaped in the \
            table and CSV (--raw writes CSV exactly as stored).
            """)

    @Option(help: "Only events of this type (repeatable).")
    var type: [String] = []

    @Option(help: "Only events at or after this time (2026-11-20T10:00Z, 2026-11-20, 24h).")
    var since: TimeValue?

    @Option(help: "Only events before this time.")
    var until: TimeValue?

    @Option(help: "Only events from this source; a sensor's name matches its logs too (zeek matches zeek/dns).")
    var source: String?

    @Option(help: "Only events about this entity.")
    var entity: String?

    @Option(help: "The event with this id.")
    var id: String?

    @Option(help: "Only events holding this indicator (listed or found in their text; any written form).")
    var indicator: String?

    @Option(help: "Only events located in this H3 cell (hex id, any resolution; finer cells included).")
    var cell: String?

    @Option(help: "Only events of this flow (EVE flow_id, Zeek uid).")
    var flow: String?

    @Option(help: "Only events placed in this country (ISO code, e.g. GB).")
    var country: String?

    @Option(help: "Only events placed from this autonomous system (a number, or AS64500).")
    var asn: String?

    @Option(help: "Only events with at least this severity (1–10).")
    var minSeverity: Int?

    @Option(help: "Only events whose risk score (0–100, given when they were accepted) is at least this.")
    var minRisk: Int?

    @Option(help: "Only events this filter keeps, in the console's filter language ('desc:\"ET SCAN\" -src:lab sev>=3 risk>=70'; a bare word matches any field).")
    var filter: String?

    @Option(help: "At most this many events.")
    var limit: Int = 100

    @Option(help: "newest (the default) or oldest first.")
    var order: ListOrder = .newest

    @Flag(help: .hidden)
    var newestFirst = false

    @Option(help: "Output: table, json, ndjson or csv.")
    var format: EventListWriter.Format = .table

    @Flag(help: "CSV: write feed strings exactly as stored (control characters included), for programs, not terminals.")
    var raw = false

    @OptionGroup var data: DataOptions

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit must be 0 or more") }
        if let minSeverity, !(1...10).contains(minSeverity) { throw ValidationError("--min-severity must be 1–10") }
        if let minRisk, !(0...100).contains(minRisk) { throw ValidationError("--min-risk must be 0–100") }
        if let asn, UInt32(asn.uppercased().hasPrefix("AS") ? String(asn.dropFirst(2)) : asn) == nil {
            throw ValidationError("--asn '\(SafeText.sanitize(asn))': expected an AS number such as 64500 or AS64500")
        }
        if let filter {
            do throws(FilterError) { _ = try EventFilter(parsing: filter) } catch { throw ValidationError("--filter: \(error.message)") }
        }
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
        query.minimumRisk = minRisk
        query.flow = flow
        query.country = country
        query.asn = asn.flatMap { UInt32($0.uppercased().hasPrefix("AS") ? String($0.dropFirst(2)) : $0) }
        query.cell = cell.flatMap(GeoCell.parse)
        query.filter = filter.flatMap { try? EventFilter(parsing: $0) }
        query.newestFirst = order == .newest || newestFirst
        // One row more than asked says whether the limit cut the list.
        query.limit = limit == Int.max ? limit : limit + 1
        let writer = EventListWriter(format: format, raw: raw, maxColumn: isTerminal(1) ? 48 : nil)
        let extractor = IndicatorExtractor()
        var more = false
        func emit(_ event: Event) {
            guard writer.written < limit else {
                more = true
                return
            }
            let shown = format == .table ? extractor.indicators(of: event).map(\.value) : nil
            writer.write(event, indicators: shown)
        }
        let reader = try WarmReader(path: data.directory.warmDatabase)   // "nothing stored yet" before any output
        writer.begin()
        defer { writer.end() }
        if let indicator {
            let found = try IndicatorSearch.events(holding: indicator, matching: query, databasePath: data.directory.warmDatabase)
            found.events.forEach(emit)
            if let value = found.indicator, found.pastWarmRetention > 0 {
                StandardStreams.writeErrorLine("ctas query events: \(found.pastWarmRetention) event(s) holding \(value.kind.name) \(SafeText.sanitize(value.value)) "
                           + "are in the graph tier but past the warm tier's retention")
            }
        } else {
            try reader.forEachEvent(query) { emit($0) }
        }
        /// The `shown` stored names closest to what was asked, closest first.
        func listing(_ names: [String], closestTo asked: [String], shown: Int) -> String {
            guard !names.isEmpty else { return "none" }
            let closest = NameSuggestions.closest(to: asked, among: names, count: shown)
            return closest.map { SafeText.sanitize($0) }.joined(separator: ", ") + (names.count > shown ? ", …" : "")
        }
        if let source, try !reader.mayHold(source: source), let names = try reader.sourceNames(limit: WarmTier.defaultSourceNameLimit) {
            StandardStreams.writeErrorLine("ctas query events: no stored event comes from \(SafeText.sanitize(source)) or its logs; stored sources, closest first: "
                + listing(names, closestTo: [source], shown: 20))
        }
        if !type.isEmpty, try !reader.mayHold(anyTypeOf: type), let names = try reader.typeNames(limit: WarmTier.defaultTypeNameLimit) {
            StandardStreams.writeErrorLine("ctas query events: no stored event has type " + type.map { SafeText.sanitize($0) }.joined(separator: " or ")
                + "; stored types, closest first: " + listing(names, closestTo: type, shown: 40))
        }
        if more {
            StandardStreams.writeErrorLine("ctas query events: stopped at --limit \(limit); more events match (raise --limit, or narrow with --since/--type/…)")
        }
    }
}
