import CTASCore
import CTASIntel
import Foundation
import H3

/// What the console's `:export FORMAT FILE` asks of the engine: the stored events the
/// focused pane shows, written in one of the export formats (with the known intelligence
/// they sighted), as `ctas export` writes them.
public struct ExportRequest: Sendable, Equatable {
    public enum Format: String, CaseIterable, Sendable {
        case stix, misp, mispFeed = "misp-feed", csv, zeekIntel = "zeek-intel"
    }

    /// Which events: the feed's (its filter, over everything stored), a drilled cell's (the
    /// heatmap's time span and the feed's filter), or named ones (the correlation pane's).
    public enum Scope: Sendable, Equatable {
        case filtered(EventFilter)
        case cell(H3Index, since: Timestamp?, until: Timestamp?, filter: EventFilter)
        case events([String])
    }

    public var format: Format
    public var path: String
    public var scope: Scope
    /// At most this many events, newest first.
    public var limit = 100_000

    public init(format: Format, path: String, scope: Scope) {
        self.format = format
        self.path = path
        self.scope = scope
    }
}

/// What an export wrote.
public struct ExportReport: Sendable, Equatable {
    public var path: String
    public var format: ExportRequest.Format
    public var events: Int
    public var indicators: Int
    /// More events matched than the limit let through.
    public var moreEvents: Bool
    /// Events the format could not carry (STIX: no value with an observable) or indicators
    /// it has no type for (Zeek intel).
    public var leftOut: Int

    public init(path: String, format: ExportRequest.Format, events: Int, indicators: Int, moreEvents: Bool, leftOut: Int) {
        self.path = path
        self.format = format
        self.events = events
        self.indicators = indicators
        self.moreEvents = moreEvents
        self.leftOut = leftOut
    }
}

/// Why an export wrote nothing.
public struct ExportProblem: Error, Sendable, Equatable {
    public var message: String

    public init(message: String) { self.message = message }
}

extension Engine {
    /// Writes the events `request` names, on a thread of its own: an export of a hundred
    /// thousand events takes seconds, and must hold neither the pipeline nor Swift's pool.
    /// Reads the database with its own connection while the pipeline keeps writing.
    nonisolated(nonsending) public func export(_ request: ExportRequest) async -> Result<ExportReport, ExportProblem> {
        let databasePath = configuration.dataDirectory.warmDatabase
        let warninglist = configuration.warninglist
        return await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: Self.runExport(request, databasePath: databasePath, warninglist: warninglist))
            }
            thread.name = "ctas-export"
            thread.start()
        }
    }

    static func runExport(_ request: ExportRequest, databasePath: String, warninglist: Warninglist) -> Result<ExportReport, ExportProblem> {
        guard let format = IntelExporter.Format(rawValue: request.format.rawValue) else {
            return .failure(ExportProblem(message: "unknown format \(request.format.rawValue)"))
        }
        var selection = EventExport.Selection()
        selection.limit = request.limit
        selection.eventRowsInCSV = true
        switch request.scope {
        case .filtered(let filter):
            selection.filter = filter
        case .cell(let cell, let since, let until, let filter):
            selection.cell = cell
            selection.since = since
            selection.until = until
            selection.filter = filter
        case .events(let ids):
            selection.ids = ids
        }
        do throws(EventExport.Failure) {
            let outcome = try EventExport.run(selection, format: format, to: request.path, databasePath: databasePath, warninglist: warninglist)
            return .success(ExportReport(path: request.path, format: request.format, events: outcome.events, indicators: outcome.indicators,
                                         moreEvents: outcome.moreEvents, leftOut: outcome.eventsWithoutObservables + outcome.leftOutOfZeek))
        } catch {
            return .failure(ExportProblem(message: error.description))
        }
    }
}
