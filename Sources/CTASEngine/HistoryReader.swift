import CTASCore
import CTASStore
import H3

/// Older stored events for the console's feed history, read on a thread of its own (a scan
/// may take a while and must not hold up anything else).
actor HistoryReader {
    nonisolated let executor = ThreadExecutor(name: "ctas-history")
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private let path: String
    fileprivate var reader: WarmReader?

    init(path: String) { self.path = path }

    func page(_ filter: EventFilter, before: Int64?, limit: Int) -> HistoryPage {
        do throws(StoreError) {
            if reader == nil { reader = try WarmReader(path: path) }
            guard let reader else { return HistoryPage(events: [], next: nil, error: nil) }
            // A source or a type no stored one is: the lists say so, where the pages would
            // read every stored event to find none.
            if filter.constrainsSource,
               let names = try reader.sourceNames(limit: WarmTier.defaultSourceNameLimit + 1), !filter.canMatch(sourcesNamed: names) {
                return HistoryPage(events: [], next: nil, error: nil)
            }
            if filter.constrainsType,
               let names = try reader.typeNames(limit: WarmTier.defaultTypeNameLimit + 1), !filter.canMatch(typesNamed: names) {
                return HistoryPage(events: [], next: nil, error: nil)
            }
            let (events, next) = try reader.scanNewest(before: before, limit: limit) { filter.matches($0) }
            return HistoryPage(events: events, next: next, error: nil)
        } catch {
            return HistoryPage(events: [], next: nil, error: StoredDataProblem(error))
        }
    }
}

extension HistoryReader {
    /// The stored event with this id (nil: not in the warm tier, or the store cannot be read).
    func event(id: String) -> Event? {
        do throws(StoreError) {
            if reader == nil { reader = try WarmReader(path: path) }
            var q = EventQuery()
            q.id = id
            q.limit = 1
            return try reader?.events(q).first
        } catch {
            return nil
        }
    }

    /// Tallies per cell at `resolution` of the stored events in `range` (a map range older
    /// than the geo index's minutes). Nil when the store cannot be read.
    func cellTallies(resolution: Int, range: TimeRange) -> [H3Index: CellTally]? {
        var out: [H3Index: CellTally] = [:]
        let res = max(0, min(GeoIndex.baseResolution, resolution))
        do throws(StoreError) {
            if reader == nil { reader = try WarmReader(path: path) }
            guard let reader else { return nil }
            try reader.scanCells(since: range.from, until: range.until) { raw, _, severity in
                guard raw != 0, let cell = try? H3.cellToParent(H3Index(raw), res: res) else { return }
                out[cell, default: CellTally()] += CellTally(count: 1, severitySum: severity ?? 1)
            }
            return out
        } catch {
            return nil
        }
    }

    func drill(_ cell: H3Index, since: Timestamp?, until: Timestamp?, limit: Int) -> CellDrill {
        do throws(StoreError) {
            if reader == nil { reader = try WarmReader(path: path) }
            guard let reader else { return CellDrill(cell: cell) }
            var q = EventQuery()
            q.cell = cell
            q.since = since
            q.until = until
            q.newestFirst = true
            q.limit = limit
            var drill = CellDrill(cell: cell)
            drill.events = try reader.events(q)
            drill.summary = try reader.cellSummary(cell, since: since, until: until)
            return drill
        } catch {
            var drill = CellDrill(cell: cell)
            drill.error = StoredDataProblem(error)
            return drill
        }
    }
}

/// A cell's events, newest first, and what it holds (count, top types and sources).
public struct CellDrill: Sendable {
    public var cell: H3Index
    public var events: [Event] = []
    public var summary = CellSummary()
    public var error: StoredDataProblem?

    public init(cell: H3Index) { self.cell = cell }
}

/// A page of stored events, newest first, and where the next (older) page starts.
public struct HistoryPage: Sendable {
    public var events: [Event]
    /// Pass to the next request; nil when the oldest stored event was reached.
    public var next: Int64?
    public var error: StoredDataProblem?
}

/// Why stored events could not be read, in the engine's own words (its readers need not know
/// the store): nothing stored yet is no failure worth a message.
public enum StoredDataProblem: Sendable, Equatable, CustomStringConvertible {
    /// The data directory holds no events yet.
    case nothingStoredYet
    /// Reading failed: what the store said.
    case failed(String)

    init(_ error: StoreError) {
        if case .noStoredEvents = error { self = .nothingStoredYet } else { self = .failed(error.description) }
    }

    public var description: String {
        switch self {
        case .nothingStoredYet: "no stored events yet"
        case .failed(let message): message
        }
    }
}
