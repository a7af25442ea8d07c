import CTASCore
import CTASEngine

/// The events the feed pane lists, newest first: the snapshot's recent events (or, while the
/// analyst holds the view still, those as they were), then older ones from the store, each
/// once, all matching the filter. Render and reducer both ask here, so they agree.
public enum FeedList {
    public static func events(_ snapshot: Snapshot, _ feed: FeedViewState) -> [Event] {
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
            return ranked.map(\.element)
        }
        return out
    }

    /// Whether more history should be fetched to fill `rows` rows from the scroll position.
    public static func needsHistory(listCount: Int, feed: FeedViewState, rows: Int) -> Bool {
        !feed.historyExhausted && !feed.historyLoading && listCount < feed.scroll + rows + max(rows, 50)
    }
}
