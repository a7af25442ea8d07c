import CTASCore
import CTASFeeds
import CTASStore
import Glibc
import H3

/// One export, as `ctas export` and the console's `:export` ask for it: which stored events
/// and which intelligence, written in one format to a file (or standard output). The
/// selection reads the data directory's database with its own connection, so a running
/// engine keeps writing meanwhile.
public enum EventExport {
    /// Which stored events and which intelligence.
    public struct Selection: Sendable {
        /// Stored events at all (false: the intelligence alone).
        public var events = true
        public var filter: EventFilter = .all
        public var since: Timestamp?
        public var until: Timestamp?
        /// Events located in this cell (any resolution; finer cells included).
        public var cell: H3Index?
        /// Only these events (the correlation pane's, a neighbourhood's); nil: any.
        public var ids: [String]?
        /// At most this many events, newest first.
        public var limit = 100_000
        /// The intelligence to export (nil: none beyond what the events sighted).
        public var intel: IntelStore.Selection?
        /// Write events as CSV rows (otherwise CSV lists indicators).
        public var eventRowsInCSV = false
        /// CSV: feed strings exactly as stored, for programs.
        public var raw = false

        public init() {}
    }

    /// What was written.
    public struct Outcome: Sendable, Equatable {
        public var indicators = 0
        public var events = 0
        /// More events matched than the limit let through.
        public var moreEvents = false
        /// Events STIX could not express (no value with an observable).
        public var eventsWithoutObservables = 0
        /// Indicators Zeek's intel framework has no type for.
        public var leftOutOfZeek = 0
    }

    /// Why nothing (or not everything) was written.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case store(StoreError)
        case cannotWrite(path: String, reason: String)
        /// Standard output was asked for a format that is a directory.
        case needsDirectory(format: String)

        public var description: String {
            switch self {
            case .store(let error): error.description
            case .cannotWrite(let path, let reason): "\(path): cannot write: \(reason)"
            case .needsDirectory(let format): "--format \(format) writes a directory: give a directory, not -"
            }
        }
    }

    /// Selects, converts and writes; `path` `-` is standard output.
    public static func run(_ selection: Selection, format: IntelExporter.Format, to path: String, databasePath: String,
                           warninglist: Warninglist, now: Timestamp = .now()) throws(Failure) -> Outcome {
        if format == .mispFeed && path == "-" { throw .needsDirectory(format: format.rawValue) }
        var outcome = Outcome()
        var listings: [IntelListing] = []
        var known: [Indicator: IntelListing] = [:]
        var events: [Event] = []
        var observed: [IntelExporter.ObservedEvent] = []
        do throws(StoreError) {
            let database = try SQLiteDatabase(path: databasePath, readOnly: true)
            let store = try IntelStore(database: database, readOnly: true)
            if let intel = selection.intel { listings = try store.list(intel) }
            if selection.events {
                (events, outcome.moreEvents) = try selectEvents(selection, databasePath: databasePath)
                let extractor = IndicatorExtractor()
                observed = events.map { IntelExporter.ObservedEvent(event: $0, indicators: extractor.indicators(of: $0)) }
                // The intelligence the events carry: found with the compact index, then read
                // whole for those alone.
                let at = selection.intel?.at ?? now
                let index = try store.evidenceIndex(at: at)
                if !index.isEmpty {
                    let carried = Set(observed.flatMap { $0.indicators.filter(index.contains) })
                    known = try store.listings(of: carried, at: at)
                }
            }
        } catch {
            throw .store(error)
        }
        outcome.indicators = listings.count
        outcome.events = events.count
        let exporter = IntelExporter(listings: listings.sorted { ($0.indicator.kind.rawValue, $0.indicator.value) < ($1.indicator.kind.rawValue, $1.indicator.value) },
                                     exportedAt: now, observed: observed, known: known, notIndicators: { warninglist.match($0) != nil })
        switch format {
        case .stix:
            try write(exporter.stix(), to: path)
            outcome.eventsWithoutObservables = exporter.eventsWithoutObservables
        case .misp:
            try write(exporter.misp(), to: path)
        case .csv:
            if selection.eventRowsInCSV {
                try writeRows(events, to: path, raw: selection.raw)
            } else {
                try write(exporter.csv(), to: path)
            }
        case .zeekIntel:
            let (text, skipped) = exporter.zeekIntel()
            try write(text, to: path)
            outcome.leftOutOfZeek = skipped
        case .mispFeed:
            if mkdir(path, 0o755) != 0 && errno != EEXIST { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
            for (name, text) in exporter.mispFeed() { try write(text, to: path + "/" + name) }
        }
        return outcome
    }

    /// The ids of an event or indicator and of the events the correlation graph links to it
    /// within `hops` (the graph read from the database, as `ctas graph neighbors` reads it).
    public static func neighborIDs(of text: String, hops: Int, databasePath: String, warninglist: Warninglist, retention: Duration,
                                   overcorrelation: Int) throws(StoreError) -> [String]? {
        let reader = try StoredGraphReader(path: databasePath, warninglist: warninglist, retention: retention)
        guard let focus = try reader.resolve(text),
              let found = try reader.neighbors(NeighborQuery(focus: focus, hops: hops, limit: .max, overcorrelationThreshold: overcorrelation))
        else { return nil }
        return (found.event.map { [$0.id] } ?? []) + found.neighbors.map(\.event.id)
    }

    static func selectEvents(_ selection: Selection, databasePath: String) throws(StoreError) -> ([Event], more: Bool) {
        var q = EventQuery()
        q.since = selection.since
        q.until = selection.until
        q.cell = selection.cell
        q.newestFirst = true
        q.filter = selection.filter.isEmpty ? nil : selection.filter
        // One event more than asked says whether the limit cut the selection.
        q.limit = selection.limit == .max ? .max : max(0, selection.limit) + 1
        let reader = try WarmReader(path: databasePath)
        var events: [Event]
        if let ids = selection.ids {
            events = try reader.events(ids: ids, matching: q).sorted(by: { $0.timestamp > $1.timestamp })
        } else {
            events = []
            try reader.forEachEvent(q) { events.append($0) }
        }
        let more = events.count > selection.limit
        if more { events.removeLast(events.count - max(0, selection.limit)) }
        return (events, more)
    }

    static func write(_ text: String, to path: String) throws(Failure) {
        try writing(to: path) { $0.write(text) }
    }

    static func writeRows(_ events: [Event], to path: String, raw: Bool) throws(Failure) {
        try writing(to: path) { output in
            let writer = EventListWriter(format: .csv, raw: raw, maxColumn: nil, output: output)
            writer.begin()
            events.forEach { writer.write($0) }
            writer.end()
        }
    }

    /// Runs `body` on an output to `path` (`-`: standard output). A file is written whole
    /// or not at all: beside the target, synced, then renamed over it.
    static func writing(to path: String, _ body: (BufferedOutput) -> Void) throws(Failure) {
        if path == "-" {
            let output = BufferedOutput(fd: 1)
            body(output)
            output.flush()
            return
        }
        let temporary = path + ".ctas-tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        let output = BufferedOutput(fd: fd)
        body(output)
        output.flush()
        let failure = output.failure ?? (fsync(fd) == 0 ? nil : errno)
        close(fd)
        if let failure {
            unlink(temporary)
            throw .cannotWrite(path: path, reason: String(cString: strerror(failure)))
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .cannotWrite(path: path, reason: reason)
        }
    }
}
