import CTASCore
import CTASStore

/// Older stored events for the console's feed history, read on a thread of its own (a scan
/// may take a while and must not hold up anything else).
actor HistoryReader {
    nonisolated let executor = ThreadExecutor(name: "ctas-history")
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private let path: String
    private var reader: WarmReader?

    init(path: String) { self.path = path }

    func page(_ filter: EventFilter, before: Int64?, limit: Int) -> HistoryPage {
        do throws(StoreError) {
            if reader == nil { reader = try WarmReader(path: path) }
            guard let reader else { return HistoryPage(events: [], next: nil, error: nil) }
            let (events, next) = try reader.scanNewest(before: before, limit: limit) { filter.matches($0) }
            return HistoryPage(events: events, next: next, error: nil)
        } catch {
            return HistoryPage(events: [], next: nil, error: error.message)
        }
    }
}

/// A page of stored events, newest first, and where the next (older) page starts.
public struct HistoryPage: Sendable {
    public var events: [Event]
    /// Pass to the next request; nil when the oldest stored event was reached.
    public var next: Int64?
    public var error: String?
}
