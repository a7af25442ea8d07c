import CTASCore
import CTASEngine

/// The events the feed pane lists, newest first: the snapshot's recent events (or, while the
/// analyst holds the view still, those as they were), then older ones from the store, each
/// once, all matching the filter. Render and reducer both ask here, so they agree.
///
/// A collection rather than an array: following the live feed unfiltered (the usual case,
/// and the demo's), the list is the snapshot's own recent window read from its end, so a
/// frame touches only the rows it draws. Copying the window was a retain of each of its
/// thousand events per frame (3% of the demo's samples; the first touch of those objects,
/// last touched by the engine's threads, now falls to the snapshot's release instead).
public struct FeedList: RandomAccessCollection, ExpressibleByArrayLiteral, Sendable {
    private enum Storage: Sendable {
        /// Oldest first, listed from the end.
        case newestLast([Event])
        /// In list order.
        case listed([Event])
    }

    private let storage: Storage

    /// The events in list order (newest first for a time-ordered feed).
    public init(listing events: [Event]) { storage = .listed(events) }

    public init(arrayLiteral events: Event...) { storage = .listed(events) }

    /// `events` oldest first (as a snapshot keeps them), listed newest first without a copy.
    init(newestLast events: [Event]) { storage = .newestLast(events) }

    public var startIndex: Int { 0 }

    public var endIndex: Int {
        switch storage {
        case .newestLast(let events), .listed(let events): events.count
        }
    }

    public subscript(position: Int) -> Event {
        switch storage {
        case .newestLast(let events): events[events.count - 1 - position]
        case .listed(let events): events[position]
        }
    }

    public static func events(_ snapshot: Snapshot, _ feed: FeedViewState) -> FeedList {
        if feed.frozen == nil, feed.filter.isEmpty, feed.history.isEmpty, feed.order == .time {
            return FeedList(newestLast: snapshot.recent)
        }
        let live = feed.frozen ?? snapshot.recent.reversed().filter(feed.filter.matches)
        var out = live
        if !feed.history.isEmpty {
            // The live events are unique already (newly stored ids, or a list made here
            // before); only history can repeat one of them. Checked only when history is
            // shown: following the live feed, a frame hashes no ids.
            var seen = Set<String>(minimumCapacity: live.count + feed.history.count)
            for e in live { seen.insert(e.id) }
            out.reserveCapacity(live.count + feed.history.count)
            for e in feed.history where seen.insert(e.id).inserted { out.append(e) }
        }
        if feed.order == .risk {
            // Stable: equal scores keep the newest-first order they came in.
            let ranked = out.enumerated().sorted { a, b in
                let ra = a.element.risk.map { Int($0.total) } ?? -1
                let rb = b.element.risk.map { Int($0.total) } ?? -1
                return ra != rb ? ra > rb : a.offset < b.offset
            }
            return FeedList(listing: ranked.map(\.element))
        }
        return FeedList(listing: out)
    }

    /// Whether more history should be fetched to fill `rows` rows from the scroll position.
    public static func needsHistory(listCount: Int, feed: FeedViewState, rows: Int) -> Bool {
        !feed.historyExhausted && !feed.historyLoading && listCount < feed.scroll + rows + Swift.max(rows, 50)
    }
}
