import ArgumentParser
import CTASCore
import CTASFeeds
import CTASIntel
import CTASStore
import Foundation

extension IntelExporter.Format: ExpressibleByArgument {}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export intelligence and stored events: STIX 2.1 bundle, MISP event JSON, MISP feed directory, CSV or Zeek intel file.",
        discussion: """
            What is exported: the intelligence store, selected as `ctas intel list` selects (--type, --min-score,
            --sighted, --source, --at), and stored events, selected with --query (the console's filter language),
            --since/--until, --cell and --neighbors ID --hops N. Giving only intelligence options (or --intel)
            exports the intelligence alone; giving only event options exports those events (with the known
            intelligence they sighted); giving none exports everything.

            Events travel as STIX observed-data pointing at their observables, and as a sighting of every known
            indicator they carry; in MISP, the MISP feed and Zeek's intel file their indicators join the
            intelligence as reported by "CTAS observed events" (not marked for detection), with the events as
            sightings (warninglisted values never become indicators). CSV writes indicators, or the events themselves (the columns of `ctas query events`) when
            an event option is given. STIX ids are derived from the content: the same object has the same id in
            every export. The Zeek intel file leaves out CVE ids (Zeek has no such type) and says how many.
            """)

    @Option(help: "stix, misp, misp-feed, csv or zeek-intel.") var format: IntelExporter.Format
    @Option(help: "The file (a directory for misp-feed); - writes to standard output.") var out: String
    @OptionGroup var select: IntelSelectionOptions
    @Flag(help: "Export the intelligence store (with event options: both).") var intel = false
    @Option(help: "Only stored events matching this filter ('type:alert sev>=7 risk>=70 -src:lab').") var query: String?
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

    /// The event filter, parsed once in `validate`.
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
        let withEvents = selectsEvents || !selectsIntel
        let withIntel = selectsIntel || !selectsEvents
        let store = try IntelCommand.open(data, readOnly: true)
        let at = select.at?.timestamp ?? .now()
        var listings: [IntelListing] = []
        var known: [Indicator: IntelListing] = [:]
        do throws(StoreError) {
            if withIntel { listings = try store.list(select.selection) }
            if withEvents { for listing in try store.list(IntelStore.Selection(at: at)) { known[listing.indicator] = listing } }
        } catch {
            throw RuntimeError(error.description)
        }
        let list = try warninglist.load()
        let events = withEvents ? try selectedEvents(warninglist: list) : []
        let extractor = IndicatorExtractor()
        let observed = events.map { IntelExporter.ObservedEvent(event: $0, indicators: extractor.indicators(of: $0)) }
        let exporter = IntelExporter(listings: listings.sorted { ($0.indicator.kind.rawValue, $0.indicator.value) < ($1.indicator.kind.rawValue, $1.indicator.value) },
                                     exportedAt: .now(), observed: observed, known: known,
                                     notIndicators: { [list] in list.match($0) != nil })
        switch format {
        case .stix:
            try write(exporter.stix())
            let left = exporter.eventsWithoutObservables
            if left > 0 { writeError("\(left) event(s) carry no indicator STIX has an observable for and were left out of the bundle") }
        case .misp: try write(exporter.misp())
        case .csv:
            if selectsEvents {
                try writeEventsCSV(events)
            } else {
                try write(exporter.csv())
            }
        case .zeekIntel:
            let (text, skipped) = exporter.zeekIntel()
            try write(text)
            if skipped > 0 { writeError("\(skipped) indicator(s) Zeek's intel framework has no type for (CVE ids) were left out") }
        case .mispFeed:
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                for (name, text) in exporter.mispFeed() {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: out + "/" + name), options: .atomic)
                }
            } catch {
                throw RuntimeError("\(out): cannot write the feed: \(error.localizedDescription)")
            }
        }
        var said = withIntel ? ["\(listings.count) indicator(s)"] : []
        if withEvents { said.append("\(events.count) event(s)") }
        writeError("exported \(said.joined(separator: " and ")) as \(format.rawValue)")
    }

    /// The stored events the event options select, newest first, at most `limit`.
    private func selectedEvents(warninglist list: Warninglist) throws -> [Event] {
        var q = EventQuery()
        q.since = since?.timestamp
        q.until = until?.timestamp
        q.cell = cell.flatMap(GeoCell.parse)
        q.newestFirst = true
        q.limit = Int.max
        let path = data.directory.warmDatabase
        let filter = self.filter
        var events: [Event] = []
        var more = false
        func keep(_ event: Event) {
            guard filter.matches(event) else { return }
            if events.count < limit { events.append(event) } else { more = true }
        }
        if let neighbors {
            let rules = try IngestOptions.parse([]).loadRules()
            let tier = try GraphTier.openForReading(path: path, warninglist: list, retention: rules.graphRetention)
            guard let focus = tier.resolve(neighbors) else {
                throw RuntimeError("\(SafeText.sanitize(neighbors)): no event or indicator with this id or value in the graph")
            }
            let query = NeighborQuery(focus: focus, hops: hops, limit: Int.max, overcorrelationThreshold: rules.overcorrelationThreshold)
            guard let found = tier.neighbors(query) else { throw RuntimeError("\(SafeText.sanitize(neighbors)): not in the graph") }
            let ids = (found.event.map { [$0.id] } ?? []) + found.neighbors.map(\.event.id)
            let reader = try WarmReader(path: path)
            try reader.events(ids: ids, matching: q).sorted { $0.timestamp > $1.timestamp }.forEach(keep)
        } else {
            let reader = try WarmReader(path: path)
            try reader.forEachEvent(q) { keep($0) }
        }
        if more { writeError("ctas export: stopped at --limit \(limit) events; more match (raise --limit, or narrow the selection)") }
        return events
    }

    private func writeEventsCSV(_ events: [Event]) throws {
        let fd: Int32
        if out == "-" {
            fd = 1
        } else {
            fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { throw RuntimeError("\(out): cannot write: \(String(cString: strerror(errno)))") }
        }
        defer { if fd != 1 { close(fd) } }
        let writer = EventListWriter(format: .csv, raw: raw, maxColumn: nil, output: BufferedOutput(fd: fd))
        writer.begin()
        events.forEach { writer.write($0) }
        writer.end()
    }

    private func write(_ text: String) throws {
        if out == "-" {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        } catch {
            throw RuntimeError("\(out): cannot write: \(error.localizedDescription)")
        }
    }
}
