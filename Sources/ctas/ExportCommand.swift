import ArgumentParser
import CTASCore
import CTASIntel
import Foundation

extension IntelExporter.Format: ExpressibleByArgument {}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export intelligence and stored events: STIX 2.1 bundle, MISP event JSON, MISP feed directory, CSV or Zeek intel file.",
        discussion: """
            What is exported: the intelligence store, selected as `ctas intel list` selects (--type, --min-score, \
            --sighted, --source, --at), and stored events, selected with --query (the console's filter language), \
            --since/--until, --cell and --neighbors ID --hops N. Giving only intelligence options (or --intel) \
            exports the intelligence alone; giving only event options exports those events (with the known \
            intelligence they sighted); giving none exports everything.

            Events travel as STIX observed-data pointing at their observables, and as a sighting of every known \
            indicator they carry; in MISP, the MISP feed and Zeek's intel file their indicators join the \
            intelligence as reported by "CTAS observed events" (not marked for detection), with the events as \
            sightings (warninglisted values never become indicators). CSV writes indicators, or the events themselves (the columns of `ctas query events`) when \
            an event option is given. STIX ids are derived from the content: the same object has the same id in \
            every export. The Zeek intel file leaves out CVE ids (Zeek has no such type) and says how many.
            """)

    @Option(help: "stix, misp, misp-feed, csv or zeek-intel.") var format: IntelExporter.Format
    @Option(help: "The file (a directory for misp-feed); - writes to standard output.") var out: String
    @OptionGroup var select: IntelSelectionOptions
    @Flag(help: "Export the intelligence store (with event options: both).") var intel = false
    @Option(name: [.customLong("query"), .customLong("filter")],
            help: "Only stored events matching this filter ('type:alert sev>=7 risk>=70 -src:lab'); --filter is the same, as in query events.") var query: String?
    @Option(help: "Only events at or after this time (2026-11-20T10:00Z, 2026-11-20, 24h).") var since: TimeValue?
    @Option(help: "Only events before this time.") var until: TimeValue?
    @Option(help: "Only events located in this H3 cell (hex id, any resolution; finer cells included).") var cell: String?
    @Option(help: "Only this event or indicator and the events linked to it in the correlation graph.") var neighbors: String?
    @Option(help: "With --neighbors: hops, 1–3.") var hops: Int = 1
    @Option(help: "At most this many events, newest first (stderr says when more match).") var limit: Int = 100_000
    @Flag(help: "CSV of events: write feed strings exactly as stored (control characters included), for programs, not terminals.")
    var raw = false
    @OptionGroup var warninglist: WarninglistOptions
    @OptionGroup var data: DataOptions

    /// The event filter (`validate` has checked that it parses).
    private var filter: EventFilter {
        (try? EventFilter(parsing: query ?? "")) ?? .all
    }

    var selectsEvents: Bool { query != nil || since != nil || until != nil || cell != nil || neighbors != nil }
    var selectsIntel: Bool { intel || !select.type.isEmpty || select.minScore != nil || select.sighted || select.source != nil }

    func validate() throws {
        if format == .mispFeed && out == "-" { throw ValidationError("--format misp-feed writes a directory: give --out DIR") }
        if let query {
            do throws(FilterError) { _ = try EventFilter(parsing: query) } catch { throw ValidationError("--query: \(error.message)") }
        }
        if let cell, GeoCell.parse(cell) == nil {
            throw ValidationError("--cell '\(SafeText.sanitize(cell))': expected an H3 cell id in hex, such as 8928308280fffff")
        }
        guard (1...3).contains(hops) else { throw ValidationError("--hops must be 1, 2 or 3") }
        guard limit >= 0 else { throw ValidationError("--limit must be 0 or more") }
    }

    func run() throws {
        var selection = EventExport.Selection()
        selection.events = selectsEvents || !selectsIntel
        if selectsIntel || !selectsEvents { selection.intel = select.selection }
        selection.filter = filter
        selection.since = since?.timestamp
        selection.until = until?.timestamp
        selection.cell = cell.flatMap(GeoCell.parse)
        selection.limit = limit
        selection.eventRowsInCSV = selectsEvents
        selection.raw = raw
        let list = try warninglist.load()
        let path = data.directory.warmDatabase
        if let neighbors {
            let rules = try IngestOptions.parse([]).loadRules()
            guard let ids = try EventExport.neighborIDs(of: neighbors, hops: hops, databasePath: path, warninglist: list,
                                                        retention: rules.graphRetention, overcorrelation: rules.overcorrelationThreshold)
            else { throw RuntimeError("\(SafeText.sanitize(neighbors)): no event or indicator with this id or value in the graph") }
            selection.ids = ids
        }
        let outcome: EventExport.Outcome
        do throws(EventExport.Failure) {
            outcome = try EventExport.run(selection, format: format, to: out, databasePath: path, warninglist: list)
        } catch {
            throw RuntimeError(error.description)
        }
        if outcome.moreEvents { StandardStreams.writeErrorLine("ctas export: stopped at --limit \(limit) events; more match (raise --limit, or narrow the selection)") }
        if outcome.eventsWithoutObservables > 0 {
            StandardStreams.writeErrorLine("\(outcome.eventsWithoutObservables) event(s) carry no indicator STIX has an observable for and were left out of the bundle")
        }
        if outcome.leftOutOfZeek > 0 { StandardStreams.writeErrorLine("\(outcome.leftOutOfZeek) indicator(s) Zeek's intel framework has no type for (CVE ids) were left out") }
        var said = selection.intel != nil ? ["\(outcome.indicators) indicator(s)"] : []
        if selection.events { said.append("\(outcome.events) event(s)") }
        StandardStreams.writeErrorLine("exported \(said.joined(separator: " and ")) as \(format.rawValue)")
    }
}
